"""SIVEI: the internet vote. Manifest, ceremonies, credentials list, ballots, board, tally."""
