"""Encrypted ballots: encryption with proofs, signature, tracking code, verification, Benaloh.

Format and every hash input: docs/record.md §6. A ballot holds, for each contest of the
voter's entity in manifest order, one ciphertext per option, a 0/1 proof per ciphertext, and a
proof that the contest's ciphertexts add up to an encryption of 1. It is signed with the voter's
credential key. Proof contexts include the base hash and the voter's public credential, so a
ballot's proofs cannot be re-signed by another voter or moved to another election.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vmre.crypto import elgamal, proofs, schnorr
from vmre.crypto.elgamal import Ciphertext
from vmre.crypto.encoding import canonical_json
from vmre.crypto.group import (
    G,
    GroupError,
    L,
    Point,
    base_mul,
    hash_to_scalar,
    point_from_hex,
    random_scalar,
    scalar_bytes,
    scalar_from_hex,
)
from vmre.voting.context import ElectionContext
from vmre.voting.manifest import Contest

SUM_TAG = "vmre/proof/sum/v1"
SIGNATURE_TAG = "vmre/ballot/v1"
VERSION = 1
MAX_BALLOT_BYTES = 256 * 1024

Nonces = Callable[[], int]


class BallotError(Exception):
    """A ballot that the board must refuse; `code` names the check (catalogue key suffix)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


@dataclass(frozen=True)
class ParsedContest:
    contest_id: str
    ciphertexts: tuple[Ciphertext, ...]
    bit_proofs: tuple[proofs.BitProof, ...]
    sum_proof: proofs.EqualLogsProof


@dataclass(frozen=True)
class ParsedBallot:
    credential: Point
    contests: tuple[ParsedContest, ...]
    signature: schnorr.Signature
    document: dict


def deterministic_nonces(seed: str) -> Nonces:
    """Reproducible nonces for shared test vectors only (docs/record.md §6.4)."""
    counter = iter(range(1 << 62))
    return lambda: hash_to_scalar("vmre/test-vector/v1", seed, next(counter))


def _hex(k: int) -> str:
    return scalar_bytes(k).hex()


def option_context(ctx: ElectionContext, credential: Point, contest_id: str, k: int) -> tuple:
    return (ctx.base_hash, credential, contest_id, k)


def sum_context(ctx: ElectionContext, credential: Point, contest_id: str) -> tuple:
    return (ctx.base_hash, credential, contest_id)


def encrypt_contest(ctx: ElectionContext, credential: Point, contest: Contest, choice: int,
                    nonce: Nonces) -> tuple[dict, list[int]]:
    """One contest's ciphertexts and proofs; also returns the randomness (for Benaloh)."""
    pk = ctx.joint_key
    choices, randomness = [], []
    for k in range(len(contest.options)):
        m = 1 if k == choice else 0
        r = nonce()
        ct = elgamal.encrypt(pk, m, r)
        proof = proofs.prove_bit(pk, ct, m, r, option_context(ctx, credential, contest.id, k),
                                 (nonce(), nonce(), nonce()))
        randomness.append(r)
        choices.append({"alpha": ct.alpha.hex(), "beta": ct.beta.hex(),
                        "proof": [_hex(proof.c0), _hex(proof.c1), _hex(proof.s0),
                                  _hex(proof.s1)]})
    total_r = sum(randomness) % L
    total = elgamal.add_all(
        Ciphertext(point_from_hex(c["alpha"], True), point_from_hex(c["beta"], True))
        for c in choices)
    sp = proofs.prove_equal_logs(SUM_TAG, pk, total.alpha, total.beta - G, total_r,
                                 sum_context(ctx, credential, contest.id), nonce())
    return ({"id": contest.id, "choices": choices,
             "sum_proof": [_hex(sp.challenge), _hex(sp.response)]}, randomness)


def encrypt_ballot(ctx: ElectionContext, entity: str, signing_key: int,
                   selections: Mapping[str, str], nonce: Nonces = random_scalar
                   ) -> tuple[dict, dict[str, list[int]]]:
    """The signed ballot for a voter of `entity`, and its randomness per contest.

    `selections` maps every contest id of the entity to the chosen option id.
    """
    credential = base_mul(signing_key)
    contests = ctx.manifest.contests_for(entity)
    if set(selections) != {c.id for c in contests}:
        raise BallotError("wrong_contests")
    body_contests, randomness = [], {}
    for contest in contests:
        encrypted, rs = encrypt_contest(ctx, credential, contest,
                                        contest.option_index(selections[contest.id]), nonce)
        body_contests.append(encrypted)
        randomness[contest.id] = rs
    body = {"version": VERSION, "election_id": ctx.election_id,
            "base_hash": ctx.base_hash.hex(), "credential": credential.hex(),
            "contests": body_contests}
    sig = schnorr.sign(SIGNATURE_TAG, signing_key, credential, canonical_json(body),
                       (ctx.base_hash,), nonce())
    body["signature"] = [_hex(sig.challenge), _hex(sig.response)]
    return body, randomness


def tracking_code(ballot: dict) -> str:
    return hashlib.sha256(canonical_json(ballot)).hexdigest()


def parse_ballot(ctx: ElectionContext, ballot: object) -> ParsedBallot:
    """Structure and encodings (not the proofs): BallotError on anything malformed."""
    if not isinstance(ballot, dict):
        raise BallotError("malformed", reason="not an object")
    if len(canonical_json(ballot)) > MAX_BALLOT_BYTES:
        raise BallotError("oversized")
    try:
        if ballot["version"] != VERSION or set(ballot) != {
                "version", "election_id", "base_hash", "credential", "contests", "signature"}:
            raise BallotError("malformed", reason="fields")
        if ballot["election_id"] != ctx.election_id or ballot["base_hash"] != ctx.base_hash.hex():
            raise BallotError("wrong_election")
        credential = point_from_hex(ballot["credential"])
        contests = []
        for c in ballot["contests"]:
            cts, bits = [], []
            for choice in c["choices"]:
                cts.append(Ciphertext(point_from_hex(choice["alpha"]),
                                      point_from_hex(choice["beta"])))
                c0, c1, s0, s1 = (scalar_from_hex(x) for x in choice["proof"])
                bits.append(proofs.BitProof(c0, c1, s0, s1))
            sc, ss = (scalar_from_hex(x) for x in c["sum_proof"])
            contests.append(ParsedContest(str(c["id"]), tuple(cts), tuple(bits),
                                          proofs.EqualLogsProof(sc, ss)))
        sig_c, sig_s = (scalar_from_hex(x) for x in ballot["signature"])
    except GroupError as err:
        raise BallotError("invalid_point", reason=str(err)) from None
    except (KeyError, TypeError, ValueError) as err:
        raise BallotError("malformed", reason=type(err).__name__) from None
    return ParsedBallot(credential, tuple(contests), schnorr.Signature(sig_c, sig_s), ballot)


def verify_ballot(ctx: ElectionContext, parsed: ParsedBallot, entity: str) -> None:
    """Every proof and the signature; BallotError naming the first failing check."""
    expected = ctx.manifest.contests_for(entity)
    if [c.contest_id for c in parsed.contests] != [c.id for c in expected]:
        raise BallotError("wrong_contests")
    body = {k: v for k, v in parsed.document.items() if k != "signature"}
    if not schnorr.verify(SIGNATURE_TAG, parsed.credential, canonical_json(body), parsed.signature,
                          (ctx.base_hash,)):
        raise BallotError("bad_signature")
    pk = ctx.joint_key
    for contest, pc in zip(expected, parsed.contests, strict=True):
        if len(pc.ciphertexts) != len(contest.options):
            raise BallotError("wrong_option_count", contest=contest.id)
        for k, (ct, bp) in enumerate(zip(pc.ciphertexts, pc.bit_proofs, strict=True)):
            if not proofs.verify_bit(pk, ct, bp,
                                     option_context(ctx, parsed.credential, contest.id, k)):
                raise BallotError("bad_option_proof", contest=contest.id, option=k)
        total = elgamal.add_all(pc.ciphertexts)
        if not proofs.verify_equal_logs(SUM_TAG, pk, total.alpha, total.beta - G, pc.sum_proof,
                                        sum_context(ctx, parsed.credential, contest.id)):
            raise BallotError("bad_sum_proof", contest=contest.id)


def reveal(ballot: dict, selections: Mapping[str, str], randomness: Mapping[str, list[int]]
           ) -> dict:
    """What a Benaloh challenge discloses: the choices and every encryption nonce."""
    return {"tracking_code": tracking_code(ballot), "selections": dict(selections),
            "nonces": {cid: [_hex(r) for r in rs] for cid, rs in randomness.items()}}


DISCLOSURE_FIELDS = {"tracking_code", "selections", "nonces"}


def check_disclosure_shape(parsed: ParsedBallot, disclosed: object) -> None:
    """Exactly the three fields, and for exactly the ballot's contests an option id of that
    contest and one nonce per option: nothing else (free text, extra contests) is ever
    published as an audited ballot's choice (docs/record.md §8.1)."""
    contests = [pc.contest_id for pc in parsed.contests]
    if not isinstance(disclosed, dict) or set(disclosed) != DISCLOSURE_FIELDS:
        raise BallotError("bad_disclosure", reason="fields")
    selections, nonces = disclosed["selections"], disclosed["nonces"]
    if not isinstance(selections, dict) or sorted(selections) != sorted(contests):
        raise BallotError("bad_disclosure", reason="selections")
    if not isinstance(nonces, dict) or sorted(nonces) != sorted(contests):
        raise BallotError("bad_disclosure", reason="nonces")
    for pc in parsed.contests:
        if not isinstance(selections[pc.contest_id], str) or not isinstance(
                nonces[pc.contest_id], list):
            raise BallotError("bad_disclosure", reason=pc.contest_id)


def check_reveal(ctx: ElectionContext, parsed: ParsedBallot, disclosed: dict) -> None:
    """A spoiled ballot's ciphertexts are exactly Enc(choice; nonce): cast-as-intended."""
    check_disclosure_shape(parsed, disclosed)
    for pc in parsed.contests:
        try:
            options = {o.id for o in ctx.manifest.contest(pc.contest_id).options}
        except KeyError:
            raise BallotError("wrong_contests") from None
        if disclosed["selections"][pc.contest_id] not in options:
            raise BallotError("bad_disclosure", reason=pc.contest_id)
    try:
        if disclosed["tracking_code"] != tracking_code(parsed.document):
            raise BallotError("reveal_mismatch", reason="tracking code")
        for pc in parsed.contests:
            contest = ctx.manifest.contest(pc.contest_id)
            choice = contest.option_index(disclosed["selections"][pc.contest_id])
            nonces = [scalar_from_hex(x) for x in disclosed["nonces"][pc.contest_id]]
            if len(nonces) != len(pc.ciphertexts):
                raise BallotError("reveal_mismatch", reason=pc.contest_id)
            for k, (ct, r) in enumerate(zip(pc.ciphertexts, nonces, strict=True)):
                if elgamal.encrypt(ctx.joint_key, int(k == choice), r) != ct:
                    raise BallotError("reveal_mismatch", reason=f"{pc.contest_id}[{k}]")
    except (KeyError, TypeError, ValueError, GroupError) as err:
        raise BallotError("reveal_mismatch", reason=type(err).__name__) from None

