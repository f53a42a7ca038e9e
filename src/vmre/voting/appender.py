"""Group commit of board appends: several verified ballots per durable transaction.

Appending is serialised by the lock on the election row, so one transaction per ballot caps
the board at one commit (one fsync) per ballot. Here the ballots that arrive while a commit is
under way wait in a queue and go into the next transaction together: the first caller leads,
appends everything queued in one transaction, wakes the others with their own outcome, and
hands the lead to the next waiting caller. Each ballot still gets its receipt only after the
commit that holds it, and a refused ballot (replay, second vote, window closed) is refused
alone: the rest of its batch is appended. The same ballot sent again (its answer was lost)
gets its original placement back instead of a second entry.

Every tracking code the board takes, cast here or audited by `Board.spoil`, goes into one table
(`voting_taken_codes`) whose primary key lets a code be taken once; both paths also hold the
same lock on the election row (`lock_election`) while they decide.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import weakref
from dataclasses import dataclass, field

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from vmre.core import crashpoint
from vmre.core.messages import UserError
from vmre.voting.chain import entry_hash
from vmre.voting.models import AUDIT, CAST, BoardEntry, Election, TakenCode

MAX_BATCH = 500  # ballots per transaction: bounds the transaction and the lock time


@dataclass(eq=False)
class Append:
    """One verified ballot waiting for its place on the board; `outcome` once decided."""
    election_id: str
    credential: str
    tracking: str
    document: dict
    when: dt.datetime
    digest: str | None = None  # the election digest it was verified against (None: any)
    outcome: dict | BaseException | None = None  # the entry fields, or why it was refused
    ready: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    again: bool = False  # the outcome is this ballot's earlier placement (sent twice)


def aware_utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment and moment.tzinfo is None else moment


def window_error(election, when: dt.datetime) -> UserError | None:
    """Why `when` is outside the election's window (an Election or a row with its
    state, opens_at and closes_at), or None."""
    if election.state == "closed" or (
            election.closes_at and when >= aware_utc(election.closes_at)):
        return UserError("voting.board.closed")
    if election.state != "scheduled" or (
            election.opens_at and when < aware_utc(election.opens_at)):
        return UserError("voting.board.not_open")
    return None


def lock_election(conn: Connection, election_id: str, columns: tuple):
    """The election row (`columns`), locked until the transaction ends; None if unknown.

    PostgreSQL: SELECT … FOR UPDATE, held by every writer of the board (casting, auditing,
    scheduling, closing, the credential list) in any server process. SQLite ignores FOR
    UPDATE and its driver starts the transaction only at the first write, so a no-op write
    comes first: it takes the database's single write lock before anything is read, and two
    processes can never decide on the same head or the same tracking code."""
    if conn.dialect.name == "sqlite":
        conn.execute(update(Election).where(Election.id == election_id)
                     .values(state=Election.state))
    return conn.execute(select(*columns).where(Election.id == election_id)
                        .with_for_update()).first()


def _taken(conn: Connection, election_id: str, policy: str, batch: list[Append]
           ) -> tuple[dict[str, str], dict[str, dict], set[str]]:
    """Tracking codes already taken (code -> CAST or AUDIT), the placement of those cast (a
    ballot sent again gets it back), and credentials that already voted."""
    codes = {a.tracking for a in batch}
    taken = {code: kind for code, kind in conn.execute(select(
        TakenCode.tracking_code, TakenCode.kind).where(TakenCode.tracking_code.in_(codes)))}
    cast = {code for code, kind in taken.items() if kind == CAST}
    placed = {} if not cast else {
        code: {"position": position, "entry_hash": link, "received_at": received}
        for code, position, link, received in conn.execute(select(
            BoardEntry.tracking_code, BoardEntry.position, BoardEntry.entry_hash,
            BoardEntry.received_at).where(BoardEntry.tracking_code.in_(cast)))}
    voted: set[str] = set()
    if policy == "single":
        # By credential alone, the election checked here: with both in the WHERE clause
        # SQLite may walk the election's index, i.e. the whole board, for every batch.
        voted = {credential for credential, election in conn.execute(
            select(BoardEntry.credential, BoardEntry.election_id).where(
                BoardEntry.credential.in_({a.credential for a in batch})))
                 if election == election_id}
    return taken, placed, voted


_HEAD = (Election.state, Election.opens_at, Election.closes_at, Election.head_hash,
         Election.ballot_count, Election.revote_policy, Election.digest)


def append_batch(sessions: sessionmaker[Session], election_id: str, batch: list[Append]
                 ) -> None:
    """Append `batch` (one election, in order) in one transaction; set every outcome.

    A ballot refused for its own reason gets that error; if the transaction itself fails,
    every ballot of the batch gets the failure and none is on the board. A unique-key
    violation (a code taken meanwhile by a writer that did not hold the lock) runs the
    batch once more on fresh reads, where that ballot is refused alone."""
    for attempt in (1, 2):
        try:
            _append(sessions, election_id, batch)
            crashpoint.reached("board-committed")  # durable, no receipt signed yet
            return
        except IntegrityError as err:
            if attempt == 2:
                _fail(batch, err)
        except Exception as err:  # nothing of this batch is on the board
            _fail(batch, err)
            return


def _fail(batch: list[Append], err: BaseException) -> None:
    for item in batch:
        item.outcome, item.again = err, False


def _append(sessions: sessionmaker[Session], election_id: str, batch: list[Append]) -> None:
    """One try. Plain SQL statements (no ORM objects): this runs once per batch on the hot
    path."""
    with sessions.begin() as s:
        conn = s.connection()
        election = lock_election(conn, election_id, _HEAD)
        if election is None:
            raise UserError("voting.board.unknown_election", election=election_id)
        policy = election.revote_policy
        taken, placed, voted = _taken(conn, election_id, policy, batch)
        head, count, rows, codes = election.head_hash, election.ballot_count, [], []
        for item in batch:
            item.again = False
            if item.tracking in placed:  # the same ballot again: its first answer was lost
                item.outcome, item.again = placed[item.tracking], True
                continue
            refusal = window_error(election, item.when)
            if refusal is None and item.digest not in (None, election.digest):
                refusal = UserError("voting.board.list_changed")  # checked on a stale list
            if refusal is None and item.tracking in taken:
                refusal = UserError("voting.ballot.audited" if taken[item.tracking] == AUDIT
                                    else "voting.ballot.replay")
            if refusal is None and item.credential in voted:
                refusal = UserError("voting.ballot.already_voted")
            if refusal is not None:
                item.outcome = refusal
                continue
            taken[item.tracking] = CAST
            if policy == "single":
                voted.add(item.credential)
            count += 1
            received = item.when.isoformat()
            link = entry_hash(head, count, item.tracking, received)
            item.outcome = placed[item.tracking] = {
                "position": count, "entry_hash": link, "received_at": received}
            rows.append({"election_id": election_id, "position": count,
                         "tracking_code": item.tracking, "credential": item.credential,
                         "ballot": json.dumps(item.document, sort_keys=True),
                         "received_at": received, "prev_hash": head, "entry_hash": link})
            codes.append({"tracking_code": item.tracking, "election_id": election_id,
                          "credential": item.credential, "kind": CAST})
            head = link
        if rows:
            conn.execute(insert(TakenCode), codes)
            conn.execute(insert(BoardEntry), rows)
            conn.execute(update(Election).where(Election.id == election_id).values(
                head_hash=head, ballot_count=count))


class GroupCommit:
    """The queue of appends for one database (one per session factory in a process)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._queue: list[Append] = []
        self._busy = False

    def append(self, item: Append) -> dict:
        with self._lock:
            self._queue.append(item)
            lead = not self._busy
            self._busy = True
        if not lead:
            item.ready.wait()
            if item.lead:  # handed the lead: our ballot is still queued
                self._run()
        else:
            self._run()
        if isinstance(item.outcome, BaseException):
            raise item.outcome
        assert item.outcome is not None
        return item.outcome

    def _run(self) -> None:
        """Append everything queued now, then pass the lead to the next waiting caller."""
        with self._lock:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        by_election: dict[str, list[Append]] = {}
        for item in batch:
            by_election.setdefault(item.election_id, []).append(item)
        for election_id, items in by_election.items():
            append_batch(self._sessions, election_id, items)
        with self._lock:
            if self._queue:
                nxt = self._queue[0]
                nxt.lead = True
                nxt.ready.set()
            else:
                self._busy = False
        for item in batch:
            if not item.lead:
                item.ready.set()


_QUEUES: weakref.WeakKeyDictionary[sessionmaker, GroupCommit] = weakref.WeakKeyDictionary()
_QUEUES_LOCK = threading.Lock()


def group_commit(sessions: sessionmaker[Session]) -> GroupCommit:
    with _QUEUES_LOCK:
        queue = _QUEUES.get(sessions)
        if queue is None:
            queue = _QUEUES[sessions] = GroupCommit(sessions)
        return queue
