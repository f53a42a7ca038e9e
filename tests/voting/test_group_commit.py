"""Concurrent casting with group commit: every ballot is judged alone, the chain stays whole,
and ballots that arrive during a commit share the next transaction."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event

from vmre.core.messages import UserError
from vmre.simulacro.election import open_election
from vmre.voting.appender import group_commit
from vmre.voting.ballot import encrypt_ballot, tracking_code
from vmre.voting.board import verify_receipt
from vmre.voting.chain import entry_hash

JAL = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}
OTHER = {"gob-jal": "morena", "dip-migrante-jal": "nulo"}
VOTERS = 10


@pytest.fixture
def crowd(tmp_path, db_url, ceremony_done):
    return open_election(tmp_path, db_url, entities=("JAL",) * VOTERS,
                         reuse_ceremony=ceremony_done)


def _cast_all(board, eid: str, documents: list[dict]) -> list[dict | UserError]:
    def one(doc: dict) -> dict | UserError:
        try:
            return board.cast(eid, doc)
        except UserError as err:
            return err

    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(one, documents))


def _assert_whole_chain(board, eid: str, base_hash: str) -> list:
    entries = list(board.stream(eid))
    prev = base_hash
    for position, entry in enumerate(entries, start=1):
        assert entry.position == position and entry.prev_hash == prev
        assert entry.entry_hash == entry_hash(prev, position, entry.tracking_code,
                                              entry.received_at)
        prev = entry.entry_hash
    election = board.election(eid)
    assert (election.ballot_count, election.head_hash) == (len(entries), prev)
    return entries


def test_concurrent_casts_replays_and_second_votes(crowd):
    eid = crowd.ctx.election_id
    firsts = [encrypt_ballot(crowd.ctx, "JAL", crowd.key(i), JAL)[0] for i in range(VOTERS)]
    seconds = [encrypt_ballot(crowd.ctx, "JAL", crowd.key(i), OTHER)[0] for i in range(3)]
    documents = firsts + firsts[5:8] + seconds  # three exact replays, three second votes
    outcomes = _cast_all(crowd.board, eid, documents)

    refusals = sorted(o.key for o in outcomes if isinstance(o, UserError))
    assert refusals == ["voting.ballot.already_voted"] * 3
    # an exact copy gets the receipt of the one entry (sent again after a lost answer)
    assert outcomes[VOTERS:VOTERS + 3] == outcomes[5:8]
    receipts = [o for o in outcomes[:VOTERS] if isinstance(o, dict)]
    assert len(receipts) == VOTERS  # one ballot per voter, whichever arrived first
    assert sorted(r["position"] for r in receipts) == list(range(1, VOTERS + 1))
    key = crowd.board.server_key(eid)
    assert all(verify_receipt(r, key) for r in receipts)

    entries = _assert_whole_chain(crowd.board, eid, crowd.ctx.base_hash.hex())
    on_board = {e.tracking_code: e for e in entries}
    for r in receipts:
        assert on_board[r["tracking_code"]].entry_hash == r["entry_hash"]
    assert len({e.credential for e in entries}) == VOTERS


def test_ballots_arriving_during_a_commit_share_the_next_one(crowd):
    """The first append is held inside its transaction until the others are queued: they
    must then be committed together, in one more transaction, not one each."""
    eid = crowd.ctx.election_id
    documents = [encrypt_ballot(crowd.ctx, "JAL", crowd.key(i), JAL)[0] for i in range(6)]
    engine = crowd.board.sessions.kw["bind"]
    queue = group_commit(crowd.board.sessions)
    commits: list[int] = []
    release = threading.Event()

    def on_commit(conn) -> None:
        commits.append(1)
        if len(commits) == 1:
            release.wait(30)

    event.listen(engine, "commit", on_commit)
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            first = pool.submit(crowd.board.cast, eid, documents[0])
            while not commits:
                time.sleep(0.01)
            rest = [pool.submit(crowd.board.cast, eid, d) for d in documents[1:]]
            deadline = time.monotonic() + 30
            while len(queue._queue) < len(rest) and time.monotonic() < deadline:
                time.sleep(0.01)
            release.set()
            receipts = [first.result()] + [f.result() for f in rest]
    finally:
        event.remove(engine, "commit", on_commit)
    assert len(commits) == 2
    assert sorted(r["position"] for r in receipts) == list(range(1, 7))
    assert [r["tracking_code"] for r in receipts] == [tracking_code(d) for d in documents]
    _assert_whole_chain(crowd.board, eid, crowd.ctx.base_hash.hex())


def test_last_policy_keeps_both_ballots_of_one_voter_in_one_batch(tmp_path, sqlite_url,
                                                                   ceremony_done):
    ready = open_election(tmp_path, sqlite_url, entities=("JAL",) * 2, policy="last",
                          reuse_ceremony=ceremony_done)
    eid = ready.ctx.election_id
    documents = [encrypt_ballot(ready.ctx, "JAL", ready.key(0), choice)[0]
                 for choice in (JAL, OTHER)]
    outcomes = ready.board.cast_many(eid, documents + documents[:1])
    assert [o["position"] for o in outcomes[:2]] == [1, 2]
    # the first ballot sent again gets its own receipt back: no third entry, and an old
    # ballot replayed never supersedes the later one
    assert outcomes[2] == outcomes[0]
    assert ready.board.election(eid).ballot_count == 2
    assert ready.board.counted_positions(eid) == {2}


def test_ballot_checked_against_a_replaced_list_is_judged_on_the_new_one(ready):
    """Another server process replaces the credential list (allowed before the first ballot)
    while this one still holds the old list: a voter no longer on it is refused, a voter
    still on it is accepted."""
    from vmre.core.database import make_engine, session_factory
    from vmre.crypto import credentials
    from vmre.voting.board import Board
    from vmre.voting.credential_list import sign_credential_list

    eid = ready.ctx.election_id
    stranger = credentials.signing_key(eid, credentials.new_secret())
    with pytest.raises(UserError) as err:  # this process now holds the old list
        ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", stranger, JAL)[0])
    assert err.value.key == "voting.ballot.not_eligible"

    kept = [(credentials.public_credential(eid, ready.voters[i][0].secret), ready.voters[i][1])
            for i in (0, 1)]
    elsewhere = Board(session_factory(make_engine(str(ready.board.sessions.kw["bind"].url
                                                     .render_as_string(hide_password=False)))))
    elsewhere.load_credentials(eid, sign_credential_list(eid, ready.issuer, kept))

    with pytest.raises(UserError) as err:
        ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", ready.key(2), JAL)[0])
    assert err.value.key == "voting.ballot.not_eligible"
    receipt = ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)[0])
    assert receipt["position"] == 1
