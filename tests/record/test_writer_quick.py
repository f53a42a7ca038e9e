"""vmre.record.writer on the small election of tests/voting/quick_election.py, a record per
test: each test opens the election on a fresh SQLite copy through the real board, casts
three ballots, publishes one audited ballot, closes and tallies, and writes the record into
its own folder. Every file is compared with the text it must hold, the zip with the folder,
and the crash point half-way through the board with what it leaves. Fast enough to run for
every mutant of writer.py (docs/testing.md §2); the simulacro and the conformance records
write larger records with the same functions."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voting"))

from quick_election import (
    ISSUER,
    JAL,
    JAL_OTHER,
    Quick,
    ballot,
    ceremony,
    credential_list,
    quick,
    randomness,
    shares,
)
from sqlalchemy import update

from vmre.core import atomic, crashpoint
from vmre.core.messages import UserError
from vmre.crypto.group import base_mul
from vmre.record import layout
from vmre.record.layout import file_text, line_text
from vmre.record.verifier import verify_record
from vmre.record.writer import archive, write_record
from vmre.voting import closing
from vmre.voting.ballot import reveal, tracking_code
from vmre.voting.models import Election

# (voter, selections): under "last", voters 0 and 2 vote again; five entries, so that half
# the board (two) differs from a third of it and from 2.5
CAST = ((0, None), (1, None), (2, None), (0, JAL_OTHER), (2, JAL_OTHER))
FIRST_BALLOTS = CAST[:3]  # all that "single" accepts
AUDITED = 3  # voter 3's ballot is audited (spoiled) and never cast


@dataclass
class Closed:
    """An election voted, closed and tallied, with what write_record is given."""
    q: Quick
    eid: str
    cast: tuple
    receipts: list[dict]
    closing: dict
    aggregate: dict
    shares: dict[int, dict]
    results: dict

    def write(self, folder: Path) -> Path:
        return write_record(folder, self.q.board, self.eid, self.closing, self.aggregate,
                            self.shares, self.results)


def _closed(tmp_path: Path, policy: str = "last") -> Closed:
    q = quick(tmp_path)
    eid = q.open(policy)
    spoiled = ballot(AUDITED)
    q.board.spoil(eid, spoiled, reveal(spoiled, JAL, randomness(AUDITED)))
    cast = CAST if policy == "last" else FIRST_BALLOTS
    receipts = [q.board.cast(eid, ballot(voter, chosen)) for voter, chosen in cast]
    statement = q.board.close(eid)
    aggregate = closing.aggregate(q.board, eid)
    results, valid, rejected = closing.combine(q.ctx, ceremony().transcript(), aggregate,
                                               shares(aggregate))
    assert sorted(valid) == [1, 2] and rejected == []
    return Closed(q, eid, cast, receipts, statement, aggregate, valid, results)


@pytest.fixture
def closed(tmp_path) -> Closed:
    return _closed(tmp_path)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _board_lines(c: Closed) -> list[str]:
    """board.jsonl from the receipts and the ballots cast: one line per entry, in order,
    each linked to the one before (the first to the election's base hash)."""
    lines, prev = [], c.q.ctx.base_hash.hex()
    for (voter, chosen), receipt in zip(c.cast, c.receipts, strict=True):
        lines.append(line_text({
            "position": receipt["position"], "tracking_code": receipt["tracking_code"],
            "received_at": receipt["received_at"], "prev_hash": prev,
            "entry_hash": receipt["entry_hash"], "ballot": ballot(voter, chosen)}))
        prev = receipt["entry_hash"]
    return lines


def _spoiled_text() -> str:
    doc = ballot(AUDITED)
    return json.dumps({"tracking_code": tracking_code(doc), "ballot": doc,
                       "disclosure": reveal(doc, JAL, randomness(AUDITED))},
                      sort_keys=True) + "\n"


def _expected(c: Closed, policy: str = "last") -> dict[str, bytes]:
    """Every file the record must hold, byte for byte (docs/record.md §1)."""
    context = {**c.q.ctx.to_json(), "revote_policy": policy,
               "receipt_key": c.q.board.server_key(c.eid).hex()}
    texts = {
        layout.MANIFEST: file_text(c.q.ctx.manifest.document),
        layout.ELECTION: file_text(context),
        layout.FINGERPRINT: file_text(c.q.board.fingerprint(c.eid)[1]),
        layout.TRANSCRIPT: file_text(ceremony().transcript()),
        layout.CREDENTIALS: file_text(credential_list()),
        layout.BOARD: "".join(_board_lines(c)),
        layout.SPOILED: _spoiled_text(),
        layout.CLOSING: file_text(c.closing),
        layout.AGGREGATE: file_text(c.aggregate),
        layout.share_file(1): file_text(c.shares[1]),
        layout.share_file(2): file_text(c.shares[2]),
        layout.RESULTS: file_text(c.results),
    }
    return {name: text.encode("utf-8") for name, text in texts.items()}


# -- the record, file by file ----------------------------------------------------------------

def test_the_record_holds_every_file_in_its_one_form_and_nothing_else(closed, tmp_path):
    target = tmp_path / "out" / "record"
    assert closed.write(target) == target
    assert _files(target) == _expected(closed)
    assert "Acción".encode() in (target / layout.MANIFEST).read_bytes()  # UTF-8, unescaped
    assert sorted(p.name for p in target.parent.iterdir()) == ["record"]  # no partial left


def test_the_board_file_lists_every_entry_in_order_with_every_field(closed, tmp_path):
    record = closed.write(tmp_path / "record")
    lines = (record / layout.BOARD).read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines == _board_lines(closed)
    entries = [json.loads(line) for line in lines]
    assert [e["position"] for e in entries] == [1, 2, 3, 4, 5]
    assert [e["ballot"] for e in entries] == [ballot(v, chosen) for v, chosen in CAST]
    assert [e["prev_hash"] for e in entries[1:]] == [e["entry_hash"] for e in entries[:-1]]
    assert all(set(e) == {"position", "tracking_code", "received_at", "prev_hash",
                          "entry_hash", "ballot"} for e in entries)


def test_the_spoiled_file_holds_the_bytes_the_closing_statement_hashed(closed, tmp_path):
    record = closed.write(tmp_path / "record")
    data = (record / layout.SPOILED).read_bytes()
    assert data == _spoiled_text().encode("ascii")
    assert data == "".join(closed.q.board.spoiled_lines(closed.eid)).encode("ascii")
    assert closed.closing["spoiled"] == {"count": 1, "sha256": hashlib.sha256(data).hexdigest()}


def test_each_custodian_share_has_its_own_file(closed, tmp_path):
    record = closed.write(tmp_path / "record")
    assert sorted(p.name for p in (record / layout.SHARES_DIR).iterdir()) == [
        "custodian-1.json", "custodian-2.json"]
    for j in (1, 2):
        doc = json.loads((record / layout.share_file(j)).read_text(encoding="utf-8"))
        assert doc == closed.shares[j] and doc["custodian"] == j


def test_the_record_is_written_in_utf8_whatever_the_locale(closed, tmp_path, ascii_locale):
    record = closed.write(tmp_path / "record")
    assert _files(record) == _expected(closed)


def test_the_written_record_verifies_with_its_results_and_fingerprint(closed, tmp_path):
    record = closed.write(tmp_path / "record")
    fingerprint = closed.q.board.fingerprint(closed.eid)[0]
    report = verify_record(record, fingerprint=fingerprint)
    assert report.ok, report.failures
    assert (report.ballots, report.counted, report.spoiled, report.policy) == (5, 3, 1, "last")
    assert report.results == closed.results and report.fingerprint_checked


def test_a_record_of_the_single_policy_names_it(tmp_path):
    c = _closed(tmp_path, "single")
    record = c.write(tmp_path / "record")
    assert _files(record) == _expected(c, "single")
    assert json.loads((record / layout.ELECTION).read_text("utf-8"))["revote_policy"] == "single"


def test_an_election_without_a_credential_list_or_ballots_writes_empty_files(tmp_path):
    """Registered with the issuer (fingerprint fixed), nothing loaded, cast or decrypted."""
    q = quick(tmp_path)
    eid = q.board.register(ceremony(), "single", base_mul(ISSUER))
    record = write_record(tmp_path / "record", q.board, eid, {"c": 1}, {"a": 2}, {}, {"r": 3})
    files = _files(record)
    assert files[layout.CREDENTIALS] == b"{}\n"
    assert (files[layout.BOARD], files[layout.SPOILED]) == (b"", b"")
    assert (files[layout.CLOSING], files[layout.AGGREGATE], files[layout.RESULTS]) == (
        file_text({"c": 1}).encode(), file_text({"a": 2}).encode(), file_text({"r": 3}).encode())
    assert not (record / layout.SHARES_DIR).exists()


# -- the zip ---------------------------------------------------------------------------------

def test_the_archive_beside_the_folder_holds_the_same_files(closed, tmp_path):
    record = closed.write(tmp_path / "record")
    zipped = archive(str(record))
    assert zipped == tmp_path / "record.zip"
    with zipfile.ZipFile(zipped) as zf:
        inside = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    assert inside == _files(record) == _expected(closed)
    assert sorted(p.name for p in tmp_path.iterdir() if "record" in p.name) == [
        "record", "record.zip"]


# -- whole or not at all ---------------------------------------------------------------------

def test_a_writer_killed_half_way_through_the_board_leaves_no_record_and_a_rerun_finishes(
        closed, tmp_path):
    """The crash point `record:board`: the first half of the board (two entries of five) is
    on disk, under the temporary name only; running the writer again writes it all."""
    target = tmp_path / "record"
    closed.q.board.engine.dispose()
    pid = os.fork()
    if pid == 0:  # the child dies at the point, before anything else
        os.environ[crashpoint.SETTING] = "record:board"
        try:
            closed.write(target)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert not target.exists()
    partial = atomic.partial_name(target)
    left = _files(partial)
    assert left[layout.BOARD] == "".join(_board_lines(closed)[:2]).encode()
    expected = _expected(closed)
    before = (layout.MANIFEST, layout.ELECTION, layout.FINGERPRINT, layout.TRANSCRIPT,
              layout.CREDENTIALS)
    assert {name: left[name] for name in before} == {name: expected[name] for name in before}
    assert set(left) == {*before, layout.BOARD}
    assert closed.write(target) == target
    assert _files(target) == expected and not partial.exists()


def test_a_writer_that_fails_leaves_the_earlier_record_as_it_was(closed, tmp_path):
    record = closed.write(tmp_path / "record")
    expected = _expected(closed)
    with closed.q.board.sessions.begin() as s:  # a fingerprint input changed after the fact
        s.execute(update(Election).where(Election.id == closed.eid).values(
            revote_policy="single"))
    with pytest.raises(UserError) as err:
        closed.write(record)
    assert (err.value.key, err.value.params) == (
        "voting.board.fingerprint_changed", {"election": closed.eid})
    assert _files(record) == expected
    assert sorted(p.name for p in tmp_path.iterdir() if "record" in p.name) == ["record"]


def test_writing_again_replaces_the_record_whole(closed, tmp_path):
    record = tmp_path / "record"
    record.mkdir()
    (record / "stale.json").write_text("{}\n", encoding="utf-8")
    closed.write(record)
    assert _files(record) == _expected(closed)

