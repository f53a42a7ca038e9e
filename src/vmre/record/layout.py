"""File names inside a record folder and their one serialisation (docs/record.md §1)."""

import json

MANIFEST = "manifest.json"
ELECTION = "election.json"
FINGERPRINT = "fingerprint.json"
TRANSCRIPT = "ceremony/transcript.json"
CREDENTIALS = "credentials.json"
BOARD = "board.jsonl"
SPOILED = "spoiled.jsonl"
CLOSING = "closing.json"
AGGREGATE = "aggregate.json"
SHARES_DIR = "shares"
RESULTS = "results.json"
ACTAS_DIR = "actas"
SUMS = "SHA256SUMS"
ELECTRONIC_ACTA = "actas/electronica.json"
# Every file a record may hold besides shares/custodian-J.json (1 ≤ J ≤ n) and actas/ (§1.1).
FIXED_FILES = (MANIFEST, ELECTION, FINGERPRINT, TRANSCRIPT, CREDENTIALS, BOARD, SPOILED, CLOSING,
               AGGREGATE, RESULTS, SUMS)


def entity_count_file(entity: str) -> str:
    return f"{ACTAS_DIR}/computo/{entity}.json"


def share_file(custodian: int) -> str:
    return f"{SHARES_DIR}/custodian-{custodian}.json"


def file_text(data: object) -> str:
    """A record JSON file: sorted keys, one-space indent, UTF-8, final newline (§1.2)."""
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def line_text(data: object) -> str:
    """One line of a .jsonl record file: sorted keys, ASCII, default separators (§1.2)."""
    return json.dumps(data, sort_keys=True) + "\n"
