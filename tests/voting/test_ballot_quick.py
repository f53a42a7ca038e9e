"""vmre.voting.ballot called directly on a small election's context (quick_election.py):
encryption, structure, contest ids, option counts, proofs, signature and Benaloh disclosures,
each refusal with its exact code and parameters. Fast enough to run for every mutant of
ballot.py (docs/testing.md §2); test_board.py and test_resigned_tampers.py walk the same
refusals through the board."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from quick_election import CDMX, JAL, ballot, context, key, randomness

from support.resign import hexs, one_hot, options, sign_ballot, with_contest
from vmre.crypto import elgamal, proofs, schnorr
from vmre.crypto.encoding import canonical_json
from vmre.crypto.group import G, L, base_mul, hash_to_scalar, point_from_hex, scalar_from_hex
from vmre.voting import ballot as ballots
from vmre.voting.ballot import BallotError


def _refused(code: str, call, *args, **params) -> None:
    with pytest.raises(BallotError) as err:
        call(*args)
    assert (err.value.code, err.value.params, str(err.value)) == (code, params, code)


def _parsed(document: dict) -> ballots.ParsedBallot:
    return ballots.parse_ballot(context(), document)


def _verify(document: dict, entity: str = "JAL") -> None:
    ballots.verify_ballot(context(), _parsed(document), entity)


# -- encryption ------------------------------------------------------------------------------

def test_deterministic_nonces_are_the_documented_hash_sequence():
    a, b = ballots.deterministic_nonces("s"), ballots.deterministic_nonces("s")
    first = [a() for _ in range(3)]
    assert first == [b() for _ in range(3)]
    assert first == [hash_to_scalar("vmre/test-vector/v1", "s", i) for i in range(3)]


def test_contexts_bind_base_hash_credential_contest_and_option():
    ctx, cred = context(), base_mul(key(0))
    assert ballots.option_context(ctx, cred, "gob-jal", 3) == (ctx.base_hash, cred, "gob-jal", 3)
    assert ballots.sum_context(ctx, cred, "gob-jal") == (ctx.base_hash, cred, "gob-jal")


def test_an_encrypted_contest_is_one_hot_with_proofs_that_hold():
    ctx, cred = context(), base_mul(key(0))
    contest = ctx.manifest.contest("dip-migrante-jal")
    nonce = ballots.deterministic_nonces("contest")
    encrypted, rs = ballots.encrypt_contest(ctx, cred, contest, 2, nonce)
    assert encrypted["id"] == "dip-migrante-jal" and set(encrypted) == {"id", "choices",
                                                                         "sum_proof"}
    assert len(encrypted["choices"]) == len(rs) == len(contest.options)
    cts = []
    for k, (choice, r) in enumerate(zip(encrypted["choices"], rs, strict=True)):
        ct = elgamal.Ciphertext(point_from_hex(choice["alpha"]), point_from_hex(choice["beta"]))
        assert ct == elgamal.encrypt(ctx.joint_key, int(k == 2), r)
        assert all(len(x) == 64 for x in choice["proof"])
        bp = proofs.BitProof(*(scalar_from_hex(x) for x in choice["proof"]))
        assert proofs.verify_bit(ctx.joint_key, ct, bp,
                                 ballots.option_context(ctx, cred, contest.id, k))
        cts.append(ct)
    total = elgamal.add_all(cts)
    sp = proofs.EqualLogsProof(*(scalar_from_hex(x) for x in encrypted["sum_proof"]))
    assert proofs.verify_equal_logs(ballots.SUM_TAG, ctx.joint_key, total.alpha,
                                    total.beta - G, sp, ballots.sum_context(ctx, cred, contest.id))
    again, _ = ballots.encrypt_contest(ctx, cred, contest, 2, ballots.deterministic_nonces(
        "contest"))
    assert again == encrypted


def test_an_encrypted_ballot_has_its_fields_signature_and_contests_in_manifest_order():
    ctx = context()
    doc, rs = ballots.encrypt_ballot(ctx, "JAL", key(0), JAL, ballots.deterministic_nonces("b"))
    assert list(doc) == ["version", "election_id", "base_hash", "credential", "contests",
                         "signature"]
    assert (doc["version"], doc["election_id"], doc["base_hash"], doc["credential"]) == (
        1, ctx.election_id, ctx.base_hash.hex(), base_mul(key(0)).hex())
    assert [c["id"] for c in doc["contests"]] == ["gob-jal", "dip-migrante-jal"]
    assert set(rs) == {"gob-jal", "dip-migrante-jal"}
    body = {k: v for k, v in doc.items() if k != "signature"}
    sig = schnorr.Signature(*(scalar_from_hex(x) for x in doc["signature"]))
    assert schnorr.verify(ballots.SIGNATURE_TAG, base_mul(key(0)), canonical_json(body), sig,
                          (ctx.base_hash,))
    assert not schnorr.verify(ballots.SIGNATURE_TAG, base_mul(key(0)), canonical_json(body),
                              sig)
    assert ballots.encrypt_ballot(ctx, "JAL", key(0), JAL,
                                  ballots.deterministic_nonces("b"))[0] == doc
    _verify(doc)
    for contest in doc["contests"]:
        chosen = ctx.manifest.contest(contest["id"]).option_index(JAL[contest["id"]])
        for k, (choice, r) in enumerate(zip(contest["choices"], rs[contest["id"]],
                                            strict=True)):
            assert choice["alpha"] == elgamal.encrypt(ctx.joint_key, int(k == chosen),
                                                      r).alpha.hex()


def test_a_zero_nonce_gives_an_identity_component_and_still_a_proved_contest():
    """A nonce of 0 (drawn with probability 1/L) makes option 0's ciphertext (identity,
    identity): the device reads its own ciphertexts back allowing the identity, so the contest
    is still encrypted and proved."""
    ctx, cred = context(), base_mul(key(0))
    contest = ctx.manifest.contest("dip-migrante-jal")
    others = ballots.deterministic_nonces("zero")
    zero = [0]

    def nonce() -> int:  # the first nonce drawn (option 0's encryption) is 0
        return zero.pop() if zero else others()

    encrypted, rs = ballots.encrypt_contest(ctx, cred, contest, 1, nonce)
    assert rs[0] == 0
    assert encrypted["choices"][0]["alpha"] == encrypted["choices"][0]["beta"] == "00" * 32
    cts = [elgamal.Ciphertext(point_from_hex(c["alpha"], True), point_from_hex(c["beta"], True))
           for c in encrypted["choices"]]
    total = elgamal.add_all(cts)
    sp = proofs.EqualLogsProof(*(scalar_from_hex(x) for x in encrypted["sum_proof"]))
    assert proofs.verify_equal_logs(ballots.SUM_TAG, ctx.joint_key, total.alpha,
                                    total.beta - G, sp, ballots.sum_context(ctx, cred, contest.id))


@pytest.mark.parametrize("selections", [{"gob-jal": "pan"}, dict(JAL, **CDMX), CDMX])
def test_encrypting_other_contests_than_the_entitys_is_refused(selections):
    _refused("wrong_contests", ballots.encrypt_ballot, context(), "JAL", key(0), selections)


def test_the_tracking_code_is_the_sha256_of_the_canonical_ballot():
    doc = ballot(0)
    assert ballots.tracking_code(doc) == hashlib.sha256(canonical_json(doc)).hexdigest()


# -- structure -------------------------------------------------------------------------------

def test_an_honest_ballot_parses_into_its_parts():
    doc = ballot(0)
    parsed = _parsed(doc)
    assert parsed.credential == base_mul(key(0)) and parsed.document is doc
    assert [c.contest_id for c in parsed.contests] == ["gob-jal", "dip-migrante-jal"]
    first = parsed.contests[0]
    choice = doc["contests"][0]["choices"][1]
    assert first.ciphertexts[1] == elgamal.Ciphertext(point_from_hex(choice["alpha"]),
                                                      point_from_hex(choice["beta"]))
    assert first.bit_proofs[1] == proofs.BitProof(*(scalar_from_hex(x)
                                                    for x in choice["proof"]))
    assert first.sum_proof == proofs.EqualLogsProof(
        *(scalar_from_hex(x) for x in doc["contests"][0]["sum_proof"]))
    assert parsed.signature == schnorr.Signature(*(scalar_from_hex(x)
                                                   for x in doc["signature"]))
    assert len(first.ciphertexts) == len(first.bit_proofs) == options(context(), "gob-jal")


def _set(path: list, value):
    def change(doc):
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return change


def _delete(path: list):
    def change(doc):
        target = doc
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
    return change


CHOICE = ["contests", 0, "choices", 0]
STRUCTURE_CASES = {
    "version 2": (_set(["version"], 2), "malformed", {"reason": "fields"}),
    "extra field": (_set(["extra"], 1), "malformed", {"reason": "fields"}),
    "no signature": (_delete(["signature"]), "malformed", {"reason": "fields"}),
    "no version": (_delete(["version"]), "malformed", {"reason": "KeyError"}),
    "other election id": (_set(["election_id"], "otra"), "wrong_election", {}),
    "other base hash": (_set(["base_hash"], "00" * 32), "wrong_election", {}),
    "contests not a list": (_set(["contests"], 5), "malformed", {"reason": "TypeError"}),
    "contest without id": (_delete(["contests", 0, "id"]), "malformed", {"reason": "KeyError"}),
    "choice without beta": (_delete([*CHOICE, "beta"]), "malformed", {"reason": "KeyError"}),
    "three-part proof": (lambda d: d["contests"][0]["choices"][0]["proof"].pop(), "malformed",
                         {"reason": "ValueError"}),
    "one-part sum proof": (lambda d: d["contests"][1]["sum_proof"].pop(), "malformed",
                           {"reason": "ValueError"}),
    "three-part signature": (lambda d: d["signature"].append(d["signature"][0]), "malformed",
                             {"reason": "ValueError"}),
    "proof scalar L": (lambda d: d["contests"][0]["choices"][0]["proof"].__setitem__(
        0, L.to_bytes(32, "little").hex()), "invalid_point", None),
    "signature not hex": (_set(["signature", 0], "zz" * 32), "invalid_point", None),
}


@pytest.mark.parametrize("case", sorted(STRUCTURE_CASES))
def test_a_malformed_ballot_is_refused_with_its_code(case):
    change, code, params = STRUCTURE_CASES[case]
    doc = ballot(0)
    change(doc)
    with pytest.raises(BallotError) as err:
        _parsed(doc)
    assert err.value.code == code
    if params is not None:
        assert err.value.params == params
    else:
        assert set(err.value.params) == {"reason"} and err.value.params["reason"]


@pytest.mark.parametrize("field,value", [("credential", "00" * 32), ("credential", "ff" * 32),
                                         ("alpha", "00" * 32), ("beta", "zz")])
def test_a_value_that_is_not_a_group_element_is_refused_with_the_groups_reason(field, value):
    doc = ballot(0)
    (doc if field == "credential" else doc["contests"][0]["choices"][0])[field] = value
    try:
        point_from_hex(value)
    except Exception as err:  # the group's own text is the refusal's reason
        reason = str(err)
    _refused("invalid_point", _parsed, doc, reason=reason)


@pytest.mark.parametrize("document", [[], "ballot", None, 3])
def test_a_ballot_that_is_not_an_object_is_refused(document):
    _refused("malformed", _parsed, document, reason="not an object")


def test_an_oversized_ballot_is_refused_before_anything_else():
    doc = {"padding": "x" * ballots.MAX_BALLOT_BYTES}
    _refused("oversized", _parsed, doc)
    room = ballots.MAX_BALLOT_BYTES - len(canonical_json({"p": "", "version": 1}))
    just = {"p": "x" * room, "version": 1}
    assert len(canonical_json(just)) == ballots.MAX_BALLOT_BYTES
    _refused("malformed", _parsed, just, reason="fields")


# -- proofs and signature --------------------------------------------------------------------

def test_an_honest_ballot_verifies_for_its_entity_only():
    _verify(ballot(0))
    _verify(ballot(1), "CDMX")
    _refused("wrong_contests", _verify, ballot(0), "CDMX")
    _refused("wrong_contests", _verify, ballot(1), "JAL")


def test_contests_in_another_order_or_missing_are_refused():
    doc = ballot(0)
    doc["contests"].reverse()
    _refused("wrong_contests", _verify, sign_ballot(context(), key(0), doc))
    doc = ballot(0)
    doc["contests"].pop()
    _refused("wrong_contests", _verify, sign_ballot(context(), key(0), doc))


def test_a_changed_ballot_with_its_old_signature_is_refused_by_the_signature():
    doc = ballot(0)
    doc["contests"][1]["choices"][0], doc["contests"][1]["choices"][1] = (
        doc["contests"][1]["choices"][1], doc["contests"][1]["choices"][0])
    _refused("bad_signature", _verify, doc)
    other = ballot(2)
    other["signature"] = ballot(0)["signature"]
    _refused("bad_signature", _verify, other)


def test_a_ballot_signed_without_the_base_hash_is_refused():
    doc = ballot(0)
    body = {k: v for k, v in doc.items() if k != "signature"}
    sig = schnorr.sign(ballots.SIGNATURE_TAG, key(0), base_mul(key(0)), canonical_json(body))
    doc["signature"] = [hexs(sig.challenge), hexs(sig.response)]
    _refused("bad_signature", _verify, doc)


@pytest.mark.parametrize("count", [-1, 1])
def test_a_contest_with_one_option_too_few_or_too_many_is_refused(count):
    n = options(context(), "dip-migrante-jal") + count
    doc = with_contest(context(), key(0), ballot(0), 1, one_hot(n))
    _refused("wrong_option_count", _verify, doc, contest="dip-migrante-jal")


@pytest.mark.parametrize("option", [0, 2])
def test_an_option_that_is_not_0_or_1_is_refused_naming_it(option):
    n = options(context(), "dip-migrante-jal")
    plain = [0] * n
    plain[option] = 2
    plain[(option + 1) % n] = -1 % L  # the sum is still 1
    doc = with_contest(context(), key(0), ballot(0), 1, plain)
    _refused("bad_option_proof", _verify, doc, contest="dip-migrante-jal", option=option)


def test_a_proof_made_for_another_option_or_contest_is_refused():
    n = options(context(), "dip-migrante-jal")
    doc = ballot(0)
    choices = doc["contests"][1]["choices"]
    choices[0]["proof"], choices[1]["proof"] = choices[1]["proof"], choices[0]["proof"]
    _refused("bad_option_proof", _verify, sign_ballot(context(), key(0), doc),
             contest="dip-migrante-jal", option=0)
    moved = with_contest(context(), key(0), ballot(0), 0, one_hot(n), proved_as="dip-migrante-jal",
                         label="gob-jal")
    _refused("wrong_option_count", _verify, moved, contest="gob-jal")


@pytest.mark.parametrize("plain", [[1, 1], [0, 0]])
def test_a_contest_that_does_not_add_up_to_one_is_refused(plain):
    n = options(context(), "gob-jal")
    doc = with_contest(context(), key(0), ballot(0), 0, plain + [0] * (n - 2))
    _refused("bad_sum_proof", _verify, doc, contest="gob-jal")


def test_another_voters_proofs_re_signed_are_refused():
    doc = ballot(0)
    resigned = sign_ballot(context(), key(2), doc)
    _refused("bad_option_proof", _verify, resigned, contest="gob-jal", option=0)


def test_a_sum_proof_for_another_contest_is_refused():
    doc = ballot(0)
    other = ballot(0, {"gob-jal": "mc", "dip-migrante-jal": "mc"})
    doc["contests"][1]["sum_proof"] = other["contests"][1]["sum_proof"]
    _refused("bad_sum_proof", _verify, sign_ballot(context(), key(0), doc),
             contest="dip-migrante-jal")


# -- Benaloh disclosures ---------------------------------------------------------------------

def _disclosure(voter: int = 0) -> tuple[dict, dict]:
    doc = ballot(voter)
    return doc, ballots.reveal(doc, JAL, randomness(voter))


def test_a_disclosure_holds_the_tracking_code_choices_and_every_nonce():
    doc, disclosed = _disclosure()
    assert disclosed == {"tracking_code": ballots.tracking_code(doc), "selections": JAL,
                         "nonces": {cid: [hexs(r) for r in rs]
                                    for cid, rs in randomness(0).items()}}
    ballots.check_reveal(context(), _parsed(doc), disclosed)


def _shape(change) -> tuple[ballots.ParsedBallot, dict]:
    doc, disclosed = _disclosure()
    change(disclosed)
    return _parsed(doc), disclosed


SHAPE_CASES = {
    "extra field": (lambda d: d.update(extra=1), "fields"),
    "no nonces": (lambda d: d.pop("nonces"), "fields"),
    "selections a list": (lambda d: d.update(selections=list(JAL.values())), "selections"),
    "a selection missing": (lambda d: d["selections"].pop("gob-jal"), "selections"),
    "an extra selection": (lambda d: d["selections"].update(CDMX), "selections"),
    "nonces a list": (lambda d: d.update(nonces=[]), "nonces"),
    "nonces of a missing contest": (lambda d: d["nonces"].pop("dip-migrante-jal"), "nonces"),
    "nonces of an extra contest": (lambda d: d["nonces"].update({"x": []}), "nonces"),
    "a selection not text": (lambda d: d["selections"].update({"gob-jal": 3}), "gob-jal"),
    "nonces not a list": (lambda d: d["nonces"].update({"dip-migrante-jal": "ab"}),
                          "dip-migrante-jal"),
    "a selection not an option": (lambda d: d["selections"].update({"gob-jal": "nadie"}),
                                  "gob-jal"),
    "another contest's option": (lambda d: d["selections"].update(
        {"dip-migrante-jal": "pan+pri"}), "dip-migrante-jal"),
}


@pytest.mark.parametrize("case", sorted(SHAPE_CASES))
def test_a_disclosure_of_the_wrong_shape_is_refused_naming_what(case):
    change, reason = SHAPE_CASES[case]
    parsed, disclosed = _shape(change)
    _refused("bad_disclosure", ballots.check_reveal, context(), parsed, disclosed, reason=reason)


@pytest.mark.parametrize("disclosed", [None, [], "x"])
def test_a_disclosure_that_is_not_an_object_is_refused(disclosed):
    _refused("bad_disclosure", ballots.check_disclosure_shape, _parsed(ballot(0)), disclosed,
             reason="fields")


def test_a_disclosure_of_a_contest_the_manifest_lacks_is_refused():
    n = options(context(), "gob-jal")
    doc = with_contest(context(), key(0), ballot(0), 0, one_hot(n), label="gob-xyz")
    disclosed = {"tracking_code": ballots.tracking_code(doc),
                 "selections": {"gob-xyz": "pan", "dip-migrante-jal": "mc"},
                 "nonces": {"gob-xyz": [], "dip-migrante-jal": []}}
    _refused("wrong_contests", ballots.check_reveal, context(), _parsed(doc), disclosed)


def _nonce(disclosed: dict, cid: str, k: int, value) -> None:
    disclosed["nonces"][cid][k] = value


MISMATCH_CASES = {
    "tracking code": (lambda d: d.update(tracking_code="00" * 32), "tracking code"),
    "one nonce fewer": (lambda d: d["nonces"]["gob-jal"].pop(), "gob-jal"),
    "one nonce more": (lambda d: d["nonces"]["gob-jal"].append(hexs(1)), "gob-jal"),
    "a wrong nonce": (lambda d: _nonce(d, "dip-migrante-jal", 3, hexs(5)), "dip-migrante-jal[3]"),
    "the first nonce": (lambda d: _nonce(d, "gob-jal", 0, hexs(5)), "gob-jal[0]"),
    "another choice": (lambda d: d["selections"].update({"dip-migrante-jal": "pan"}),
                       "dip-migrante-jal[0]"),
    "a nonce not hex": (lambda d: _nonce(d, "gob-jal", 1, "zz"), "GroupError"),
    "a nonce not text": (lambda d: _nonce(d, "gob-jal", 1, 7), "GroupError"),
    "a tracking code not text": (lambda d: d.update(tracking_code=None), "tracking code"),
}


@pytest.mark.parametrize("case", sorted(MISMATCH_CASES))
def test_a_disclosure_that_does_not_match_the_encryption_is_refused(case):
    change, reason = MISMATCH_CASES[case]
    parsed, disclosed = _shape(change)
    _refused("reveal_mismatch", ballots.check_reveal, context(), parsed, disclosed,
             reason=reason)


def test_the_disclosure_of_a_ballot_is_checked_against_that_ballot():
    _, disclosed = _disclosure()
    other = ballot(2)
    disclosed = json.loads(json.dumps(disclosed))
    _refused("reveal_mismatch", ballots.check_reveal, context(), _parsed(other), disclosed,
             reason="tracking code")
    disclosed["tracking_code"] = ballots.tracking_code(other)
    _refused("reveal_mismatch", ballots.check_reveal, context(), _parsed(other),
             copy.deepcopy(disclosed), reason="gob-jal[0]")
