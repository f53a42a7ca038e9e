"""vmre.voting.appender called directly on a small election (quick_election.py, a fresh SQLite
copy per test): the voting window, batches appended in one transaction, a second vote and
the same ballot inside one batch, the hash chain, tracking codes taken by a cast or an audit,
a failed transaction and its one retry, and the group-commit queue. Fast enough to run for
every mutant of appender.py (docs/testing.md §2); test_group_commit.py and test_board.py walk
the same paths through the board."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest
from quick_election import JAL, JAL_OTHER, ballot, public, quick, randomness
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from vmre.core import crashpoint
from vmre.core.messages import UserError
from vmre.voting import appender
from vmre.voting.appender import Append, append_batch, aware_utc, group_commit, window_error
from vmre.voting.ballot import reveal, tracking_code
from vmre.voting.chain import entry_hash
from vmre.voting.models import CAST, BoardEntry, Election, TakenCode

NOW = dt.datetime(2026, 6, 2, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def q(tmp_path):
    return quick(tmp_path)


def _item(eid: str, voter: int, selections=None, when=None, digest=None) -> Append:
    doc = ballot(voter, selections)
    return Append(eid, public(voter), tracking_code(doc), doc,
                  when or dt.datetime.now(dt.UTC), digest)


def _fake(eid: str, n: int, credential: str | None = None) -> Append:
    """An item the appender takes as given (it appends ballots verified before)."""
    doc = {"n": n}
    return Append(eid, credential or f"{n:064x}", tracking_code(doc), doc,
                  dt.datetime.now(dt.UTC))


def _key(outcome) -> str:
    assert isinstance(outcome, UserError), outcome
    return outcome.key


def _state(q) -> tuple[str, int, list, list]:
    with q.board.sessions() as s:
        election = s.get(Election, q.eid)
        entries = [(e.position, e.tracking_code, e.credential, e.prev_hash, e.entry_hash,
                    e.received_at, e.ballot) for e in s.scalars(
            select(BoardEntry).order_by(BoardEntry.position))]
        taken = sorted((t.tracking_code, t.election_id, t.credential, t.kind)
                       for t in s.scalars(select(TakenCode)))
        return election.head_hash, election.ballot_count, entries, taken


# -- the window ------------------------------------------------------------------------------

def test_aware_utc_marks_naive_times_as_utc_and_keeps_others():
    naive = dt.datetime(2026, 6, 2, 12, 0)
    assert aware_utc(naive) == NOW and aware_utc(naive).tzinfo is dt.UTC
    plus_two = dt.datetime(2026, 6, 2, 12, 0, tzinfo=dt.timezone(2 * HOUR))
    assert aware_utc(plus_two) is plus_two
    assert aware_utc(None) is None


def _row(state="scheduled", opens=NOW - HOUR, closes=NOW + HOUR):
    return SimpleNamespace(state=state, opens_at=opens, closes_at=closes)


WINDOW_CASES = {
    "inside": (_row(), NOW, None),
    "at the opening": (_row(), NOW - HOUR, None),
    "a second before the opening": (_row(), NOW - HOUR - SECOND, "voting.board.not_open"),
    "a second before the close": (_row(), NOW + HOUR - SECOND, None),
    "at the close": (_row(), NOW + HOUR, "voting.board.closed"),
    "after the close": (_row(), NOW + 2 * HOUR, "voting.board.closed"),
    "closed early": (_row(state="closed"), NOW, "voting.board.closed"),
    "not scheduled": (_row(state="setup", opens=None, closes=None), NOW,
                      "voting.board.not_open"),
    "set up with a window": (_row(state="setup"), NOW, "voting.board.not_open"),
    "closed before the opening": (_row(state="closed"), NOW - 2 * HOUR, "voting.board.closed"),
    "no opening": (_row(opens=None), NOW - 5 * HOUR, None),
    "no close": (_row(closes=None), NOW + 5 * HOUR, None),
    "naive times read as UTC": (_row(opens=dt.datetime(2026, 6, 2, 11, 0),
                                     closes=dt.datetime(2026, 6, 2, 13, 0)), NOW, None),
    "naive close reached": (_row(closes=dt.datetime(2026, 6, 2, 12, 0)), NOW,
                            "voting.board.closed"),
    "naive opening ahead": (_row(opens=dt.datetime(2026, 6, 2, 12, 0, 1)), NOW,
                            "voting.board.not_open"),
}


@pytest.mark.parametrize("case", sorted(WINDOW_CASES))
def test_the_voting_window(case):
    row, when, expected = WINDOW_CASES[case]
    refusal = window_error(row, when)
    assert (refusal.key if refusal else None) == expected
    if refusal:
        assert refusal.params == {}


# -- lock_election ---------------------------------------------------------------------------

def test_lock_election_reads_the_row_and_holds_the_write_lock_on_sqlite(q, tmp_path):
    q.open()
    with q.board.sessions.begin() as s:
        row = appender.lock_election(s.connection(), q.eid, (Election.state,
                                                             Election.ballot_count))
        assert tuple(row) == ("scheduled", 0)
        other = sqlite3.connect(tmp_path / "quick.sqlite", timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
        assert appender.lock_election(s.connection(), "otra", (Election.state,)) is None


# -- batches ---------------------------------------------------------------------------------

def test_a_batch_is_appended_in_order_with_its_chain_codes_and_head(q):
    q.open()
    items = [_item(q.eid, 0), _item(q.eid, 1), _item(q.eid, 2)]
    append_batch(q.board.sessions, q.eid, items)
    head, link = q.ctx.base_hash.hex(), None
    expected_entries, expected_taken = [], []
    for position, item in enumerate(items, start=1):
        received = item.when.isoformat()
        link = entry_hash(head, position, item.tracking, received)
        assert item.outcome == {"position": position, "entry_hash": link,
                                "received_at": received}
        assert item.again is False
        expected_entries.append((position, item.tracking, item.credential, head, link, received,
                                 json.dumps(item.document, sort_keys=True)))
        expected_taken.append((item.tracking, q.eid, item.credential, CAST))
        head = link
    assert _state(q) == (link, 3, expected_entries, sorted(expected_taken))


def test_a_second_vote_inside_one_batch_is_refused_alone(q):
    q.open()
    first, second, third = (_item(q.eid, 0), _item(q.eid, 0, JAL_OTHER), _item(q.eid, 2))
    append_batch(q.board.sessions, q.eid, [first, second, third])
    assert first.outcome["position"] == 1 and third.outcome["position"] == 2
    assert _key(second.outcome) == "voting.ballot.already_voted"
    _, count, entries, taken = _state(q)
    assert count == 2 and [e[1] for e in entries] == [first.tracking, third.tracking]
    assert second.tracking not in {t[0] for t in taken}


def test_a_second_vote_in_a_later_batch_is_refused(q):
    q.open()
    append_batch(q.board.sessions, q.eid, [_item(q.eid, 0)])
    later = _item(q.eid, 0, JAL_OTHER)
    append_batch(q.board.sessions, q.eid, [later])
    assert _key(later.outcome) == "voting.ballot.already_voted"
    assert _state(q)[1] == 1


def test_under_the_last_policy_every_ballot_of_a_voter_is_appended(q):
    q.open(policy="last")
    items = [_item(q.eid, 0), _item(q.eid, 0, JAL_OTHER)]
    append_batch(q.board.sessions, q.eid, items)
    assert [i.outcome["position"] for i in items] == [1, 2]
    later = _item(q.eid, 0, {"gob-jal": "pri", "dip-migrante-jal": "pri"})
    append_batch(q.board.sessions, q.eid, [later])
    assert later.outcome["position"] == 3


def test_a_vote_in_another_election_does_not_count_as_a_vote_here(q):
    q.open()
    with q.board.sessions.begin() as s:
        s.add(Election(id="otra", manifest="{}", context="{}", transcript="{}",
                       receipt_key="00" * 32, head_hash="00" * 32))
        s.flush()
        s.execute(insert(BoardEntry).values(
            election_id="otra", position=1, tracking_code="ab" * 32, credential=public(0),
            ballot="{}", received_at=NOW.isoformat(), prev_hash="00" * 32,
            entry_hash="cd" * 32))
    item = _item(q.eid, 0)
    append_batch(q.board.sessions, q.eid, [item])
    assert item.outcome["position"] == 1


def test_the_same_ballot_again_gets_its_first_placement_in_the_batch_and_later(q):
    q.open()
    first, again = _item(q.eid, 0), _item(q.eid, 0)
    append_batch(q.board.sessions, q.eid, [first, again])
    assert again.outcome == first.outcome and (first.again, again.again) == (False, True)
    later = _item(q.eid, 0)
    append_batch(q.board.sessions, q.eid, [later, _item(q.eid, 2)])
    assert later.outcome == first.outcome and later.again is True
    assert _state(q)[1] == 2


def test_a_code_taken_by_an_audit_is_refused(q):
    q.open()
    doc = ballot(0)
    q.board.spoil(q.eid, doc, reveal(doc, JAL, randomness(0)))
    item, other = _item(q.eid, 0), _item(q.eid, 2)
    append_batch(q.board.sessions, q.eid, [item, other])
    assert _key(item.outcome) == "voting.ballot.audited" and item.again is False
    assert other.outcome["position"] == 1


def test_a_code_taken_as_cast_without_its_entry_is_a_replay(q):
    q.open()
    item = _item(q.eid, 0)
    with q.board.sessions.begin() as s:
        s.execute(insert(TakenCode).values(tracking_code=item.tracking, election_id=q.eid,
                                           credential=item.credential, kind=CAST))
    append_batch(q.board.sessions, q.eid, [item])
    assert _key(item.outcome) == "voting.ballot.replay"


@pytest.mark.parametrize("offset,key", [(-2 * HOUR, "voting.board.not_open"),
                                        (2 * HOUR, "voting.board.closed")])
def test_a_ballot_outside_the_window_is_refused_alone(q, offset, key):
    q.open()
    outside = _item(q.eid, 0, when=dt.datetime.now(dt.UTC) + offset)
    inside = _item(q.eid, 2)
    append_batch(q.board.sessions, q.eid, [outside, inside])
    assert _key(outside.outcome) == key and inside.outcome["position"] == 1


def test_a_ballot_checked_against_another_credential_list_is_refused(q):
    q.open()
    with q.board.sessions() as s:
        digest = s.get(Election, q.eid).digest
    assert digest
    stale = _item(q.eid, 0, digest="00" * 32)
    same, unknown = _item(q.eid, 2, digest=digest), _item(q.eid, 3)
    append_batch(q.board.sessions, q.eid, [stale, same, unknown])
    assert _key(stale.outcome) == "voting.board.list_changed"
    assert [same.outcome["position"], unknown.outcome["position"]] == [1, 2]


def test_a_batch_for_an_unknown_election_fails_every_ballot(q):
    q.open()
    items = [_fake("otra", 1), _fake("otra", 2)]
    append_batch(q.board.sessions, "otra", items)
    for item in items:
        assert _key(item.outcome) == "voting.board.unknown_election"
        assert item.outcome.params == {"election": "otra"} and item.again is False


def _entry_without_code(q, tracking: str) -> None:
    """A board entry holding `tracking` whose code is not in the taken table: the insert of
    the batch's entries then violates the unique key, as a writer without the lock would."""
    with q.board.sessions.begin() as s:
        s.execute(insert(BoardEntry).values(
            election_id=q.eid, position=99, tracking_code=tracking, credential="ee" * 32,
            ballot="{}", received_at=NOW.isoformat(), prev_hash="00" * 32, entry_hash="cd" * 32))


def test_a_unique_key_violation_twice_fails_the_whole_batch(q):
    q.open(policy="last")
    items = [_fake(q.eid, 1), _fake(q.eid, 2)]
    _entry_without_code(q, items[1].tracking)
    append_batch(q.board.sessions, q.eid, items)
    assert all(isinstance(i.outcome, IntegrityError) and i.again is False for i in items)
    _, count, entries, taken = _state(q)
    assert count == 0 and [e[0] for e in entries] == [99] and taken == []


def test_a_unique_key_violation_once_is_retried_on_fresh_reads(q):
    q.open(policy="last")
    engine, fired = q.board.engine, []

    def fail_once(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO voting_taken_codes") and not fired:
            fired.append(1)
            raise IntegrityError(statement, parameters, Exception("taken meanwhile"))

    event.listen(engine, "before_cursor_execute", fail_once)
    try:
        first = _fake(q.eid, 1)
        append_batch(q.board.sessions, q.eid, [first])
        placed = _fake(q.eid, 2)
        append_batch(q.board.sessions, q.eid, [placed])
        fired.clear()
        items = [_fake(q.eid, 3), _fake(q.eid, 2)]
        append_batch(q.board.sessions, q.eid, items)
    finally:
        event.remove(engine, "before_cursor_execute", fail_once)
    assert first.outcome["position"] == 1 and placed.outcome["position"] == 2
    assert items[0].outcome["position"] == 3
    assert items[1].outcome == placed.outcome and items[1].again is True
    assert _state(q)[1] == 3


def test_any_other_failure_fails_the_batch_without_a_retry(q):
    q.open(policy="last")
    calls = []

    def fail(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO voting_taken_codes"):
            calls.append(1)
            raise RuntimeError("disk full")

    event.listen(q.board.engine, "before_cursor_execute", fail)
    try:
        items = [_fake(q.eid, 1)]
        append_batch(q.board.sessions, q.eid, items)
    finally:
        event.remove(q.board.engine, "before_cursor_execute", fail)
    assert isinstance(items[0].outcome, RuntimeError) and len(calls) == 1
    assert _state(q)[1] == 0


def test_a_batch_is_durable_when_the_process_dies_after_the_commit(q):
    """The crash point `board-committed`: a process killed there has its batch on the board."""
    q.open(policy="last")
    append_batch(q.board.sessions, q.eid, [_fake(q.eid, 0)])  # no point set: it goes on
    item = _fake(q.eid, 1)
    q.board.engine.dispose()
    pid = os.fork()
    if pid == 0:  # the child dies at the point, before anything else
        os.environ[crashpoint.SETTING] = "board-committed"
        try:
            append_batch(q.board.sessions, q.eid, [item])
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert _state(q)[1] == 2


# -- the group-commit queue ------------------------------------------------------------------

def test_group_commit_appends_and_raises_the_refusal(q):
    q.open()
    queue = group_commit(q.board.sessions)
    assert group_commit(q.board.sessions) is queue
    first = _item(q.eid, 0)
    assert queue.append(first)["position"] == 1
    with pytest.raises(UserError) as err:
        queue.append(_item(q.eid, 0, JAL_OTHER))
    assert err.value.key == "voting.ballot.already_voted"
    assert queue.append(_item(q.eid, 0)) == first.outcome


def test_group_commit_queues_are_per_session_factory(q, tmp_path):
    (tmp_path / "other").mkdir()
    other = quick(tmp_path / "other")
    assert group_commit(q.board.sessions) is not group_commit(other.board.sessions)


def _join(threads: list[threading.Thread]) -> None:
    """Every thread ends; one that waits for ever (a lost wake-up) fails the test within
    30 seconds in all, not the process."""
    deadline = time.monotonic() + 30
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads)


def test_concurrent_appends_each_get_their_own_place(q):
    q.open(policy="last")
    queue = group_commit(q.board.sessions)
    items = [_fake(q.eid, n) for n in range(12)]
    results: dict[int, object] = {}

    def send(n: int) -> None:
        try:
            results[n] = queue.append(items[n])
        except BaseException as err:
            results[n] = err

    threads = [threading.Thread(target=send, args=(n,), daemon=True) for n in range(len(items))]
    for t in threads:
        t.start()
    _join(threads)
    assert sorted(r["position"] for r in results.values()) == list(range(1, 13))
    assert all(results[n] is items[n].outcome for n in results)
    head, count, entries, _ = _state(q)
    assert count == 12 and entries[-1][4] == head
    previous = q.ctx.base_hash.hex()
    for entry in entries:
        assert entry[3] == previous
        previous = entry[4]


@pytest.mark.parametrize("waiting", [1, 3])
def test_the_queue_hands_the_lead_to_a_waiting_caller(q, waiting):
    """Callers arriving while a batch commits wait in the queue; the first of them then leads
    the next batch, which holds them all."""
    q.open(policy="last")
    queue = group_commit(q.board.sessions)
    gate, started = threading.Event(), threading.Event()
    engine = q.board.engine

    def hold(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO voting_taken_codes") and not started.is_set():
            started.set()
            gate.wait(10)

    event.listen(engine, "before_cursor_execute", hold)
    try:
        out: dict[int, dict] = {}
        first = threading.Thread(target=lambda: out.update({0: queue.append(_fake(q.eid, 0))}),
                                 daemon=True)
        first.start()
        assert started.wait(10)
        waiters = [threading.Thread(target=lambda n=n: out.update(
            {n: queue.append(_fake(q.eid, n))}), daemon=True) for n in range(1, waiting + 1)]
        for t in waiters:
            t.start()
        for _ in range(1000):  # until they all wait in the queue
            if len(queue._queue) == waiting:
                break
            threading.Event().wait(0.01)
        assert len(queue._queue) == waiting and queue._busy is True  # they wait, none leads
        gate.set()
        _join([first, *waiters])
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    assert sorted(r["position"] for r in out.values()) == list(range(1, waiting + 2))
    assert out[0]["position"] == 1
    assert queue._busy is False and queue._queue == []
