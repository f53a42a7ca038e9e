"""Writing the election record: a folder, then one zip archive of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from vmre.record import layout
from vmre.record.layout import file_text, line_text
from vmre.voting.board import Board


def _dump(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(file_text(data), encoding="utf-8")


def write_record(folder: str | Path, board: Board, election_id: str, closing: dict,
                 aggregate: dict, shares: dict[int, dict], results: dict) -> Path:
    """Everything needed to re-check the election, and nothing about who the voters are."""
    out = Path(folder)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    election = board.election(election_id)
    context = json.loads(election.context)
    context["revote_policy"] = election.revote_policy
    context["receipt_key"] = board.server_key(election_id).hex()
    _fingerprint, inputs = board.fingerprint(election_id)  # refused if its inputs changed
    _dump(out / layout.MANIFEST, json.loads(election.manifest))
    _dump(out / layout.ELECTION, context)
    _dump(out / layout.FINGERPRINT, inputs)
    _dump(out / layout.TRANSCRIPT, json.loads(election.transcript))
    _dump(out / layout.CREDENTIALS, json.loads(election.credentials or "{}"))
    with open(out / layout.BOARD, "w", encoding="utf-8") as fh:
        for e in board.stream(election_id):
            fh.write(line_text({"position": e.position, "tracking_code": e.tracking_code,
                                "received_at": e.received_at, "prev_hash": e.prev_hash,
                                "entry_hash": e.entry_hash, "ballot": json.loads(e.ballot)}))
    with open(out / layout.SPOILED, "w", encoding="utf-8", newline="") as fh:
        fh.writelines(board.spoiled_lines(election_id))  # the bytes the closing hashed
    _dump(out / layout.CLOSING, closing)
    _dump(out / layout.AGGREGATE, aggregate)
    for custodian, share in shares.items():
        _dump(out / layout.share_file(custodian), share)
    _dump(out / layout.RESULTS, results)
    return out


def archive(folder: str | Path) -> Path:
    """record.zip beside the folder, holding the same files."""
    folder = Path(folder)
    return Path(shutil.make_archive(str(folder), "zip", root_dir=folder))
