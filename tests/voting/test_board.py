"""The board on both databases: accepted ballots, refusals that leave the board unchanged."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from vmre.core.messages import UserError
from vmre.simulacro.election import ReadyElection as Ready
from vmre.simulacro.election import open_election
from vmre.voting.ballot import encrypt_ballot, reveal, tracking_code
from vmre.voting.board import verify_receipt

JAL = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}


def _refused(ready: Ready, document, key: str) -> None:
    eid = ready.ctx.election_id
    before = ready.board.election(eid)
    with pytest.raises(UserError) as err:
        ready.board.cast(eid, document)
    assert err.value.key == key, err.value
    after = ready.board.election(eid)
    assert (after.head_hash, after.ballot_count) == (before.head_hash, before.ballot_count)


def test_cast_returns_signed_receipt_after_commit(ready: Ready):
    eid = ready.ctx.election_id
    doc, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    receipt = ready.board.cast(eid, doc)
    assert receipt["position"] == 1 and receipt["tracking_code"] == tracking_code(doc)
    assert verify_receipt(receipt, ready.board.server_key(eid))
    forged = dict(receipt, position=2)
    assert not verify_receipt(forged, ready.board.server_key(eid))
    entry = ready.board.find(eid, receipt["tracking_code"])
    assert entry is not None and entry.entry_hash == receipt["entry_hash"]
    assert entry.prev_hash == ready.ctx.base_hash.hex()


def test_second_ballot_refused_under_single_policy(ready: Ready):
    eid = ready.ctx.election_id
    ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)[0])
    again, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    _refused(ready, again, "voting.ballot.already_voted")


def test_same_ballot_again_gets_the_first_receipt_and_no_second_entry(ready: Ready):
    """A voter whose answer was lost sends the same ballot again: the receipt given the first
    time (same signature: the server's nonce is derived), marked as not new."""
    eid = ready.ctx.election_id
    doc, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    first = ready.board.cast(eid, doc)
    again, new = ready.board.submit(eid, doc)
    assert again == first and new is False
    assert ready.board.election(eid).ballot_count == 1
    ready.board.close(eid)  # also after the close
    assert ready.board.submit(eid, doc) == (first, False)


def test_another_voters_proofs_resigned_are_refused(ready: Ready):
    """Voter 2 copies voter 0's ciphertexts and proofs and signs them with its own key."""
    from vmre.crypto import schnorr
    from vmre.crypto.encoding import canonical_json
    from vmre.crypto.group import base_mul, scalar_bytes
    from vmre.voting.ballot import SIGNATURE_TAG

    doc, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    copied = copy.deepcopy(doc)
    key2 = ready.key(2)
    copied["credential"] = base_mul(key2).hex()
    del copied["signature"]
    sig = schnorr.sign(SIGNATURE_TAG, key2, base_mul(key2), canonical_json(copied),
                       (ready.ctx.base_hash,))
    copied["signature"] = [scalar_bytes(sig.challenge).hex(), scalar_bytes(sig.response).hex()]
    _refused(ready, copied, "voting.ballot.bad_option_proof")


def test_ballot_for_another_election_refused(tmp_path, sqlite_url, ready_sqlite: Ready):
    other = open_election(tmp_path / "other", f"sqlite:///{tmp_path / 'other.sqlite'}")
    doc, _ = encrypt_ballot(other.ctx, "JAL", other.key(0), JAL)
    _refused(ready_sqlite, doc, "voting.ballot.wrong_election")


def test_credential_not_on_list_refused(ready: Ready):
    from vmre.crypto.group import random_scalar

    doc, _ = encrypt_ballot(ready.ctx, "JAL", random_scalar(), JAL)
    _refused(ready, doc, "voting.ballot.not_eligible")


def test_wrong_entity_contests_refused(ready: Ready):
    doc, _ = encrypt_ballot(ready.ctx, "CDMX", ready.key(0), {"jefatura-cdmx": "mc"})
    _refused(ready, doc, "voting.ballot.wrong_contests")


# A changed ballot left with its old signature: the signature check refuses it first. The
# inner checks (option count, sum proof) are reached with re-signed ballots in
# test_resigned_tampers.py.
EXTRA_UNSIGNED = "extra_option_unsigned_is_refused_by_signature"
SUM_UNSIGNED = "sum_proof_unsigned_is_refused_by_signature"


@pytest.mark.parametrize("mutation", ["bad_point", "identity", "not_hex", "missing_field",
                                      EXTRA_UNSIGNED, "oversized", "not_object", SUM_UNSIGNED,
                                      "signature"])
def test_malformed_ballots_refused_with_specific_error(ready: Ready, mutation: str):
    doc, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    bad = copy.deepcopy(doc)
    choice = bad["contests"][0]["choices"][0]
    expected = {"bad_point": "invalid_point", "identity": "invalid_point",
                "not_hex": "invalid_point", "missing_field": "malformed",
                EXTRA_UNSIGNED: "bad_signature", "oversized": "oversized",
                "not_object": "malformed", SUM_UNSIGNED: "bad_signature",
                "signature": "bad_signature"}[mutation]
    if mutation == "bad_point":
        choice["alpha"] = "ff" * 32
    elif mutation == "identity":
        choice["beta"] = "00" * 32
    elif mutation == "not_hex":
        choice["alpha"] = "zz"
    elif mutation == "missing_field":
        del bad["credential"]
    elif mutation == EXTRA_UNSIGNED:
        bad["contests"][0]["choices"].append(copy.deepcopy(choice))
    elif mutation == "oversized":
        bad["contests"][0]["choices"] *= 200
    elif mutation == "not_object":
        bad = ["no"]
    elif mutation == SUM_UNSIGNED:
        bad["contests"][0]["sum_proof"][1] = doc["contests"][0]["sum_proof"][0]
    elif mutation == "signature":
        bad["signature"][1] = bad["signature"][0]
    _refused(ready, bad, f"voting.ballot.{expected}")


def test_wrong_sum_proof_with_valid_signature_is_named(ready_sqlite: Ready):
    """A voter who marks two options gets bit proofs that pass but a sum proof that fails."""
    from vmre.crypto import elgamal, proofs, schnorr
    from vmre.crypto.encoding import canonical_json
    from vmre.crypto.group import base_mul, random_scalar, scalar_bytes
    from vmre.voting.ballot import SIGNATURE_TAG, option_context

    ready = ready_sqlite
    doc, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    cred = base_mul(ready.key(0))
    r = random_scalar()
    ct = elgamal.encrypt(ready.ctx.joint_key, 1, r)  # a second "1" in option 0
    p = proofs.prove_bit(ready.ctx.joint_key, ct, 1, r,
                         option_context(ready.ctx, cred, "gob-jal", 0))
    h = lambda k: scalar_bytes(k).hex()  # noqa: E731
    doc["contests"][0]["choices"][0] = {"alpha": ct.alpha.hex(), "beta": ct.beta.hex(),
                                        "proof": [h(p.c0), h(p.c1), h(p.s0), h(p.s1)]}
    del doc["signature"]
    sig = schnorr.sign(SIGNATURE_TAG, ready.key(0), cred, canonical_json(doc),
                       (ready.ctx.base_hash,))
    doc["signature"] = [h(sig.challenge), h(sig.response)]
    _refused(ready, doc, "voting.ballot.bad_sum_proof")


def test_spoiled_ballot_cannot_then_be_cast(ready: Ready):
    eid = ready.ctx.election_id
    doc, rs = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    ready.board.spoil(eid, doc, reveal(doc, JAL, rs))
    assert [s.tracking_code for s in ready.board.spoiled(eid)] == [tracking_code(doc)]
    _refused(ready, doc, "voting.ballot.audited")
    fresh, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    assert ready.board.cast(eid, fresh)["position"] == 1


def test_lying_disclosure_refused(ready_sqlite: Ready):
    ready = ready_sqlite
    doc, rs = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    lie = reveal(doc, {"gob-jal": "morena", "dip-migrante-jal": "mc"}, rs)
    with pytest.raises(UserError) as err:
        ready.board.spoil(ready.ctx.election_id, doc, lie)
    assert err.value.key == "voting.ballot.reveal_mismatch"


def test_voting_window_enforced(ready_sqlite: Ready):
    ready = ready_sqlite
    eid = ready.ctx.election_id
    doc, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    late = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    with pytest.raises(UserError) as err:
        ready.board.cast(eid, doc, when=late)
    assert err.value.key == "voting.board.closed"
    early = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    with pytest.raises(UserError) as err:
        ready.board.cast(eid, doc, when=early)
    assert err.value.key == "voting.board.not_open"
    ready.board.close(eid)
    _refused(ready, doc, "voting.board.closed")


def test_last_ballot_counts_policy(tmp_path, sqlite_url):
    from vmre.voting import closing

    ready = open_election(tmp_path, sqlite_url, policy="last")
    eid = ready.ctx.election_id
    ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)[0])
    second = {"gob-jal": "morena", "dip-migrante-jal": "nulo"}
    assert ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", ready.key(0), second)[0])[
        "position"] == 2
    ready.board.close(eid)
    aggregate = closing.aggregate(ready.board, eid)
    assert aggregate["contests"]["gob-jal"]["ballots"] == 1


def test_bulk_intake_verifies_in_parallel_and_keeps_order(ready_sqlite: Ready):
    ready = ready_sqlite
    eid = ready.ctx.election_id
    good0, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    good1, _ = encrypt_ballot(ready.ctx, "CDMX", ready.key(1), {"jefatura-cdmx": "nulo"})
    forged = copy.deepcopy(good1)
    forged["signature"][1] = forged["signature"][0]
    again, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    out = ready.board.cast_many(eid, [good0, forged, good1, again])
    assert out[0]["position"] == 1 and out[2]["position"] == 2
    assert isinstance(out[1], UserError) and out[1].key == "voting.ballot.bad_signature"
    assert isinstance(out[3], UserError) and out[3].key == "voting.ballot.already_voted"
    assert ready.board.election(eid).ballot_count == 2
