"""Writing the election record: a folder, then one zip archive of it.

Both appear whole or not at all (vmre.core.atomic): the folder is built under a temporary
name and renamed into place, the zip likewise, so a writer killed half-way leaves the earlier
version or nothing under the record's name, and running it again finishes the job
(docs/voting.md "What a crash leaves")."""

from __future__ import annotations

import json
from pathlib import Path

from vmre.core import atomic, crashpoint
from vmre.record import layout
from vmre.record.layout import file_text, line_text
from vmre.voting.board import Board


def _dump(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(file_text(data), encoding="utf-8")


def write_record(folder: str | Path, board: Board, election_id: str, closing: dict,
                 aggregate: dict, shares: dict[int, dict], results: dict) -> Path:
    """Everything needed to re-check the election, and nothing about who the voters are."""
    target = Path(folder)
    with atomic.folder(target) as out:
        _write(out, board, election_id, closing, aggregate, shares, results)
    return target


def _write(out: Path, board: Board, election_id: str, closing: dict, aggregate: dict,
           shares: dict[int, dict], results: dict) -> None:
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
    half = election.ballot_count // 2
    with open(out / layout.BOARD, "w", encoding="utf-8") as fh:
        for e in board.stream(election_id):
            if e.position == half + 1:
                fh.flush()
                crashpoint.reached("record:board")
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


def archive(folder: str | Path) -> Path:
    """record.zip beside the folder, holding the same files."""
    folder = Path(folder)
    return atomic.archive(folder, folder.with_name(folder.name + ".zip"))
