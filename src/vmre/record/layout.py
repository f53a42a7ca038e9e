"""File names inside a record folder (docs/record.md §1)."""

MANIFEST = "manifest.json"
ELECTION = "election.json"
TRANSCRIPT = "ceremony/transcript.json"
CREDENTIALS = "credentials.json"
BOARD = "board.jsonl"
SPOILED = "spoiled.jsonl"
CLOSING = "closing.json"
AGGREGATE = "aggregate.json"
SHARES_DIR = "shares"
RESULTS = "results.json"
ACTAS_DIR = "actas"


def share_file(custodian: int) -> str:
    return f"{SHARES_DIR}/custodian-{custodian}.json"
