"""vmre.voting.board called directly on a small election (quick_election.py, a fresh SQLite
copy per test): registering, loading the credential list, the fingerprint, the window,
casting with its receipts and refusals, the bulk intake, Benaloh audits, closing and its
statement, and reading the board. Each refusal is asserted by its exact catalogue key and
parameters. Fast enough to run for every mutant of board.py (docs/testing.md §2);
test_board.py and the web tests walk the same paths on a larger election and through HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from quick_election import (
    ENTITIES,
    ISSUER,
    JAL,
    JAL_OTHER,
    audited,
    ballot,
    ceremony,
    copy_election,
    credential_list,
    key,
    public,
    quick,
    randomness,
)
from sqlalchemy import insert, update

from support.resign import one_hot, options, with_contest
from vmre.core.database import make_engine, session_factory
from vmre.core.messages import UserError
from vmre.crypto.group import base_mul, hash_to_scalar, scalar_from_hex
from vmre.voting import board as boards
from vmre.voting import fingerprint as fingerprints
from vmre.voting.audits import SIMULACRO
from vmre.voting.ballot import encrypt_ballot, reveal, tracking_code
from vmre.voting.board import (
    CLOSING_TAG,
    MAX_AUDITS,
    MAX_DISCLOSURE_BYTES,
    fingerprint_inputs,
    verify_receipt,
    verify_server_statement,
)
from vmre.voting.credential_list import sign_credential_list
from vmre.voting.models import AUDIT, Election, TakenCode

HOUR = dt.timedelta(hours=1)
OTHER_ISSUER = hash_to_scalar("vmre/test/quick-issuer", 2)


@pytest.fixture
def q(tmp_path):
    return quick(tmp_path)


def _refused(key_: str, call, *args, **params) -> None:
    with pytest.raises(UserError) as err:
        call(*args)
    assert (err.value.key, err.value.params) == (key_, params), err.value


def _row(q) -> Election:
    return q.board.election(q.eid)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _set(q, **values) -> None:
    with q.board.sessions.begin() as s:
        s.execute(update(Election).where(Election.id == q.eid).values(**values))


# -- set-up ----------------------------------------------------------------------------------

def test_register_stores_the_election_with_its_own_receipt_key(q):
    eid = q.board.register(ceremony(), "last", postal=["JAL", "CDMX", "JAL"])
    assert eid == q.ctx.election_id
    row = _row(q)
    assert (row.state, row.revote_policy, row.head_hash, row.ballot_count, row.postal) == (
        "setup", "last", q.ctx.base_hash.hex(), 0, '["CDMX", "JAL"]')
    assert json.loads(row.manifest) == q.ctx.manifest.document
    assert json.loads(row.context) == q.ctx.to_json()
    assert json.loads(row.transcript) == ceremony().transcript()
    assert "Acción" in row.manifest  # stored as written, not escaped
    assert len(row.receipt_key) == 64 and scalar_from_hex(row.receipt_key)
    assert q.board.server_key(eid) == base_mul(scalar_from_hex(row.receipt_key))
    assert (row.issuer_key, row.fingerprint) == ("", "")
    _refused("voting.board.no_fingerprint", q.board.fingerprint, eid, election=eid)


def test_register_refuses_an_unknown_policy_postal_entity_or_a_second_registration(q):
    _refused("voting.board.bad_policy", q.board.register, ceremony(), "twice", policy="twice")
    allowed = ", ".join(q.ctx.manifest.entities)
    with pytest.raises(UserError) as err:
        q.board.register(ceremony(), "single", None, ["ZZZ", "JAL", "AAA"])
    assert (err.value.key, err.value.params) == (
        "voting.board.bad_postal", {"entities": "AAA, ZZZ", "allowed": allowed})
    q.board.register(ceremony())
    assert _row(q).revote_policy == "single" and _row(q).postal == "[]"
    _refused("voting.board.already_registered", q.board.register, ceremony(),
             election=q.eid)


def test_register_with_the_issuer_fixes_the_fingerprint_there(q):
    issuer = base_mul(ISSUER)
    q.board.register(ceremony(), "single", issuer, ["JAL"])
    row = _row(q)
    assert row.issuer_key == issuer.hex()
    assert row.fingerprint == fingerprints.fingerprint(fingerprint_inputs(row))
    fp, document = q.board.fingerprint(q.eid)
    assert (fp, document) == (row.fingerprint, fingerprint_inputs(row))
    assert document == fingerprints.inputs(
        q.eid, q.ctx.base_hash.hex(), issuer.hex(), q.board.server_key(q.eid).hex(), "single",
        ["JAL"])
    _refused("voting.credentials.wrong_issuer", q.board.load_credentials, q.eid,
             sign_credential_list(q.eid, OTHER_ISSUER, [(base_mul(key(0)), "JAL")]))


def test_the_first_list_pins_its_signer_and_the_fingerprint(q):
    q.board.register(ceremony())
    assert q.board.load_credentials(q.eid, credential_list()) == len(ENTITIES)
    row = _row(q)
    assert row.issuer_key == base_mul(ISSUER).hex() and row.fingerprint
    assert json.loads(row.credentials) == credential_list()
    fp = row.fingerprint
    smaller = sign_credential_list(q.eid, ISSUER, [(base_mul(key(0)), "JAL")])
    assert q.board.load_credentials(q.eid, smaller) == 1
    assert _row(q).fingerprint == fp
    _refused("voting.credentials.wrong_issuer", q.board.load_credentials, q.eid,
             sign_credential_list(q.eid, OTHER_ISSUER, [(base_mul(key(0)), "JAL")]))
    assert q.board.load_credentials(q.eid, smaller, base_mul(ISSUER)) == 1
    _refused("voting.credentials.wrong_issuer", q.board.load_credentials, q.eid, smaller,
             base_mul(OTHER_ISSUER))


@pytest.mark.parametrize("loader", ["this process", "another process"])
def test_a_voter_a_new_list_adds_is_not_refused_on_the_row_this_process_kept(
        q, monkeypatch, loader):
    """A refusal is decided on a fresh row: also for the process that did not load the list
    and still keeps the election's row read before it."""
    monkeypatch.setattr(boards._check_rows, "ttl", 3600.0)  # the row kept for the test's span
    q.board.register(ceremony())
    q.board.load_credentials(q.eid, sign_credential_list(
        q.eid, ISSUER, [(base_mul(key(0)), "JAL")]))
    q.board.schedule(q.eid, _now() - HOUR, _now() + HOUR, SIMULACRO)
    _refused("voting.ballot.not_eligible", q.board.cast, q.eid, ballot(2))  # the row is kept
    loading = q.board if loader == "this process" else boards.Board(
        session_factory(make_engine(str(q.board.engine.url))))
    loading.load_credentials(q.eid, credential_list())
    assert q.board.cast(q.eid, ballot(2))["position"] == 1
    _refused("voting.ballot.not_eligible", q.board.cast, q.eid, encrypt_ballot(
        q.ctx, "JAL", hash_to_scalar("vmre/test/stranger", 1), JAL)[0])


def test_a_list_for_another_election_is_refused(q):
    q.board.register(ceremony())
    _refused("voting.credentials.wrong_election", q.board.load_credentials, q.eid,
             sign_credential_list("otra", ISSUER, [(base_mul(key(0)), "JAL")]))


def test_the_list_cannot_change_after_the_first_ballot_or_the_close(q):
    q.open()
    q.board.cast(q.eid, ballot(0))
    _refused("voting.credentials.after_first_ballot", q.board.load_credentials, q.eid,
             credential_list())
    q.board.close(q.eid)
    _refused("voting.board.closed_final", q.board.load_credentials, q.eid, credential_list())


def test_a_window_over_by_the_clock_is_final(q):
    q.board.register(ceremony())
    q.board.load_credentials(q.eid, credential_list())
    q.board.schedule(q.eid, _now() - 2 * HOUR, _now() - HOUR, SIMULACRO)
    _refused("voting.board.closed_final", q.board.load_credentials, q.eid, credential_list())
    _refused("voting.board.closed_final", q.board.schedule, q.eid, _now(), _now() + HOUR,
             SIMULACRO)


def test_a_closed_election_is_final_also_before_its_recorded_end(q):
    """Closed by a server whose clock ran ahead of this one's: the state alone is final."""
    q.open()
    q.board.close(q.eid)
    _set(q, closes_at=_now() + HOUR)
    _refused("voting.board.closed_final", q.board.load_credentials, q.eid, credential_list())
    _refused("voting.board.closed_final", q.board.schedule, q.eid, _now(), _now() + 2 * HOUR,
             SIMULACRO)


def test_a_changed_fingerprint_input_is_refused(q):
    q.open()
    _set(q, revote_policy="last")
    _refused("voting.board.fingerprint_changed", q.board.fingerprint, q.eid, election=q.eid)


def test_schedule_sets_the_window_or_refuses_it(q):
    q.board.register(ceremony())
    now = _now()
    _refused("voting.board.no_fingerprint", q.board.schedule, q.eid, now, now + HOUR,
             SIMULACRO, election=q.eid)
    q.board.load_credentials(q.eid, credential_list())
    _refused("voting.board.bad_window", q.board.schedule, q.eid, now, now, SIMULACRO)
    _refused("voting.board.bad_window", q.board.schedule, q.eid, now, now - HOUR, SIMULACRO)
    with pytest.raises(UserError) as err:
        q.board.schedule(q.eid, now, now + HOUR)
    assert err.value.key == "voting.audits.missing"
    assert _row(q).state == "setup"
    q.board.schedule(q.eid, now - HOUR, now + HOUR, SIMULACRO)
    row = _row(q)
    assert (row.state, row.opens_at, row.closes_at, row.audit_exemption) == (
        "scheduled", now - HOUR, now + HOUR, SIMULACRO)
    _refused("voting.board.unknown_election", q.board.schedule, "otra", now, now + HOUR,
             SIMULACRO, election="otra")


# -- casting ---------------------------------------------------------------------------------

def test_a_cast_ballot_gets_a_signed_receipt_of_its_place(q):
    q.open()
    doc = ballot(0)
    before = _now()
    receipt, new = q.board.submit(q.eid, doc)
    assert new is True
    entry = q.board.find(q.eid, tracking_code(doc))
    assert receipt == boards.server_sign(boards.RECEIPT_TAG, scalar_from_hex(
        _row(q).receipt_key), {"election_id": q.eid, "tracking_code": tracking_code(doc),
                               "position": 1, "entry_hash": entry.entry_hash,
                               "received_at": entry.received_at})
    assert before <= dt.datetime.fromisoformat(entry.received_at) <= _now()
    assert json.loads(entry.ballot) == doc
    assert verify_receipt(receipt, q.board.server_key(q.eid))
    second = q.board.cast(q.eid, ballot(2))
    assert second["position"] == 2
    assert q.board.entries(q.eid)[1].prev_hash == entry.entry_hash


def test_a_ballot_sent_again_gets_its_first_receipt_also_after_the_close(q):
    q.open()
    doc = ballot(0)
    first = q.board.cast(q.eid, doc)
    assert q.board.submit(q.eid, doc) == (first, False)
    q.board.close(q.eid)
    assert q.board.submit(q.eid, doc) == (first, False)
    other = boards.Board(session_factory(make_engine(str(q.board.engine.url))))
    assert other.submit(q.eid, doc) == (first, False)  # a process that finds it closed
    _refused("voting.board.closed", other.cast, q.eid, ballot(2))
    assert q.board.receipt_again(q.eid, doc) == first
    assert q.board.receipt_again("otra", doc) is None  # another election's board
    _refused("voting.board.closed", q.board.cast, q.eid, ballot(2))
    assert q.board.receipt_again(q.eid, ballot(2)) is None


@pytest.mark.parametrize("document", [{"x": float("nan")}, {"x": {1, 2}}, ["x", object()]])
def test_receipt_again_of_something_that_is_no_json_is_none(q, document):
    q.open()
    assert q.board.receipt_again(q.eid, document) is None


def test_cast_refusals_carry_the_ballot_checks_code_and_parameters(q):
    q.open()
    stranger = encrypt_ballot(q.ctx, "JAL", hash_to_scalar("vmre/test/stranger", 1), JAL)[0]
    _refused("voting.ballot.not_eligible", q.board.cast, q.eid, stranger)
    _refused("voting.ballot.malformed", q.board.cast, q.eid, "papeleta", reason="not an object")
    _refused("voting.ballot.wrong_contests", q.board.cast, q.eid,
             encrypt_ballot(q.ctx, "CDMX", key(0), {"jefatura-cdmx": "mc"})[0])
    n = options(q.ctx, "dip-migrante-jal")
    short = with_contest(q.ctx, key(0), ballot(0), 1, one_hot(n - 1))
    _refused("voting.ballot.wrong_option_count", q.board.cast, q.eid, short,
             contest="dip-migrante-jal")
    _refused("voting.board.unknown_election", q.board.cast, "otra", ballot(0), election="otra")
    assert _row(q).ballot_count == 0
    q.board.cast(q.eid, ballot(0))
    _refused("voting.ballot.already_voted", q.board.cast, q.eid, ballot(0, JAL_OTHER))


def test_a_ballot_outside_the_window_is_refused_on_fresh_data(q):
    q.board.register(ceremony())
    q.board.load_credentials(q.eid, credential_list())
    _refused("voting.board.not_open", q.board.cast, q.eid, ballot(0))
    _refused("voting.board.not_open", q.board.cast, q.eid, "papeleta")  # before its own faults
    q.board.schedule(q.eid, _now() - HOUR, _now() + HOUR, SIMULACRO)
    assert q.board.cast(q.eid, ballot(0))["position"] == 1  # not the refusal kept above
    _refused("voting.board.not_open", q.board.cast, q.eid, ballot(2), _now() - 2 * HOUR)
    _refused("voting.board.closed", q.board.cast, q.eid, ballot(2), _now() + 2 * HOUR)
    assert q.board.cast(q.eid, ballot(2), _now() + HOUR / 2)["position"] == 2


def test_a_ballot_checked_against_a_replaced_list_is_checked_again(q, tmp_path):
    """Two server processes: one has read the election (list 1), the other loads list 2."""
    q.open()
    other = boards.Board(q.board.sessions)  # same database, its own reads
    stranger = encrypt_ballot(q.ctx, "JAL", hash_to_scalar("vmre/test/stranger", 1), JAL)[0]
    _refused("voting.ballot.not_eligible", q.board.cast, q.eid, stranger)
    with q.board.sessions.begin() as s:  # a list replaced by another process
        s.execute(update(Election).where(Election.id == q.eid).values(
            credentials=json.dumps(sign_credential_list(
                q.eid, ISSUER, [(base_mul(key(0)), "JAL")]), sort_keys=True),
            digest="11" * 32))
    assert other.cast(q.eid, ballot(0))["position"] == 1
    _refused("voting.ballot.not_eligible", q.board.cast, q.eid, ballot(2))


def test_the_bulk_intake_gives_one_receipt_or_one_refusal_per_ballot_in_order(q):
    q.open()
    stranger = encrypt_ballot(q.ctx, "JAL", hash_to_scalar("vmre/test/stranger", 1), JAL)[0]
    tampered = ballot(3)
    choices = tampered["contests"][1]["choices"]
    choices[0], choices[1] = choices[1], choices[0]
    docs = [ballot(0), stranger, "x", tampered, ballot(0, JAL_OTHER), ballot(2), ballot(0)]
    out = q.board.cast_many(q.eid, docs)
    assert [o.key if isinstance(o, UserError) else o["position"] for o in out] == [
        1, "voting.ballot.not_eligible", "voting.ballot.not_eligible",
        "voting.ballot.bad_signature", "voting.ballot.already_voted", 2, 1]
    assert out[6] == out[0]
    key_ = q.board.server_key(q.eid)
    for i in (0, 5):
        assert verify_receipt(out[i], key_) and out[i]["election_id"] == q.eid
        assert out[i] == q.board.receipt_again(q.eid, docs[i])
        assert json.loads(q.board.find(q.eid, tracking_code(docs[i])).ballot) == docs[i]
    assert [e.tracking_code for e in q.board.entries(q.eid)] == [
        tracking_code(docs[0]), tracking_code(docs[5])]


def test_the_bulk_intake_names_a_failed_proof(q):
    q.open()
    n = options(q.ctx, "dip-migrante-jal")
    short = with_contest(q.ctx, key(0), ballot(0), 1, one_hot(n + 1))
    [out] = q.board.cast_many(q.eid, [short])
    assert (out.key, out.params) == ("voting.ballot.wrong_option_count",
                                     {"contest": "dip-migrante-jal"})


# -- Benaloh audits --------------------------------------------------------------------------

def test_an_audited_ballot_is_published_and_never_cast(q):
    q.open()
    doc = ballot(0)
    disclosed = reveal(doc, JAL, randomness(0))
    assert q.board.spoil(q.eid, doc, disclosed) == tracking_code(doc)
    spoiled = q.board.find_spoiled(q.eid, tracking_code(doc))
    assert json.loads(spoiled.ballot) == doc and json.loads(spoiled.disclosure) == disclosed
    assert q.board.spoiled_count(q.eid) == 1 and q.board.entries(q.eid) == []
    assert list(q.board.spoiled_lines(q.eid)) == [json.dumps(
        {"tracking_code": tracking_code(doc), "ballot": doc, "disclosure": disclosed},
        sort_keys=True) + "\n"]
    _refused("voting.ballot.audited", q.board.cast, q.eid, doc)
    _refused("voting.ballot.audited", q.board.spoil, q.eid, doc, disclosed)
    assert q.board.cast(q.eid, ballot(0, JAL_OTHER))["position"] == 1


def test_a_cast_ballot_cannot_be_audited(q):
    q.open()
    doc = ballot(0)
    q.board.cast(q.eid, doc)
    _refused("voting.ballot.replay", q.board.spoil, q.eid, doc, reveal(doc, JAL, randomness(0)))
    assert q.board.spoiled_count(q.eid) == 0


def test_audit_disclosures_that_are_too_large_no_json_or_wrong_are_refused(q):
    q.open()
    doc = ballot(0)
    _refused("voting.ballot.disclosure_oversized", q.board.spoil, q.eid, doc,
             {"x": "a" * MAX_DISCLOSURE_BYTES})
    room = MAX_DISCLOSURE_BYTES - len(json.dumps({"x": ""}, separators=(",", ":")))
    _refused("voting.ballot.bad_disclosure", q.board.spoil, q.eid, doc, {"x": "a" * room},
             reason="fields")
    for bad in ({"x": float("nan")}, {"x": {1}}):
        _refused("voting.ballot.reveal_mismatch", q.board.spoil, q.eid, doc, bad,
                 reason="JSON")
    wrong = reveal(doc, JAL, randomness(0))
    wrong["tracking_code"] = "00" * 32
    _refused("voting.ballot.reveal_mismatch", q.board.spoil, q.eid, doc, wrong,
             reason="tracking code")
    assert q.board.spoiled_count(q.eid) == 0


def _audits_in_another_election(q, credential: str, count: int) -> None:
    """`count` audits by `credential` in another election on the same database."""
    copy_election(q.board, q.eid, "otra")
    with q.board.sessions.begin() as s:
        s.execute(insert(TakenCode), [
            {"tracking_code": f"{i:064x}", "election_id": "otra", "credential": credential,
             "kind": AUDIT} for i in range(count)])


def test_a_credential_audits_at_most_the_limit_counting_only_its_audits_here(q):
    """Neither the credential's cast ballot nor its audits in another election count."""
    q.open()
    q.board.cast(q.eid, ballot(0))
    _audits_in_another_election(q, public(0), MAX_AUDITS)
    for _ in range(MAX_AUDITS):
        q.board.spoil(q.eid, *audited())
    _refused("voting.ballot.too_many_audits", q.board.spoil, q.eid, *audited(),
             limit=MAX_AUDITS)
    q.board.spoil(q.eid, *audited(2))
    assert q.board.spoiled_count(q.eid) == MAX_AUDITS + 1


def test_an_audit_outside_the_window_is_refused(q):
    q.board.register(ceremony())
    q.board.load_credentials(q.eid, credential_list())
    _refused("voting.board.not_open", q.board.spoil, q.eid, *audited())
    q.board.schedule(q.eid, _now() - HOUR, _now() + HOUR, SIMULACRO)
    doc, disclosed = audited()
    _refused("voting.board.closed", q.board.spoil, q.eid, doc, disclosed, _now() + 2 * HOUR)
    q.board.cast(q.eid, ballot(2))  # the election's row is now kept by this process
    q.board.close(q.eid)
    _refused("voting.board.closed", q.board.spoil, q.eid, doc, disclosed)


def test_an_audit_decided_on_a_replaced_list_is_refused_or_checked_again(q):
    q.open()
    doc, disclosed = audited()
    q.board.cast(q.eid, ballot(2))  # keeps the election's row (list 1)
    _set(q, digest="11" * 32)
    assert q.board.spoil(q.eid, doc, disclosed) == tracking_code(doc)


# -- closing ---------------------------------------------------------------------------------

def test_closing_signs_the_boards_count_hash_window_audits_and_fingerprint(q):
    q.open()
    _refused("voting.board.not_closed", q.board.closing_statement, q.eid)
    q.board.cast(q.eid, ballot(0))
    for voter in (2, 3):
        q.board.spoil(q.eid, *audited(voter))
    before = _now()
    statement = q.board.close(q.eid)
    row = _row(q)
    assert row.state == "closed" and before <= row.closes_at <= _now()
    lines = "".join(q.board.spoiled_lines(q.eid)).encode("ascii")
    unsigned = {k: v for k, v in statement.items() if k != "signature"}
    assert unsigned == {
        "election_id": q.eid, "ballots": 1, "final_hash": row.head_hash,
        "closed_at": row.closes_at.isoformat(), "opens_at": row.opens_at.isoformat(),
        "closes_at": row.closes_at.isoformat(), "revote_policy": "single",
        "spoiled": {"count": 2, "sha256": hashlib.sha256(lines).hexdigest()},
        "fingerprint": row.fingerprint}
    assert verify_server_statement(CLOSING_TAG, statement, q.board.server_key(q.eid))
    assert q.board.close(q.eid) == statement == q.board.closing_statement(q.eid)
    assert _row(q).closes_at == row.closes_at


def test_closing_an_election_ended_by_the_clock_keeps_its_end(q):
    q.board.register(ceremony())
    q.board.load_credentials(q.eid, credential_list())
    end = (_now() - HOUR).replace(microsecond=0)
    q.board.schedule(q.eid, end - HOUR, end, SIMULACRO)
    statement = q.board.close(q.eid)
    assert statement["closes_at"] == statement["closed_at"] == end.isoformat()
    assert statement["spoiled"] == {"count": 0, "sha256": hashlib.sha256().hexdigest()}


def test_closing_an_election_never_scheduled(q):
    q.board.register(ceremony())
    before = _now()
    statement = q.board.close(q.eid)
    assert statement["opens_at"] is None and statement["fingerprint"] == ""
    assert before <= dt.datetime.fromisoformat(statement["closes_at"]) <= _now()
    _refused("voting.board.unknown_election", q.board.close, "otra", election="otra")


# -- reading ---------------------------------------------------------------------------------

def test_entries_and_audits_read_in_order_by_page(q):
    q.open(policy="last")
    docs = [ballot(0), ballot(2), ballot(0, JAL_OTHER), ballot(3), ballot(2, JAL_OTHER)]
    for doc in docs:
        q.board.cast(q.eid, doc)
    codes = [tracking_code(d) for d in docs]
    assert [e.tracking_code for e in q.board.entries(q.eid)] == codes
    assert [e.position for e in q.board.entries(q.eid, 1, 2)] == [2, 3]
    assert [e.position for e in q.board.entries(q.eid, 3)] == [4, 5]
    assert [e.tracking_code for e in q.board.stream(q.eid, page=2)] == codes
    assert q.board.counted_positions(q.eid) == {3, 4, 5}
    assert q.board.find(q.eid, codes[1]).position == 2
    assert q.board.find(q.eid, "00" * 32) is None and q.board.find("otra", codes[1]) is None
    audits = [audited(0), audited(2), audited(3)]
    for doc, disclosed in audits:
        q.board.spoil(q.eid, doc, disclosed)
    spoiled = [tracking_code(d) for d, _ in audits]
    assert [s.tracking_code for s in q.board.spoiled(q.eid)] == spoiled
    assert [s.tracking_code for s in q.board.spoiled(q.eid, 1, 1)] == spoiled[1:2]
    assert [s.tracking_code for s in q.board.spoiled(q.eid, 2)] == spoiled[2:]
    assert [s.tracking_code for s in q.board.stream_spoiled(q.eid, page=1)] == spoiled
    assert q.board.spoiled_count("otra") == 0 and q.board.find_spoiled(q.eid, codes[0]) is None
    assert q.board.find_spoiled("otra", spoiled[0]) is None
    assert list(q.board.stream_spoiled("otra")) == []


def test_under_the_single_policy_every_ballot_counts(q):
    q.open()
    q.board.cast(q.eid, ballot(0))
    assert q.board.counted_positions(q.eid) is None
    assert list(q.board.stream("otra")) == [] and list(q.board.stream_spoiled(q.eid)) == []


# -- the parsed election, kept per process ---------------------------------------------------

def test_the_parsed_election_is_kept_for_the_eight_latest_keys(q):
    built = []

    def build(n):
        return lambda: built.append(n) or n

    for n in range(8):
        assert boards._cached(("e", str(n)), build(n)) == n
    assert boards._cached(("e", "0"), build(100)) == 0  # a hit, now the latest
    boards._cached(("e", "8"), build(8))
    assert boards._cached(("e", "0"), build(200)) == 0
    assert boards._cached(("e", "1"), build(1)) == 1  # the oldest was dropped
    assert built == [0, 1, 2, 3, 4, 5, 6, 7, 8, 1]


def test_the_parsed_election_from_its_row(q):
    q.board.register(ceremony())
    row = _row(q)
    assert boards.loaded(row).eligible == {}
    q.board.load_credentials(q.eid, credential_list())
    assert boards.loaded(_row(q)).eligible == {public(i): e for i, e in enumerate(ENTITIES)}
    with q.board.sessions() as s:
        data = boards.loaded_by_id(s, q.eid)
        assert data.eligible == {public(i): e for i, e in enumerate(ENTITIES)}
        assert data.context.base_hash == q.ctx.base_hash
        with pytest.raises(UserError) as err:
            boards.loaded_by_id(s, "otra")
    assert (err.value.key, err.value.params) == ("voting.board.unknown_election",
                                                 {"election": "otra"})


def test_a_stored_manifest_that_no_longer_parses_is_named_by_its_record_file(q):
    q.open()
    _set(q, manifest="{")
    _refused("voting.manifest.syntax", q.board.cast, q.eid, ballot(0), source="manifest.json",
             line=1, reason="while parsing a flow node")
