"""vmre.voting.board beside other writers and on a Dask cluster, on the small election of
quick_election.py.

What SQLite cannot show is shown on PostgreSQL (one database for the module, emptied before
each test): there writers wait for each other's row locks and uncommitted keys instead of
taking the whole database one at a time, and rows come back in no promised order. Another
server process is played by a second session that holds the election's row or a tracking
code; each step waits until PostgreSQL reports the expected sessions waiting for a lock,
so the outcome never depends on timing. Under CI a missing server fails these tests."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from dask.utils import key_split
from distributed import LocalCluster
from distributed.diagnostics.plugin import SchedulerPlugin
from quick_election import (
    ISSUER,
    JAL_OTHER,
    audited,
    ballot,
    copy_election,
    credential_list,
    key,
    on_engine,
    public,
    quick,
)
from sqlalchemy import Connection, Engine, insert, select, text, update

from vmre.core.database import make_engine, migrate
from vmre.core.messages import UserError
from vmre.crypto.group import base_mul
from vmre.voting import board as boards
from vmre.voting.audits import SIMULACRO
from vmre.voting.ballot import tracking_code
from vmre.voting.credential_list import sign_credential_list
from vmre.voting.models import AUDIT, CAST, BoardEntry, Election, SpoiledBallot, TakenCode

HOUR = dt.timedelta(hours=1)
WAITING = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
               "AND wait_event_type = 'Lock'")


@pytest.fixture(scope="module")
def pg_database(module_postgres_url) -> str:
    engine = make_engine(module_postgres_url)
    migrate(engine)
    engine.dispose()
    return module_postgres_url


@pytest.fixture
def pq(pg_database):
    """The board on the module's PostgreSQL database, without elections."""
    engine = make_engine(pg_database)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '60s'"))  # a test left a session open
        conn.execute(text("TRUNCATE voting_elections CASCADE"))
    yield on_engine(engine)
    engine.dispose()


def _wait_for_lock_waiters(engine: Engine, count: int, *calls: Future) -> None:
    """Until exactly `count` sessions of the database wait for a lock. Fails at once if one
    of `calls` ended meanwhile: it did not wait where the test expects it to."""
    for _ in range(6000):
        with engine.connect() as conn:
            if conn.scalar(WAITING) == count:
                return
        for call in calls:
            if call.done():
                pytest.fail(f"ended without waiting for the lock: {call.result()!r}")
        time.sleep(0.01)
    pytest.fail(f"never {count} sessions waiting for a lock")


def _hold_election(conn: Connection, election_id: str) -> None:
    """The election's row locked by `conn` as every writer of the board locks it."""
    conn.execute(select(Election.id).where(Election.id == election_id).with_for_update())


def _digest_set(engine: Engine, election_id: str, digest: str) -> Connection:
    """Another process loading a credential list: the election's digest changed once it holds
    the row; uncommitted, the connection is returned."""
    conn = engine.connect()
    conn.execute(update(Election).where(Election.id == election_id).values(digest=digest))
    return conn


def _refusal(future) -> UserError:
    with pytest.raises(UserError) as err:
        future.result(timeout=120)
    return err.value


# -- closing ---------------------------------------------------------------------------------

def _closing_elsewhere(conn: Connection, election_id: str) -> dt.datetime:
    """Another server process closing the election: it holds the row with the state and end
    written, not yet committed. The end is returned."""
    end = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    _hold_election(conn, election_id)
    conn.execute(update(Election).where(Election.id == election_id).values(
        state="closed", closes_at=end))
    return end


def test_a_close_waits_for_another_close_and_keeps_its_end(pq):
    """This close waits for the other, finds the election closed and signs the other's end;
    it does not move the end it would have read before the other's commit."""
    eid = pq.open()
    engine = pq.board.engine
    with ThreadPoolExecutor(1) as pool, engine.connect() as other:
        end = _closing_elsewhere(other, eid)
        closing = pool.submit(pq.board.close, eid)
        _wait_for_lock_waiters(engine, 1, closing)
        other.commit()
        statement = closing.result(timeout=120)
    assert statement["closed_at"] == statement["closes_at"] == end.isoformat()
    assert pq.board.election(eid).closes_at == end
    assert pq.board.close(eid) == statement


@pytest.mark.parametrize("change", ["schedule", "load_credentials"])
def test_a_change_waiting_for_another_close_is_refused_once_it_closed(pq, change):
    """A new window or credential list asked for while another process closes the election
    waits for it and is refused: closing is final, and the change is not written over it."""
    eid = pq.open()
    engine = pq.board.engine
    now = dt.datetime.now(dt.UTC)
    args = {"schedule": (now - HOUR, now + 2 * HOUR, SIMULACRO),
            "load_credentials": (sign_credential_list(eid, ISSUER, [(base_mul(key(0)), "JAL")]),)
            }[change]
    with ThreadPoolExecutor(1) as pool, engine.connect() as other:
        end = _closing_elsewhere(other, eid)
        changing = pool.submit(getattr(pq.board, change), eid, *args)
        _wait_for_lock_waiters(engine, 1, changing)
        other.commit()
        err = _refusal(changing)
    assert (err.key, err.params) == ("voting.board.closed_final", {})
    row = pq.board.election(eid)
    assert (row.state, row.closes_at, row.credentials) == (
        "closed", end, json.dumps(credential_list(), sort_keys=True))


# -- reading ---------------------------------------------------------------------------------

def test_reading_the_election_never_waits_for_a_writer_holding_it(pq):
    """The election, its fingerprint and server key are read as last committed while another
    process holds the row (closing it): readers take no lock."""
    eid = pq.open()
    engine = pq.board.engine
    with ThreadPoolExecutor(1) as pool, engine.connect() as other:
        _closing_elsewhere(other, eid)
        reading = pool.submit(lambda: (pq.board.election(eid).state, pq.board.fingerprint(eid),
                                       pq.board.server_key(eid)))
        for _ in range(6000):
            if reading.done():
                break
            with engine.connect() as conn:
                if conn.scalar(WAITING):
                    pytest.fail("a reader waited for the writer's lock")
            time.sleep(0.01)
        state, fingerprint, server_key = reading.result(timeout=120)
    assert state == "scheduled" and fingerprint == pq.board.fingerprint(eid)
    assert server_key == pq.board.server_key(eid)


def test_the_readers_give_board_order_whatever_order_the_rows_are_stored_in(pq):
    """PostgreSQL returns rows in no promised order: here the first entry and the first
    audit are rewritten in place, so that the table stores them last."""
    eid = pq.open(policy="last")
    docs = [ballot(0), ballot(2), ballot(0, JAL_OTHER), ballot(3), ballot(2, JAL_OTHER)]
    for doc in docs:
        pq.board.cast(eid, doc)
    audits = [audited(0), audited(2), audited(3)]
    for doc, disclosed in audits:
        pq.board.spoil(eid, doc, disclosed)
    codes = [tracking_code(d) for d in docs]
    spoiled = [tracking_code(d) for d, _ in audits]
    with pq.board.engine.begin() as conn:
        conn.execute(update(BoardEntry).where(BoardEntry.position == 1).values(
            ballot=BoardEntry.ballot))
        conn.execute(update(SpoiledBallot).where(SpoiledBallot.tracking_code == spoiled[0])
                     .values(ballot=SpoiledBallot.ballot))
        conn.execute(text("ANALYZE voting_board"))  # a table this small is read whole
        conn.execute(text("ANALYZE voting_spoiled"))
        assert [row.tracking_code for row in conn.execute(text(
            "SELECT tracking_code FROM voting_board"))] == codes[1:] + codes[:1]
    assert [e.tracking_code for e in pq.board.entries(eid)] == codes
    assert [e.position for e in pq.board.entries(eid, 0, 2)] == [1, 2]
    assert [e.tracking_code for e in pq.board.stream(eid, page=2)] == codes
    assert [s.tracking_code for s in pq.board.spoiled(eid)] == spoiled
    assert [s.tracking_code for s in pq.board.spoiled(eid, 0, 1)] == spoiled[:1]
    assert [s.tracking_code for s in pq.board.stream_spoiled(eid, page=1)] == spoiled


# -- Benaloh audits --------------------------------------------------------------------------

@pytest.mark.parametrize("call", ["cast", "spoil"])
def test_a_ballot_whose_list_is_replaced_again_before_its_retry_is_refused(
        pq, monkeypatch, call):
    """The first try was checked on the election this process kept (list 0) while another
    process had loaded list 1: refused under the lock, it is checked again on list 1. A third
    process loads list 2 before the retry takes the row: refused, not tried a third time."""
    monkeypatch.setattr(boards._check_rows, "ttl", 3600.0)  # kept for as long as the test
    eid = pq.open()
    engine = pq.board.engine
    doc, disclosed = audited(0)
    args = {"cast": (doc,), "spoil": (doc, disclosed)}[call]
    pq.board.cast(eid, ballot(2))  # this process now keeps the election's row (list 0)
    with _digest_set(engine, eid, "11" * 32) as loader:  # list 1
        loader.commit()
    with ThreadPoolExecutor(2) as pool, engine.connect() as holder:
        _hold_election(holder, eid)
        trying = pool.submit(getattr(pq.board, call), eid, *args)
        _wait_for_lock_waiters(engine, 1, trying)  # the first try
        loading = pool.submit(_digest_set, engine, eid, "22" * 32)  # list 2, queued after it
        _wait_for_lock_waiters(engine, 2, trying, loading)
        holder.rollback()
        with loading.result(timeout=120) as loader:  # the first try was refused; list 2 waits
            _wait_for_lock_waiters(engine, 1, trying)  # the retry, checked on list 1
            loader.commit()
        err = _refusal(trying)
    assert (err.key, err.params) == ("voting.board.list_changed", {})
    assert pq.board.spoiled_count(eid) == 0 and len(pq.board.entries(eid)) == 1


@pytest.mark.parametrize(("kind", "refusal"), [(AUDIT, "voting.ballot.audited"),
                                               (CAST, "voting.ballot.replay")])
def test_a_code_taken_meanwhile_by_a_writer_without_the_lock_is_refused_by_its_use(
        pq, kind, refusal):
    """Another writer takes the audited ballot's tracking code without holding the election's
    row (under another election's id: the foreign key of a code in this election would wait
    for the row): the audit, which found the code free under the lock, waits on its insert
    and then names what took the code instead of failing on the unique key."""
    eid = pq.open()
    engine = pq.board.engine
    copy_election(pq.board, eid, "otra")
    doc, disclosed = audited(0)
    with ThreadPoolExecutor(1) as pool, engine.connect() as other:
        other.execute(insert(TakenCode).values(
            tracking_code=tracking_code(doc), election_id="otra", credential=public(0),
            kind=kind))
        spoil = pool.submit(pq.board.spoil, eid, doc, disclosed)
        _wait_for_lock_waiters(engine, 1, spoil)
        other.commit()
        err = _refusal(spoil)
    assert (err.key, err.params) == (refusal, {})
    assert pq.board.spoiled_count(eid) == 0


# -- the bulk intake on a Dask cluster -------------------------------------------------------

class _TasksDone(SchedulerPlugin):
    """The names of the tasks the scheduler saw finish."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        if finish == "memory":
            self.names.append(key_split(key))


@pytest.fixture
def dask_offload_thread(monkeypatch) -> Iterator[None]:
    """A new offload executor for distributed: a process forked after a cluster ran in its
    parent (mutmut forks one per mutant) inherits the executor without its thread, and a
    cluster then waits forever for work handed to it."""
    import distributed.utils

    offload = ThreadPoolExecutor(max_workers=1, thread_name_prefix="Dask-Offload")
    monkeypatch.setattr(distributed.utils, "_offload_executor", offload)
    yield
    offload.shutdown()


@pytest.mark.usefixtures("dask_offload_thread")
def test_the_bulk_intake_verifies_on_the_given_dask_cluster(tmp_path):
    q = quick(tmp_path)
    eid = q.open()
    tampered = ballot(3)
    choices = tampered["contests"][1]["choices"]
    choices[0], choices[1] = choices[1], choices[0]
    with LocalCluster(processes=False, n_workers=1, threads_per_worker=1,
                      dashboard_address="127.0.0.1:0") as cluster:
        done = _TasksDone()
        cluster.scheduler.add_plugin(done)
        out = q.board.cast_many(eid, [ballot(0), tampered, ballot(2)], cluster.scheduler_address)
    assert done.names == ["verify_ballots"]
    assert [o.key if isinstance(o, UserError) else o["position"] for o in out] == [
        1, "voting.ballot.bad_signature", 2]
