"""The board's integrity under attack, on both databases: a cast and a Benaloh audit of the
same ballot at the same instant (exactly one wins, and the record then verifies), an audit
right after the close, a closed election that someone tries to reopen, and the limits on
audits."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from record_check import verify_after_close

from vmre.core.database import make_engine, session_factory
from vmre.core.messages import UserError
from vmre.crypto.group import random_scalar
from vmre.simulacro.election import ReadyElection, open_election
from vmre.voting.ballot import encrypt_ballot, reveal, tracking_code
from vmre.voting.board import MAX_AUDITS, Board
from vmre.voting.credential_list import sign_credential_list

JAL = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}
VOTERS = 12  # without the shared lock both went through in 2 to 5 pairs of 12


@pytest.fixture
def crowd(tmp_path, db_url, ceremony_done) -> ReadyElection:
    return open_election(tmp_path / "election", db_url, entities=("JAL",) * VOTERS,
                         reuse_ceremony=ceremony_done)


def other_process(board: Board) -> Board:
    """The board as another server process sees it: its own engine, connections, group-commit
    queue and cached election rows."""
    return Board(session_factory(make_engine(
        board.engine.url.render_as_string(hide_password=False))))


def _outcome(call, *args):
    try:
        return call(*args)
    except UserError as err:
        return err


def test_cast_and_audit_of_one_ballot_at_once_exactly_one_wins(crowd, tmp_path):
    eid = crowd.ctx.election_id
    elsewhere = other_process(crowd.board)
    pairs = []
    for i in range(VOTERS):
        doc, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(i), JAL)
        pairs.append((doc, reveal(doc, JAL, nonces)))

    def race(i: int) -> tuple:
        doc, disclosure = pairs[i]
        start = threading.Barrier(2)
        caster, auditor = (crowd.board, elsewhere) if i % 2 else (elsewhere, crowd.board)

        def cast():
            start.wait()
            return _outcome(caster.cast, eid, doc)

        def audit():
            start.wait()
            return _outcome(auditor.spoil, eid, doc, disclosure)

        with ThreadPoolExecutor(max_workers=2) as pool:
            cast_result, audit_result = pool.submit(cast), pool.submit(audit)
            return cast_result.result(), audit_result.result()

    with ThreadPoolExecutor(max_workers=VOTERS) as pool:
        outcomes = list(pool.map(race, range(VOTERS)))

    for (doc, _), (cast, audit) in zip(pairs, outcomes, strict=True):
        cast_won, audit_won = isinstance(cast, dict), isinstance(audit, str)
        assert cast_won != audit_won, (cast, audit)  # exactly one of the two
        if cast_won:
            assert isinstance(audit, UserError) and audit.key == "voting.ballot.replay"
        else:
            assert isinstance(cast, UserError) and cast.key == "voting.ballot.audited"
            assert audit == tracking_code(doc)
    on_board = {e.tracking_code for e in crowd.board.stream(eid)}
    spoiled = {s.tracking_code for s in crowd.board.stream_spoiled(eid)}
    assert not on_board & spoiled and len(on_board) + len(spoiled) == VOTERS

    checked = verify_after_close(crowd, tmp_path / "record")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_audit_right_after_the_close_is_refused(crowd):
    """This process has just read the election row as open (and keeps it a second); another
    process closes the election: an audit is still decided on a fresh row, under the lock."""
    eid = crowd.ctx.election_id
    first, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(0), JAL)
    crowd.board.spoil(eid, first, reveal(first, JAL, nonces))
    other_process(crowd.board).close(eid)
    late, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(1), JAL)
    with pytest.raises(UserError) as err:
        crowd.board.spoil(eid, late, reveal(late, JAL, nonces))
    assert err.value.key == "voting.board.closed"
    assert crowd.board.spoiled_count(eid) == 1


def test_a_closed_election_is_final(crowd):
    eid = crowd.ctx.election_id
    crowd.board.cast(eid, encrypt_ballot(crowd.ctx, "JAL", crowd.key(0), JAL)[0])
    statement = crowd.board.close(eid)
    now = dt.datetime.now(dt.UTC)
    listing = sign_credential_list(eid, random_scalar(), [])
    for attempt in (lambda: crowd.board.schedule(eid, now - dt.timedelta(hours=1),
                                                 now + dt.timedelta(hours=5)),
                    lambda: other_process(crowd.board).load_credentials(eid, listing)):
        with pytest.raises(UserError) as err:
            attempt()
        assert err.value.key == "voting.board.closed_final"
    election = crowd.board.election(eid)
    assert election.state == "closed" and election.ballot_count == 1
    late, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(1), JAL)
    for attempt in (lambda: crowd.board.cast(eid, late),
                    lambda: crowd.board.spoil(eid, late, reveal(late, JAL, nonces))):
        with pytest.raises(UserError) as err:
            attempt()
        assert err.value.key == "voting.board.closed"
    assert crowd.board.close(eid) == statement  # closing again changes nothing


def test_a_window_ended_by_the_clock_cannot_be_reopened(crowd):
    eid = crowd.ctx.election_id
    now = dt.datetime.now(dt.UTC)
    crowd.board.schedule(eid, now - dt.timedelta(hours=2), now - dt.timedelta(hours=1),
                         audit_exemption="simulacro")
    with pytest.raises(UserError) as err:
        crowd.board.schedule(eid, now - dt.timedelta(hours=2), now + dt.timedelta(hours=1))
    assert err.value.key == "voting.board.closed_final"
    with pytest.raises(UserError) as err:
        crowd.board.cast(eid, encrypt_ballot(crowd.ctx, "JAL", crowd.key(0), JAL)[0])
    assert err.value.key == "voting.board.closed"


def test_audits_per_credential_are_limited(crowd):
    eid = crowd.ctx.election_id
    for _ in range(MAX_AUDITS):
        doc, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(0), JAL)
        crowd.board.spoil(eid, doc, reveal(doc, JAL, nonces))
    doc, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(0), JAL)
    with pytest.raises(UserError) as err:
        crowd.board.spoil(eid, doc, reveal(doc, JAL, nonces))
    assert err.value.key == "voting.ballot.too_many_audits"
    assert err.value.params == {"limit": MAX_AUDITS}
    assert crowd.board.spoiled_count(eid) == MAX_AUDITS
    # another voter still audits, and this one still votes (with the ballot refused above)
    other, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(1), JAL)
    crowd.board.spoil(eid, other, reveal(other, JAL, nonces))
    assert crowd.board.cast(eid, doc)["position"] == 1


@pytest.mark.parametrize("change", ["free_text", "extra_contest", "missing_contest", "extra_field"])
def test_audit_disclosure_holds_option_ids_only(crowd, change):
    eid = crowd.ctx.election_id
    doc, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(0), JAL)
    disclosure = reveal(doc, JAL, nonces)
    notice = "AVISO OFICIAL: elección anulada"
    if change == "free_text":
        disclosure["selections"]["gob-jal"] = notice
    elif change == "extra_contest":
        disclosure["selections"]["aviso"] = notice
    elif change == "missing_contest":
        del disclosure["selections"]["dip-migrante-jal"]
    else:
        disclosure["aviso"] = notice
    with pytest.raises(UserError) as err:
        crowd.board.spoil(eid, doc, disclosure)
    assert err.value.key == "voting.ballot.bad_disclosure"
    assert crowd.board.spoiled_count(eid) == 0


def test_oversized_disclosure_refused(crowd):
    eid = crowd.ctx.election_id
    doc, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(0), JAL)
    disclosure = reveal(doc, JAL, nonces)
    disclosure["nonces"]["gob-jal"] = disclosure["nonces"]["gob-jal"] * 1000
    with pytest.raises(UserError) as err:
        crowd.board.spoil(eid, doc, disclosure)
    assert err.value.key == "voting.ballot.disclosure_oversized"
    assert crowd.board.spoiled_count(eid) == 0
