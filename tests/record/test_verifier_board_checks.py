"""The verifier's board section (§7 and §6) one check at a time, on the conformance records.

`_check_board`, `_Chain.items` and `_iter_raw` are called directly on a context loaded once
per record (`_check_context`, `_check_credentials`): no election is built, so each test costs
a fraction of a second and belongs to the fast selection `make mutants` runs (docs/testing.md
§2). A test that changes the board or the closing statement works on a copy, recomputes the
chain and re-signs the closing statement with a receipt key of its own (put into the context's
election in place of the record's), so that only the check it names is left to object.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from record_checks import failures_of as _failures

from vmre.crypto.group import GroupError, L, base_mul, point_from_hex
from vmre.record import layout, verifier
from vmre.record.verifier import (
    CHUNK,
    RecordError,
    Report,
    _Board,
    _Chain,
    _check_board,
    _check_context,
    _check_credentials,
    _Context,
    _iter_raw,
    _window,
)
from vmre.voting import tally
from vmre.voting.board import CLOSING_TAG, server_sign
from vmre.voting.chain import entry_hash

RECORDS = Path(__file__).resolve().parents[2] / "conformance" / "records"
SINGLE = RECORDS / "single-all-present"  # policy single, 4 entries, 4 voters
LAST = RECORDS / "last-revote"  # policy last: voter 0 at 1, 3, 6; voter 1 at 2, 5; voter 2 at 4
# The receipt key the tests re-sign closing statements with (the records' own is not kept).
SECRET = int.from_bytes(hashlib.sha256(b"vmre tests: board receipt key").digest(), "little") % L
KEY = base_mul(SECRET).hex()
DROP = object()  # a closing statement member to leave out
CLOSING_SIGNATURE = ("7.4", "closing statement", layout.CLOSING,
                     "signature, election or policy does not match")


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _lines(record: Path) -> list[str]:
    return (record / layout.BOARD).read_text(encoding="utf-8").splitlines(True)


def _entries(record: Path) -> list[dict]:
    return [json.loads(line) for line in _lines(record)]


def _label(entry: dict) -> str:
    return f"ballot {entry['tracking_code']} at position {entry['position']}"


def _raised(caught: pytest.ExceptionInfo) -> tuple[str, str, str, str]:
    failure = caught.value.failure
    return failure.section, failure.check, failure.item, failure.detail


@functools.cache
def _loaded(record: Path) -> tuple[_Context, dict[str, str], str]:
    """§2 and §5 of an honest record: its context, eligible credentials and fingerprint."""
    report = Report()
    context = _check_context(record, report, None)
    eligible = _check_credentials(record, report, context)
    assert report.ok, report.failures
    return context, eligible, report.fingerprint


def _base_hash(record: Path) -> str:
    return _loaded(record)[0].ctx.base_hash.hex()


def _chain(base_hash: str, entries: list[dict]) -> list[dict]:
    """Each entry linked to the one before and its entry_hash recomputed, at the positions
    the entries name (a test renumbers them itself)."""
    prev = base_hash
    for entry in entries:
        entry["prev_hash"] = prev
        entry["entry_hash"] = prev = entry_hash(prev, entry["position"], entry["tracking_code"],
                                                entry["received_at"])
    return entries


def _forge(tmp_path: Path, record: Path, entries: list | None = None, *,
           board_text: str | None = None, **closing: object) -> Path:
    """A copy of `record` whose board holds `entries` (written as given) or `board_text`,
    and whose closing statement is re-signed with KEY: final_hash and ballots follow the
    board, then `closing` changes members (DROP leaves one out)."""
    folder = tmp_path / record.name
    shutil.copytree(record, folder)
    if entries is not None:
        board_text = "".join(layout.line_text(e) for e in entries)
    if board_text is not None:
        (folder / layout.BOARD).write_text(board_text, encoding="utf-8")
    if entries is None:
        entries = _entries(folder)
    statement = {k: v for k, v in _json(folder / layout.CLOSING).items() if k != "signature"}
    statement.update(final_hash=entries[-1]["entry_hash"] if entries else _base_hash(record),
                     ballots=len(entries))
    statement.update(closing)
    statement = {k: v for k, v in statement.items() if v is not DROP}
    (folder / layout.CLOSING).write_text(layout.file_text(
        server_sign(CLOSING_TAG, SECRET, statement)), encoding="utf-8")
    return folder


def _board(folder: Path, record: Path | None = None, *, election: dict | None = None,
           eligible: dict[str, str] | None = None, scheduler: str | None = None,
           progress=None, workers: int | None = None, chunk: int = CHUNK
           ) -> tuple[Report, _Board]:
    """`_check_board` on `folder` with the context of the honest `record` it was copied from
    (default: itself); `election` changes election.json's members (DROP leaves one out)."""
    context, listed, fingerprint = _loaded(record or folder)
    changes = election or {}
    if changes:
        context = dataclasses.replace(context, election={
            k: v for k, v in {**context.election, **changes}.items() if v is not DROP})
    report = Report(fingerprint=fingerprint)
    board = _check_board(folder, report, context, listed if eligible is None else eligible,
                         scheduler, progress, workers, chunk)
    return report, board


def _resigned(folder: Path, record: Path, *, election: dict | None = None, **kwargs
              ) -> tuple[Report, _Board]:
    """`_board` on a copy `_forge` made: the election's receipt key is KEY."""
    return _board(folder, record, election={"receipt_key": KEY, **(election or {})}, **kwargs)


def _aggregate(record: Path, board: _Board) -> dict:
    return tally.aggregate_document(_loaded(record)[0].ctx, tally.merge_sums(board.sums))


def _tracking(record: Path) -> dict[str, int]:
    return {e["tracking_code"]: e["position"] for e in _entries(record)}


# _check_board: honest boards ---------------------------------------------------------------

def test_an_honest_single_board_passes_and_hands_on_its_closing_tracking_codes_and_sums():
    report, board = _board(SINGLE)
    assert report.failures == []
    assert board.closing == _json(SINGLE / layout.CLOSING)
    assert board.tracking == _tracking(SINGLE) and len(board.tracking) == 4
    assert len(board.sums) == 1
    assert _aggregate(SINGLE, board) == _json(SINGLE / layout.AGGREGATE)
    assert (report.ballots, report.counted, report.policy) == (4, 4, "single")
    assert report.checks == ["§7 board chain (4 entries, 4 counted, window checked)",
                             "§6 ballot proofs and signatures (4 ballots)"]


def test_an_honest_last_board_counts_each_credentials_last_ballot_only():
    report, board = _board(LAST)
    assert report.failures == []
    assert board.tracking == _tracking(LAST) and len(board.tracking) == 6
    assert _aggregate(LAST, board) == _json(LAST / layout.AGGREGATE)
    assert (report.ballots, report.counted, report.policy) == (6, 3, "last")
    assert report.checks == ["§7 board chain (6 entries, 3 counted, window checked)",
                             "§6 ballot proofs and signatures (6 ballots)"]


def test_a_board_resigned_with_another_key_passes_with_that_key_in_the_context(tmp_path):
    """The forging helpers change nothing a check sees: the tests below differ by one thing."""
    for record in (SINGLE, LAST):
        report, _ = _resigned(_forge(tmp_path / record.name, record), record)
        assert report.failures == [], record.name


def test_an_empty_board_closes_on_the_base_hash(tmp_path):
    calls: list[tuple[int, int]] = []
    folder = _forge(tmp_path, SINGLE, [])
    report, board = _resigned(folder, SINGLE, progress=lambda *a: calls.append(a))
    assert report.failures == []
    assert (board.tracking, board.sums, report.ballots, report.counted) == ({}, [], 0, 0)
    assert report.checks == ["§7 board chain (0 entries, 0 counted, window checked)",
                             "§6 ballot proofs and signatures (0 ballots)"]
    assert calls == [(0, 0)]


def test_a_ballot_whose_proof_fails_is_reported_from_its_chunk():
    record = RECORDS / "bad-option-proof"  # voter 0's first, superseded ballot under "last"
    report, board = _board(record)
    [(section, check, item, detail)] = _failures(report)
    assert (section, check, item) == ("6.3", "ballot proofs and signature",
                                      _label(_entries(record)[0]))
    assert detail.startswith("bad_option_proof contest=")
    assert report.counted == 3 and _aggregate(record, board) == _json(record / layout.AGGREGATE)


def test_a_ballot_received_after_the_close_is_named():
    record = RECORDS / "received-after-close"
    report, _ = _board(record)
    last = _entries(record)[-1]
    assert _failures(report) == [(
        "7.5", "received in the voting window", _label(last),
        f"received_at {last['received_at']} is not in [2024-05-20T12:00:00+00:00, "
        "2024-05-21T12:00:00+00:00)")]


# _check_board: the revoting policy (§6.6, §7.3) --------------------------------------------

@pytest.mark.parametrize(("policy", "named"), [("ninguna", "ninguna"), (3, 3), (DROP, None)],
                         ids=["unknown", "not-a-string", "missing"])
def test_a_revoting_policy_that_is_not_single_or_last_is_named(tmp_path, policy, named):
    folder = _forge(tmp_path, SINGLE, revote_policy=policy)
    report, _ = _resigned(folder, SINGLE, election={"revote_policy": policy})
    assert _failures(report) == [("7.3", "revoting policy", layout.ELECTION, repr(named))]
    assert report.policy == ("ninguna" if policy == "ninguna" else "")
    assert report.counted == 4  # each credential's first ballot


def test_under_last_an_entry_without_a_position_leaves_none_of_its_credential_counted(
        tmp_path):
    """Voter 0's last entry (6) names no position: the board's last position for voter 0 is
    read as 0, so neither of its earlier ballots (1, 3) counts."""
    entries = _entries(LAST)
    del entries[5]["position"]  # the chain ends at entry 5, the last one read whole
    report, _ = _resigned(_forge(tmp_path, LAST, entries, final_hash=entries[4]["entry_hash"]),
                          LAST)
    assert _failures(report) == [("7.1", "entry fields", f"{layout.BOARD}:6",
                                  "KeyError('position')")]
    assert (report.ballots, report.counted) == (6, 2)


def test_under_last_an_entry_without_a_position_is_read_as_position_0(tmp_path):
    """Voter 0's entries: 1 (renumbered 0), 3 and 6 (no position): its last position is 0,
    so the entry at position 0 counts, with voter 1's at 5 and voter 2's at 4."""
    entries = _entries(LAST)
    entries[0]["position"] = 0
    del entries[5]["position"]
    entries = _chain(_base_hash(LAST), entries[:5]) + entries[5:]
    report, _ = _resigned(_forge(tmp_path, LAST, entries, final_hash=entries[4]["entry_hash"]),
                          LAST)
    assert _failures(report) == [
        ("7.1", "positions consecutive", _label(entries[0]), "expected 1"),
        ("7.1", "entry fields", f"{layout.BOARD}:6", "KeyError('position')")]
    assert (report.ballots, report.counted) == (6, 3)


def test_under_last_a_ballot_that_is_not_an_object_is_left_out_of_the_last_positions(
        tmp_path):
    """Voter 0's last entry (6) holds no ballot object: voter 0's ballot at 3 counts."""
    entries = _entries(LAST)
    entries[5]["ballot"] = "papeleta"
    report, _ = _resigned(_forge(tmp_path, LAST, entries), LAST)
    assert _failures(report) == [("7.1", "entry fields", f"{layout.BOARD}:6",
                                  repr(AttributeError("'str' object has no attribute 'get'")))]
    assert report.counted == 3


# _check_board: the closing statement (§7.4) --------------------------------------------------

def test_a_closing_statement_whose_signature_fails_is_named(tmp_path):
    folder = _forge(tmp_path, SINGLE)
    closing = _json(folder / layout.CLOSING)
    closing["signature"].reverse()
    (folder / layout.CLOSING).write_text(layout.file_text(closing), encoding="utf-8")
    report, _ = _resigned(folder, SINGLE)
    assert _failures(report) == [CLOSING_SIGNATURE]


@pytest.mark.parametrize("changes", [{"election_id": "otra-eleccion"},
                                     {"revote_policy": "last"}, {"election_id": DROP},
                                     {"revote_policy": DROP}],
                         ids=["other-election", "other-policy", "no-election", "no-policy"])
def test_a_signed_closing_statement_of_another_election_or_policy_is_named(tmp_path, changes):
    report, _ = _resigned(_forge(tmp_path, SINGLE, **changes), SINGLE)
    assert _failures(report) == [CLOSING_SIGNATURE]


def test_a_closing_statement_signed_by_another_key_is_named(tmp_path):
    """The record's own closing statement, checked against the re-signing key."""
    report, _ = _board(SINGLE, election={"receipt_key": KEY})
    assert _failures(report) == [CLOSING_SIGNATURE]


@pytest.mark.parametrize("key", ["00" * 31, DROP, 7], ids=["short", "missing", "number"])
def test_a_receipt_key_that_is_not_a_point_stops_the_section(key):
    try:
        point_from_hex(str(None if key is DROP else key))
    except GroupError as err:
        expected = str(err)
    with pytest.raises(RecordError) as caught:
        _board(SINGLE, election={"receipt_key": key})
    assert _raised(caught) == ("7.4", "server key", layout.ELECTION, expected)


@pytest.mark.parametrize("fingerprint", ["ab" * 32, DROP], ids=["other", "missing"])
def test_a_closing_statement_naming_another_fingerprint_is_named(tmp_path, fingerprint):
    report, _ = _resigned(_forge(tmp_path, SINGLE, fingerprint=fingerprint), SINGLE)
    assert _failures(report) == [("7.4", "closing fingerprint", layout.CLOSING,
                                  "the closing statement names another fingerprint")]


def test_the_closing_fingerprint_is_compared_with_the_one_section_2_recomputed():
    context, eligible, _ = _loaded(SINGLE)
    report = Report()  # no fingerprint recomputed
    _check_board(SINGLE, report, context, eligible, None, None, None, CHUNK)
    assert _failures(report) == [("7.4", "closing fingerprint", layout.CLOSING,
                                  "the closing statement names another fingerprint")]


@pytest.mark.parametrize("changes", [{"final_hash": "ab" * 32}, {"ballots": 5},
                                     {"final_hash": DROP}, {"ballots": 3}],
                         ids=["other-hash", "more-ballots", "no-hash", "fewer-ballots"])
def test_a_closing_statement_whose_final_hash_or_count_is_not_the_boards_is_named(
        tmp_path, changes):
    report, _ = _resigned(_forge(tmp_path, SINGLE, **changes), SINGLE)
    assert _failures(report) == [("7.4", "closing hash and count", layout.CLOSING,
                                  "final_hash/ballots differ from the board")]


def test_without_a_voting_window_no_entry_is_checked_against_one(tmp_path):
    entries = _entries(SINGLE)
    entries[-1]["received_at"] = "2024-05-22T12:00:00+00:00"  # after the close
    folder = _forge(tmp_path, SINGLE, _chain(_base_hash(SINGLE), entries), opens_at=DROP)
    report, _ = _resigned(folder, SINGLE)
    assert _failures(report) == [(
        "7.4", "voting window", layout.CLOSING,
        "opens_at/closes_at missing, not ISO 8601 with offset, or out of order")]
    assert report.checks[0] == "§7 board chain (4 entries, 4 counted)"


def test_a_closing_statement_in_another_serialisation_is_named(tmp_path):
    folder = tmp_path / "record"
    shutil.copytree(SINGLE, folder)
    closing = _json(folder / layout.CLOSING)
    (folder / layout.CLOSING).write_text(json.dumps(closing), encoding="utf-8")
    report, board = _board(folder, SINGLE)
    assert _failures(report) == [("1.2", "canonical form", layout.CLOSING,
                                  "bytes differ from the one serialisation")]
    assert board.closing == closing


@pytest.mark.parametrize("name", [layout.CLOSING, layout.BOARD])
@pytest.mark.parametrize("record", [SINGLE, LAST], ids=["single", "last"])
def test_a_missing_closing_statement_or_board_stops_the_section(tmp_path, record, name):
    folder = tmp_path / "record"
    shutil.copytree(record, folder)
    (folder / name).unlink()
    with pytest.raises(RecordError) as caught:
        _board(folder, record)
    assert _raised(caught) == ("7.4" if name == layout.CLOSING else "7", "file present",
                               name, "missing")


def test_a_record_without_its_board_is_named_not_a_crash(tmp_path):
    folder = tmp_path / "record"
    shutil.copytree(SINGLE, folder)
    (folder / layout.BOARD).unlink()
    report = verifier.verify_record(folder)
    assert _failures(report) == [("7", "file present", layout.BOARD, "missing")]


@pytest.mark.parametrize("record", [SINGLE, LAST], ids=["single", "last"])
def test_a_board_line_that_does_not_parse_stops_the_section(tmp_path, record):
    lines = _lines(record)
    lines[1] = "{no es json\n"
    try:
        json.loads(lines[1])
    except json.JSONDecodeError as err:
        expected = str(err)
    folder = tmp_path / "record"
    shutil.copytree(record, folder)
    (folder / layout.BOARD).write_text("".join(lines), encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        _board(folder, record)
    assert _raised(caught) == ("7", "line parses", f"{layout.BOARD}:2", expected)


# _check_board: chunks, workers and progress --------------------------------------------------

@pytest.mark.parametrize(("chunk", "workers", "calls", "parts"), [
    (CHUNK, None, [(0, 4), (4, 4)], 1),
    (4, None, [(0, 4), (4, 4)], 1),
    (3, 1, [(0, 4), (3, 4), (4, 4)], 2),
    (1, 1, [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)], 4),
], ids=["default", "four", "three", "one"])
def test_the_board_goes_to_the_workers_a_chunk_at_a_time_with_progress_in_lines(
        chunk, workers, calls, parts):
    seen: list[tuple[int, int]] = []
    report, board = _board(SINGLE, progress=lambda done, total: seen.append((done, total)),
                           workers=workers, chunk=chunk)
    assert report.failures == [] and seen == calls and len(board.sums) == parts
    assert _aggregate(SINGLE, board) == _json(SINGLE / layout.AGGREGATE)


def test_the_scheduler_and_workers_reach_the_pool(monkeypatch):
    """The Dask scheduler is not started here: the pool is asked for it and runs locally."""
    asked: list[tuple] = []
    real = verifier.map_chunks

    def pool(fn, chunks, scheduler=None, progress=None, workers=None):
        chunks = list(chunks)
        asked.append((fn, [c[:2] for c in chunks], [len(c[2]) for c in chunks], scheduler,
                       progress is None, workers))
        return real(fn, chunks, None, progress, workers)

    monkeypatch.setattr(verifier, "map_chunks", pool)
    report, _ = _board(SINGLE, scheduler="tcp://dask:8786", workers=3, chunk=3)
    context = _loaded(SINGLE)[0]
    texts = (context.manifest_text, context.election_text)
    assert report.failures == []
    assert asked == [(verifier.chunk_checks.check_board_lines, [texts, texts], [3, 1],
                      "tcp://dask:8786", True, 3)]


# _Chain.items: the chain, positions, window, tracking codes and credentials -----------------

def _window_of(record: Path):
    return _window(_json(record / layout.CLOSING), Report())


def _items(entries: list, record: Path = SINGLE, *, eligible: dict[str, str] | None = None,
           policy: str | None = None, last_for: dict[str, int] | None = None,
           window: object = True, base: str | None = None
           ) -> tuple[list[tuple], _Chain, Report]:
    """`_Chain.items` over `entries` (objects, or (line, entry) pairs) of `record`'s board."""
    chain = _Chain(base or _base_hash(record), _window_of(record) if window is True else window)
    report = Report()
    pairs = [e if isinstance(e, tuple) else (layout.line_text(e), e) for e in entries]
    yielded = list(chain.items(pairs, _loaded(record)[1] if eligible is None else eligible,
                               _json(record / layout.ELECTION)["revote_policy"]
                               if policy is None else policy, last_for or {}, report))
    return yielded, chain, report


def _state(chain: _Chain) -> tuple:
    return chain.prev, chain.entries, chain.checked, chain.counted, chain.tracking


def test_a_new_chain_starts_at_the_base_hash_with_nothing_seen():
    chain = _Chain("89e8", None)
    assert (*_state(chain), chain.window) == ("89e8", 0, 0, 0, {}, None)
    assert list(chain.items([], {}, "single", {}, Report())) == []
    assert _state(chain) == ("89e8", 0, 0, 0, {})


def test_an_honest_board_yields_each_entry_with_its_entity_line_and_number():
    entries, eligible = _entries(SINGLE), _loaded(SINGLE)[1]
    yielded, chain, report = _items([(line, json.loads(line)) for line in _lines(SINGLE)])
    assert report.failures == []
    assert yielded == [(_label(e), eligible[e["ballot"]["credential"]], line, True, n)
                       for n, (e, line) in enumerate(zip(entries, _lines(SINGLE),
                                                         strict=True), start=1)]
    assert _state(chain) == (entries[-1]["entry_hash"], 4, 4, 4, _tracking(SINGLE))
    assert {e for _, e, *_ in yielded} == {"JAL", "CDMX"}


def _last_for(record: Path) -> dict[str, int]:
    return {e["ballot"]["credential"]: e["position"] for e in _entries(record)}


def test_under_last_only_the_position_last_for_each_credential_counts():
    yielded, chain, report = _items(_entries(LAST), LAST, last_for=_last_for(LAST))
    assert report.failures == []
    assert [counted for *_, counted, _ in yielded] == [False, False, False, True, True, True]
    assert (chain.entries, chain.checked, chain.counted) == (6, 6, 3)


def test_under_last_the_positions_given_decide_what_counts():
    """Voter 0 (1, 3, 6) counted at 3, voter 1 (2, 5) nowhere, voter 2 (4) not named."""
    entries = _entries(LAST)
    last_for = {entries[0]["ballot"]["credential"]: 3, entries[1]["ballot"]["credential"]: 7}
    yielded, chain, _ = _items(entries, LAST, last_for=last_for)
    assert [counted for *_, counted, _ in yielded] == [False, False, True, False, False, False]
    assert chain.counted == 1


def test_under_single_a_credentials_later_ballots_are_named_and_not_counted():
    entries = _entries(LAST)
    yielded, chain, report = _items(entries, LAST, policy="single")
    assert _failures(report) == [
        ("6.6", "one ballot per credential", _label(entries[p - 1]),
         f"credential already voted at position {first}") for p, first in ((3, 1), (5, 2),
                                                                           (6, 1))]
    assert [counted for *_, counted, _ in yielded] == [True, True, False, True, False, False]
    assert (chain.entries, chain.checked, chain.counted) == (6, 6, 3)


@pytest.mark.parametrize("policy", ["ninguna", ""])
def test_under_another_policy_each_credentials_first_ballot_counts_and_none_is_named(policy):
    yielded, chain, report = _items(_entries(LAST), LAST, policy=policy,
                                    last_for=_last_for(LAST))
    assert report.failures == []
    assert [counted for *_, counted, _ in yielded] == [True, True, False, True, False, False]
    assert chain.counted == 3


def test_a_position_out_of_sequence_is_named_and_the_line_number_is_handed_on():
    entries = _entries(SINGLE)
    entries[1]["position"] = 7
    yielded, chain, report = _items(_chain(_base_hash(SINGLE), entries))
    assert _failures(report) == [("7.1", "positions consecutive", _label(entries[1]),
                                  "expected 2")]
    assert [n for *_, n in yielded] == [1, 2, 3, 4]
    assert [label for label, *_ in yielded][1] == _label(entries[1])
    assert chain.tracking[entries[1]["tracking_code"]] == 7


def test_an_entry_not_linked_to_the_previous_entry_hash_is_named():
    entries = _chain(_base_hash(SINGLE), _entries(SINGLE))
    entries[2]["prev_hash"] = "00" * 32
    _chain_from(entries, 2)
    _, chain, report = _items(entries)
    assert _failures(report) == [("7.2", "chain link", _label(entries[2]),
                                  "prev_hash is not the previous entry hash")]
    assert chain.prev == entries[-1]["entry_hash"]


def _chain_from(entries: list[dict], index: int) -> None:
    """entries[index:] re-hashed from entries[index]'s prev_hash as it stands."""
    prev = entries[index]["prev_hash"]
    for entry in entries[index:]:
        entry["prev_hash"] = prev
        entry["entry_hash"] = prev = entry_hash(prev, entry["position"], entry["tracking_code"],
                                                entry["received_at"])


def test_the_first_entry_links_to_the_base_hash():
    entries = _entries(SINGLE)
    _, _, report = _items(entries, base=_base_hash(LAST))  # another election's
    assert _failures(report) == [("7.2", "chain link", _label(entries[0]),
                                  "prev_hash is not the previous entry hash")]


def test_an_entry_hash_that_does_not_match_is_named_and_the_next_links_to_it_as_written():
    entries = _entries(SINGLE)
    entries[1]["entry_hash"] = "ab" * 32
    entries[2]["prev_hash"] = "ab" * 32
    _chain_from(entries, 2)
    _, chain, report = _items(entries)
    assert _failures(report) == [("7.2", "entry hash", _label(entries[1]),
                                  "entry_hash does not match its inputs")]
    assert chain.prev == entries[-1]["entry_hash"]


@pytest.mark.parametrize("field", ["position", "tracking_code", "received_at"])
def test_each_input_of_the_entry_hash_is_hashed(field):
    entries = _entries(SINGLE)
    entries[1][field] = {"position": 5, "tracking_code": entries[0]["tracking_code"],
                         "received_at": "2024-05-20T13:00:00+00:00"}[field]
    failures = _failures(_items(entries)[2])
    assert ("7.2", "entry hash", _label(entries[1]),
            "entry_hash does not match its inputs") in failures


def test_the_last_entry_hash_is_the_chains_end():
    entries = _entries(SINGLE)
    entries[-1]["entry_hash"] = "cd" * 32
    _, chain, _ = _items(entries)
    assert chain.prev == "cd" * 32


@pytest.mark.parametrize(("received_at", "inside"), [
    ("2024-05-20T12:00:00+00:00", True), ("2024-05-21T11:59:59+00:00", True),
    ("2024-05-21T12:00:00+00:00", False), ("2024-05-20T11:59:59+00:00", False),
], ids=["opening", "last-second", "closing", "before"])
def test_each_entry_is_checked_against_the_window(received_at, inside):
    entries = _entries(SINGLE)
    entries[2]["received_at"] = received_at
    _, _, report = _items(_chain(_base_hash(SINGLE), entries))
    assert _failures(report) == ([] if inside else [(
        "7.5", "received in the voting window", _label(entries[2]),
        f"received_at {received_at} is not in [2024-05-20T12:00:00+00:00, "
        "2024-05-21T12:00:00+00:00)")])
    _, _, report = _items(entries, window=None)
    assert report.failures == []


def test_a_tracking_code_seen_before_is_named_with_its_first_position():
    entries = _entries(SINGLE)
    entries[2]["tracking_code"] = entries[0]["tracking_code"]
    yielded, chain, report = _items(_chain(_base_hash(SINGLE), entries))
    assert _failures(report) == [("6.5", "tracking code unique", _label(entries[2]),
                                  "also at position 1")]
    assert chain.tracking == {entries[0]["tracking_code"]: 3,
                              entries[1]["tracking_code"]: 2, entries[3]["tracking_code"]: 4}
    assert [counted for *_, counted, _ in yielded] == [True] * 4


def test_tracking_codes_are_kept_in_the_chains_map():
    chain = _Chain(_base_hash(SINGLE), None)
    chain.tracking["otro"] = 9
    entries = _entries(SINGLE)
    list(chain.items([(layout.line_text(e), e) for e in entries], _loaded(SINGLE)[1], "single",
                     {}, Report()))
    assert chain.tracking == {"otro": 9, **_tracking(SINGLE)}


def test_a_credential_not_on_the_list_is_named_and_handed_on_unchecked_and_uncounted():
    entries = _entries(SINGLE)
    eligible = dict(_loaded(SINGLE)[1])
    del eligible[entries[1]["ballot"]["credential"]]
    yielded, chain, report = _items(entries, eligible=eligible)
    assert _failures(report) == [("6.1", "eligibility", _label(entries[1]),
                                  "credential not on the credential list")]
    assert yielded[1] == (_label(entries[1]), "", layout.line_text(entries[1]), False, 2)
    assert [counted for *_, counted, _ in yielded] == [True, False, True, True]
    assert (chain.entries, chain.checked, chain.counted) == (4, 3, 3)


def test_an_ineligible_credential_voting_twice_is_named_only_as_ineligible():
    entries = _entries(LAST)
    eligible = dict(_loaded(LAST)[1])
    del eligible[entries[0]["ballot"]["credential"]]
    _, chain, report = _items(entries, LAST, eligible=eligible, policy="single")
    assert [(f.check, f.item) for f in report.failures] == [
        ("eligibility", _label(entries[0])), ("eligibility", _label(entries[2])),
        ("one ballot per credential", _label(entries[4])),
        ("eligibility", _label(entries[5]))]
    assert chain.checked == 3


def test_a_ballot_without_a_credential_is_not_eligible():
    entries = _entries(SINGLE)
    del entries[0]["ballot"]["credential"]
    yielded, _, report = _items(entries)
    assert _failures(report) == [("6.1", "eligibility", _label(entries[0]),
                                  "credential not on the credential list")]
    assert yielded[0][1:4] == ("", layout.line_text(entries[0]), False)


def _broken(entries: list, index: int, how: str) -> list:
    entry = entries[index]
    if how == "list":
        entries[index] = list(entry)
    elif how == "ballot-text":
        entry["ballot"] = "papeleta"
    elif how == "bad-hex":
        entry["prev_hash"] = "zz"
    elif how == "number-hash":
        entry["prev_hash"] = 7
    else:
        del entry[how]
    return entries


@pytest.mark.parametrize(("how", "error"), [
    ("position", KeyError("position")), ("tracking_code", KeyError("tracking_code")),
    ("ballot", KeyError("ballot")), ("prev_hash", KeyError("prev_hash")),
    ("entry_hash", KeyError("entry_hash")), ("received_at", KeyError("received_at")),
    ("list", TypeError("list indices must be integers or slices, not str")),
    ("ballot-text", AttributeError("'str' object has no attribute 'get'")),
    ("bad-hex", ValueError("non-hexadecimal number found in fromhex() arg at position 0")),
    ("number-hash", TypeError("fromhex() argument must be str, not int")),
])
def test_an_entry_without_its_fields_is_named_by_line_and_the_next_still_checked(how, error):
    entries = _broken(_entries(SINGLE), 1, how)
    if how != "ballot-text":  # the chain goes on from the last entry read whole
        entries[2]["prev_hash"] = entries[0]["entry_hash"]
        _chain_from(entries, 2)
    yielded, chain, report = _items(entries)
    link = [("7.2", "chain link", _label(entries[1]), "prev_hash is not the previous entry "
             "hash")] if how in ("bad-hex", "number-hash") else []
    assert _failures(report) == [*link, ("7.1", "entry fields", f"{layout.BOARD}:2",
                                         repr(error))]
    assert [n for *_, n in yielded] == [1, 3, 4]
    assert (chain.entries, chain.checked, chain.counted) == (4, 3, 3)


def test_an_entry_without_a_time_is_named_even_without_a_window():
    entries = _broken(_entries(SINGLE), 3, "received_at")
    _, _, report = _items(entries, window=None)
    assert _failures(report) == [("7.1", "entry fields", f"{layout.BOARD}:4",
                                  "KeyError('received_at')")]


# _iter_raw: the lines of a .jsonl file as read -----------------------------------------------

def _jsonl(tmp_path: Path, text: str | bytes, name: str = layout.SPOILED) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return tmp_path


def test_each_line_is_handed_on_as_read_and_parsed():
    report = Report()
    got = list(_iter_raw(SINGLE, layout.BOARD, "7", report))
    assert got == [(line, json.loads(line)) for line in _lines(SINGLE)] and len(got) == 4
    assert report.failures == []


def test_a_missing_jsonl_file_is_named_in_the_callers_section(tmp_path):
    with pytest.raises(RecordError) as caught:
        list(_iter_raw(tmp_path, layout.SPOILED, "8", Report()))
    assert _raised(caught) == ("8", "file present", layout.SPOILED, "missing")


def test_a_line_that_does_not_parse_is_named_by_number_after_the_lines_before(tmp_path):
    first = layout.line_text({"a": 1})
    folder = _jsonl(tmp_path, first + '{"a": \n')
    try:
        json.loads('{"a": \n')
    except json.JSONDecodeError as err:
        expected = str(err)
    lines = _iter_raw(folder, layout.SPOILED, "8", Report())
    assert next(lines) == (first, {"a": 1})
    with pytest.raises(RecordError) as caught:
        next(lines)
    assert _raised(caught) == ("8", "line parses", f"{layout.SPOILED}:2", expected)


@pytest.mark.parametrize("line", ['{"a":1}\n', '{"a": 1}\r\n', '{"a": 1}', '{"b": 1, "a": 2}\n'],
                         ids=["compact", "crlf", "no-newline", "unsorted"])
def test_a_line_in_another_serialisation_is_named_by_number_and_still_handed_on(tmp_path,
                                                                                line):
    first = layout.line_text({"a": 0})
    folder = _jsonl(tmp_path, first + line)
    report = Report()
    assert list(_iter_raw(folder, layout.SPOILED, "8", report)) == [
        (first, {"a": 0}), (line, json.loads(line))]
    assert _failures(report) == [("1.2", "canonical form", f"{layout.SPOILED}:2",
                                  "bytes differ from the one serialisation")]
    assert list(_iter_raw(folder, layout.SPOILED, "8", None))[1] == (line, json.loads(line))


def test_a_jsonl_file_is_read_as_utf8_whatever_the_locale(tmp_path, ascii_locale):
    line = json.dumps({"a": "ñ"}, ensure_ascii=False) + "\n"
    folder = _jsonl(tmp_path, line)
    report = Report()
    assert list(_iter_raw(folder, layout.SPOILED, "8", report)) == [(line, {"a": "ñ"})]
    assert _failures(report) == [("1.2", "canonical form", f"{layout.SPOILED}:1",
                                  "bytes differ from the one serialisation")]


def test_a_jsonl_file_that_is_not_utf8_is_named_with_the_decoder_error(tmp_path):
    content = layout.line_text({"a": 1}).encode() + b'{"a": "\xff"}\n'
    folder = _jsonl(tmp_path, content)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as err:
        expected = str(err)
    with pytest.raises(RecordError) as caught:
        list(_iter_raw(folder, layout.SPOILED, "8", Report()))
    assert _raised(caught) == ("8", "file parses", layout.SPOILED, expected)


def test_an_empty_jsonl_file_has_no_lines(tmp_path):
    assert list(_iter_raw(_jsonl(tmp_path, ""), layout.SPOILED, "8", Report())) == []

