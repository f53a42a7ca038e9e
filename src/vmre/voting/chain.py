"""The board's hash chain: each entry commits to the one before it (docs/record.md §7).

entry_hash = H32("vmre/board-entry/v1", prev_hash, position, tracking_code, received_at); the
first prev_hash is the election's base hash.
"""

from __future__ import annotations

from vmre.voting.context import digest32


def entry_hash(prev_hash: str, position: int, tracking: str, received_at: str) -> str:
    return digest32("vmre/board-entry/v1", bytes.fromhex(prev_hash), position,
                    bytes.fromhex(tracking), received_at).hex()
