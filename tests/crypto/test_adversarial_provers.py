"""Forged proofs built the way real attacks build them, refused by every verifier.

- Weak Fiat–Shamir ("Frozen Heart"): a prover whose challenge hash leaves part of the statement
  out can pick that part *after* the challenge. Each forger here hashes exactly what such a
  weak verifier would, and the test first checks that the weak verifier accepts the forgery
  (so it is a real attack, not noise); the real verifier must refuse it.
- Non-canonical scalars: s + L and c + L satisfy the same equations as s and c, so a verifier
  that reduces them accepts a second spelling of every proof (malleable proofs, signatures and
  tracking codes).
- The identity and non-canonical point encodings: a Schnorr key at the identity lets anyone
  sign; encodings outside ristretto255's one canonical form must never decode.

Every Python verifier in vmre.crypto (and the parsers that feed them) and the browser library
(js/src/ballot.js, run under node) are held to it.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vectors.jsenv import need_node
from vmre.core.messages import UserError
from vmre.crypto import dkg, elgamal, proofs, schnorr, threshold
from vmre.crypto.elgamal import Ciphertext
from vmre.crypto.group import (
    IDENTITY,
    G,
    GroupError,
    L,
    Point,
    base_mul,
    hash_to_scalar,
    point_from_hex,
    scalar_bytes,
    scalar_from_hex,
)
from vmre.voting.credential_list import TAG as LIST_TAG
from vmre.voting.credential_list import sign_credential_list, verify_credential_list

P = 2**255 - 19  # the field of the ristretto255 encodings
TAG = "vmre/test/adversarial/v1"
scalars = st.integers(min_value=1, max_value=L - 1)
FAST = settings(max_examples=40, deadline=None)


def inv(k: int) -> int:
    return pow(k, -1, L)


def context_for(seed: int) -> tuple:
    """A context shaped like a ballot option's: base hash, credential, contest id, index."""
    return (hash_to_scalar("ctx", seed).to_bytes(32, "little"), base_mul(seed + 1),
            f"contest-{seed % 7}", seed % 5)


# -- the forgers ---------------------------------------------------------------------------

def forge_schnorr_key_after_challenge(k: int, s: int, message: bytes, context: tuple,
                                      tag: str = TAG) -> tuple[Point, schnorr.Signature]:
    """c = H(tag, context, R, message) leaves the key out: pick R and s, then the key X with
    s·G − c·X = R. Nobody knows X's secret, yet (c, s) signs `message` under the weak hash."""
    commitment = base_mul(k)
    c = hash_to_scalar(tag, *context, commitment, message)
    public = (base_mul(s) - commitment) * inv(c)
    assert base_mul(s) - public * c == commitment  # the weak verifier's equation holds
    return public, schnorr.Signature(c, s)


def forge_identity_key(k: int, message: bytes, context: tuple) -> schnorr.Signature:
    """With X at the identity, s·G − c·X = s·G: any s = k signs anything."""
    commitment = base_mul(k)
    c = hash_to_scalar(TAG, *context, IDENTITY, commitment, message)
    assert base_mul(k) - IDENTITY * c == commitment
    return schnorr.Signature(c, k)


def forge_share_after_challenge(x: int, a_alpha: Point, w: int, w2: int, context: tuple
                                ) -> tuple[Point, proofs.EqualLogsProof]:
    """A custodian whose challenge hash leaves its partial decryption D out (the Helios
    decryption attack): commit, take the challenge, then publish a wrong D that fits."""
    a, b = base_mul(w), a_alpha * w2
    verification = base_mul(x)
    c = hash_to_scalar(threshold.SHARE_TAG, *context, a_alpha, verification, a, b)
    s = (w + c * x) % L
    d = (a_alpha * s - b) * inv(c)
    assert base_mul(s) - verification * c == a and a_alpha * s - d * c == b
    assert d != a_alpha * x  # not the custodian's true share
    return d, proofs.EqualLogsProof(c, s)


def forge_equal_logs_statement_after_challenge(h: Point, alpha: int, beta: int, s: int,
                                               context: tuple):
    """c = H(tag, context, h, a, b) leaves (u, v) out: commit, then solve for u and v."""
    a, b = base_mul(alpha), h * beta
    c = hash_to_scalar(TAG, *context, h, a, b)
    u, v = (base_mul(s) - a) * inv(c), (h * s - b) * inv(c)
    assert base_mul(s) - u * c == a and h * s - v * c == b
    return u, v, proofs.EqualLogsProof(c, s)


def _sqrt_mod_l(a: int) -> int | None:
    """A square root mod L (L ≡ 5 mod 8, Atkin's method), or None for a non-residue."""
    a %= L
    if a == 0:
        return 0
    if pow(a, (L - 1) // 2, L) != 1:
        return None
    v = pow(2 * a, (L - 5) // 8, L)
    i = 2 * a * v * v % L
    root = a * v * (i - 1) % L
    assert root * root % L == a
    return root


def forge_bit_ciphertext_after_challenge(pk: Point, rng: random.Random, context: tuple
                                         ) -> tuple[Ciphertext, proofs.BitProof, int]:
    """The 0/1 proof's hash leaves the ciphertext out: commit to A_j, B_j first, take the
    challenge c, split it as c0 + c1 = c so that one β fits both branches, and publish
    Enc(m) for an m that is neither 0 nor 1 (Bernhard–Pereira–Warinschi, Helios)."""
    while True:
        rho, w0, w1, y0, y1 = (rng.randrange(1, L) for _ in range(5))
        a0, a1 = base_mul(w0), base_mul(w1)
        b0, b1 = pk * w0 + base_mul(y0), pk * w1 + base_mul(y1)
        c = hash_to_scalar(proofs.BIT_TAG, *context, pk, a0, b0, a1, b1)
        # −y0/c0 = 1 − y1/c1 with c1 = c − c0:  c0² + (y0 + y1 − c)·c0 − y0·c = 0
        q = (y0 + y1 - c) % L
        root = _sqrt_mod_l(q * q + 4 * y0 * c)
        if root is None:
            continue
        c0 = (-q + root) * inv(2) % L
        c1 = (c - c0) % L
        if c0 == 0 or c1 == 0:
            continue
        m = -y0 * inv(c0) % L
        assert m == (1 - y1 * inv(c1)) % L and m not in (0, 1)
        ct = Ciphertext(base_mul(rho), pk * rho + base_mul(m))
        proof = proofs.BitProof(c0, c1, (w0 + c0 * rho) % L, (w1 + c1 * rho) % L)
        weak = proofs._bit_commitments
        assert weak(pk, ct, 0, c0, proof.s0) == (a0, b0)  # the weak verifier accepts
        assert weak(pk, ct, 1, c1, proof.s1) == (a1, b1)
        return ct, proof, m


# -- Python verifiers ------------------------------------------------------------------------

@FAST
@given(k=scalars, s=scalars, seed=st.integers(0, 10**6), message=st.binary(max_size=64))
def test_schnorr_key_chosen_after_the_challenge_is_refused(k, s, seed, message):
    context = context_for(seed)
    public, sig = forge_schnorr_key_after_challenge(k, s, message, context)
    assert not schnorr.verify(TAG, public, message, sig, context)


@FAST
@given(k=scalars, s=scalars, seed=st.integers(0, 10**6), index=st.integers(1, 9))
def test_rogue_dkg_coefficient_chosen_after_the_challenge_is_refused(k, s, seed, index):
    """The rogue-key attack on the joint key: a dealer's first commitment is picked after the
    challenge (e.g. to cancel the others'), with no known secret behind it."""
    context = (f"election-{seed}", b"\x01" * 32, 3, 2)
    honest = dkg.random_polynomial(2)
    ann = dkg.announce(index, honest, context)
    assert dkg.verify_announcement(ann, 2, context)
    rogue, proof = forge_schnorr_key_after_challenge(
        k, s, b"", (*context, index, 0), dkg.COEFFICIENT_TAG)
    forged = dkg.Announcement(index, (rogue, ann.commitments[1]), (proof, ann.proofs[1]))
    assert not dkg.verify_announcement(forged, 2, context)
    assert not schnorr.verify_knowledge(dkg.COEFFICIENT_TAG, rogue, proof, (*context, index, 0))


@FAST
@given(x=scalars, r=scalars, w=scalars, w2=scalars, seed=st.integers(0, 10**6))
def test_decryption_share_chosen_after_the_challenge_is_refused(x, r, w, w2, seed):
    if w == w2:
        return
    context = (hash_to_scalar("ctx", seed).to_bytes(32, "little"), "gob-jal", seed % 5)
    ct = elgamal.encrypt(base_mul(seed + 2), 1, r)
    d, proof = forge_share_after_challenge(x, ct.alpha, w, w2, context)
    assert not threshold.verify_partial(base_mul(x), ct, d, proof, context)


@FAST
@given(h=scalars, alpha=scalars, beta=scalars, s=scalars, seed=st.integers(0, 10**6))
def test_equal_logs_statement_chosen_after_the_challenge_is_refused(h, alpha, beta, s, seed):
    """The sum proof's shape: (u, v) = (Σα, Σβ − G) solved for after the challenge."""
    context = context_for(seed)[:3]
    u, v, proof = forge_equal_logs_statement_after_challenge(base_mul(h), alpha, beta, s,
                                                             context)
    assert not proofs.verify_equal_logs(TAG, base_mul(h), u, v, proof, context)


@FAST
@given(seed=st.integers(0, 2**64), pk=scalars)
def test_bit_ciphertext_chosen_after_the_challenge_is_refused(seed, pk):
    context = context_for(seed % 10**6)
    ct, proof, _m = forge_bit_ciphertext_after_challenge(base_mul(pk), random.Random(seed),
                                                         context)
    assert not proofs.verify_bit(base_mul(pk), ct, proof, context)


@FAST
@given(x=scalars, seed=st.integers(0, 10**6), other=st.integers(0, 10**6),
       message=st.binary(max_size=32))
def test_proofs_do_not_move_to_another_context(x, seed, other, message):
    """A valid proof lifted into another election, voter, contest or option."""
    if context_for(seed) == context_for(other):
        return
    ctx, elsewhere = context_for(seed), context_for(other)
    sig = schnorr.sign(TAG, x, base_mul(x), message, ctx)
    assert schnorr.verify(TAG, base_mul(x), message, sig, ctx)
    assert not schnorr.verify(TAG, base_mul(x), message, sig, elsewhere)
    pk = base_mul(seed + 3)
    ct = elgamal.encrypt(pk, 1, x)
    bit = proofs.prove_bit(pk, ct, 1, x, ctx)
    assert proofs.verify_bit(pk, ct, bit, ctx)
    assert not proofs.verify_bit(pk, ct, bit, elsewhere)


def _non_canonical(k: int) -> list[int]:
    return [k + L, k + 2 * L, k + 15 * L]  # all below 2^256: they fit a 32-byte field


@FAST
@given(x=scalars, m=st.integers(0, 1), r=scalars, seed=st.integers(0, 10**6))
def test_unreduced_scalars_are_refused_by_every_verifier(x, m, r, seed):
    ctx = context_for(seed)
    public = base_mul(x)
    sig = schnorr.sign(TAG, x, public, b"m", ctx)
    pk = base_mul(seed + 3)
    ct = elgamal.encrypt(pk, m, r)
    bit = proofs.prove_bit(pk, ct, m, r, ctx)
    d, share = threshold.partial_decrypt(x, public, ct, ctx)
    assert schnorr.verify(TAG, public, b"m", sig, ctx) and proofs.verify_bit(pk, ct, bit, ctx)
    assert threshold.verify_partial(public, ct, d, share, ctx)
    for big in _non_canonical(0):
        assert base_mul(big) == base_mul(0) or big % L != 0  # same point: same equations
        assert not schnorr.verify(TAG, public, b"m", schnorr.Signature(
            sig.challenge, sig.response + big), ctx)
        assert not schnorr.verify(TAG, public, b"m", schnorr.Signature(
            sig.challenge + big, sig.response), ctx)
        assert not schnorr.verify_knowledge(TAG, public, schnorr.Signature(
            sig.challenge, sig.response + big), ctx)
        for field in ("c0", "c1", "s0", "s1"):
            values = {f: getattr(bit, f) for f in ("c0", "c1", "s0", "s1")}
            values[field] += big
            assert not proofs.verify_bit(pk, ct, proofs.BitProof(**values), ctx), field
        assert not threshold.verify_partial(public, ct, d, proofs.EqualLogsProof(
            share.challenge, share.response + big), ctx)
        assert not threshold.verify_partial(public, ct, d, proofs.EqualLogsProof(
            share.challenge + big, share.response), ctx)
        with pytest.raises(GroupError, match=r"^scalar is not reduced$"):
            scalar_from_hex((sig.response + big).to_bytes(32, "little").hex())


@FAST
@given(k=scalars, seed=st.integers(0, 10**6), message=st.binary(max_size=64))
def test_a_schnorr_key_at_the_identity_is_refused(k, seed, message):
    context = context_for(seed)
    sig = forge_identity_key(k, message, context)
    assert not schnorr.verify(TAG, IDENTITY, message, sig, context)
    assert not schnorr.verify_knowledge(
        TAG, IDENTITY, forge_identity_key(k, b"", context), context)


@FAST
@given(x=scalars, r=scalars, seed=st.integers(0, 10**6))
def test_identity_statements_get_no_proof(x, r, seed):
    """A custodian claiming D = identity (as if its share were 0) or a sum proof over the
    identity: the honest prover's algorithm applied to the false statement fails."""
    ctx = context_for(seed)[:3]
    ct = elgamal.encrypt(base_mul(seed + 2), 0, r)
    lie = proofs.prove_equal_logs(threshold.SHARE_TAG, ct.alpha, base_mul(x), IDENTITY, x, ctx)
    assert not threshold.verify_partial(base_mul(x), ct, IDENTITY, lie, ctx)
    pk = base_mul(seed + 3)
    blank = Ciphertext(IDENTITY, IDENTITY)
    sum_lie = proofs.prove_equal_logs(TAG, pk, blank.alpha, blank.beta - G, 0, ctx)
    assert not proofs.verify_equal_logs(TAG, pk, blank.alpha, blank.beta - G, sum_lie, ctx)


# -- encodings -------------------------------------------------------------------------------

# The eight points of small order of edwards25519, as ed25519 encodes them: none is a
# ristretto255 encoding of anything but the identity (which is all zeros).
ED25519_SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]


def non_canonical_encodings(point: Point) -> list[str]:
    """Other spellings of a point's field element s: −s (ristretto255 takes the non-negative
    one only), s + p (not reduced), and s with the unused top bit set."""
    s = int.from_bytes(point.data, "little")
    out = [(s + P).to_bytes(32, "little"), (s | 1 << 255).to_bytes(32, "little")]
    if s:
        out.append((P - s).to_bytes(32, "little"))
    return [b.hex() for b in out]


@FAST
@given(k=scalars)
def test_non_canonical_point_encodings_never_decode(k):
    point = base_mul(k)
    assert point_from_hex(point.hex()) == point
    for text in non_canonical_encodings(point):
        with pytest.raises(GroupError, match=r"^not a valid ristretto255 point$"):
            point_from_hex(text)
        with pytest.raises(GroupError, match=r"^not a valid ristretto255 point$"):
            point_from_hex(text, allow_identity=True)


def test_small_order_and_identity_encodings_never_decode():
    for text in ED25519_SMALL_ORDER:
        with pytest.raises(GroupError, match=r"^not a valid ristretto255 point$"):
            point_from_hex(text, allow_identity=True)
    with pytest.raises(GroupError, match=r"^identity point not allowed here$"):
        point_from_hex("00" * 32)
    assert point_from_hex("00" * 32, allow_identity=True) == IDENTITY


# -- the documents that carry proofs: the credential list ----------------------------------

def _list_error(document: dict, issuer: Point | None = None) -> str:
    with pytest.raises(UserError) as err:
        verify_credential_list(document, issuer)
    return err.value.key


@FAST
@given(issuer=scalars, k=scalars, s=scalars, voter=scalars)
def test_forged_credential_lists_are_refused(issuer, k, s, voter):
    assume(k != s)  # k = s puts the forged key at the identity (refused on decoding)
    """The list that decides who may vote: a signature lifted onto a list with one more voter,
    a signer chosen after the challenge, an unreduced response, the identity as signer."""
    entries = [(base_mul(voter), "JAL")]
    doc = sign_credential_list("e-1", issuer, entries)
    assert verify_credential_list(doc, base_mul(issuer)).entries
    extra = base_mul(hash_to_scalar("another voter", voter))
    stuffed = sign_credential_list("e-1", issuer, [*entries, (extra, "JAL")])
    stuffed["signature"] = doc["signature"]
    assert _list_error(stuffed) == "voting.credentials.bad_signature"

    body = {k2: v for k2, v in doc.items() if k2 != "signature"}
    from vmre.crypto.encoding import canonical_json

    rogue, sig = forge_schnorr_key_after_challenge(k, s, canonical_json({
        **body, "issuer": "placeholder"}), (), LIST_TAG)
    forged = {**body, "issuer": rogue.hex(), "signature": {
        "challenge": scalar_bytes(sig.challenge).hex(), "response": scalar_bytes(s).hex()}}
    assert _list_error(forged) == "voting.credentials.bad_signature"

    unreduced = json.loads(json.dumps(doc))
    response = scalar_from_hex(doc["signature"]["response"]) + L
    unreduced["signature"]["response"] = response.to_bytes(32, "little").hex()
    assert _list_error(unreduced) == "voting.credentials.malformed"

    at_identity = {**body, "issuer": "00" * 32, "signature": doc["signature"]}
    assert _list_error(at_identity) == "voting.credentials.malformed"


# -- the browser library -------------------------------------------------------------------

HERE = Path(__file__).resolve().parent


def _part(p: object) -> dict:
    if isinstance(p, bytes):
        return {"b": p.hex()}
    if isinstance(p, Point):
        return {"p": p.hex()}
    if isinstance(p, str):
        return {"s": p}
    return {"i": p}


def _js_verdicts(node: str, cases: list[dict]) -> list[bool]:
    run = subprocess.run([node, str(HERE / "js_verify.mjs")], input=json.dumps(cases),
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(run.stdout)


def _schnorr_case(public: Point, message: bytes, sig: tuple[int, int], ctx: tuple,
                  tag: str = TAG) -> dict:
    return {"kind": "schnorr", "tag": tag, "pub": public.hex(), "message": message.hex(),
            "sig": [str(sig[0]), str(sig[1])], "context": [_part(p) for p in ctx]}


def _bit_case(pk: Point, ct: Ciphertext, proof: proofs.BitProof, ctx: tuple) -> dict:
    return {"kind": "bit", "pk": pk.hex(), "alpha": ct.alpha.hex(), "beta": ct.beta.hex(),
            "proof": [str(v) for v in (proof.c0, proof.c1, proof.s0, proof.s1)],
            "context": [_part(p) for p in ctx]}


def _logs_case(tag: str, h: Point, u: Point, v: Point, proof: tuple[int, int],
               ctx: tuple) -> dict:
    return {"kind": "equal_logs", "tag": tag, "h": h.hex(), "u": u.hex(), "v": v.hex(),
            "proof": [str(proof[0]), str(proof[1])], "context": [_part(p) for p in ctx]}


def _cases(rng: random.Random) -> tuple[list[dict], list[dict]]:
    """(honest cases the browser must accept, forged cases it must refuse)."""
    honest, forged = [], []
    for _ in range(6):
        seed, x, r, k, s = (rng.randrange(1, L) for _ in range(5))
        ctx = context_for(seed % 10**6)
        public = base_mul(x)
        sig = schnorr.sign(TAG, x, public, b"ballot", ctx)
        honest.append(_schnorr_case(public, b"ballot", (sig.challenge, sig.response), ctx))
        rogue, fake = forge_schnorr_key_after_challenge(k, s, b"ballot", ctx)
        forged.append(_schnorr_case(rogue, b"ballot", (fake.challenge, fake.response), ctx))
        ident = forge_identity_key(k, b"ballot", ctx)
        forged.append(_schnorr_case(IDENTITY, b"ballot", (ident.challenge, ident.response),
                                    ctx))
        forged.append(_schnorr_case(public, b"ballot", (sig.challenge, sig.response + L), ctx))
        forged.append(_schnorr_case(public, b"ballot", (sig.challenge + L, sig.response), ctx))
        forged.append(_schnorr_case(public, b"other", (sig.challenge, sig.response), ctx))

        pk = base_mul(seed)
        ct = elgamal.encrypt(pk, 1, r)
        bit = proofs.prove_bit(pk, ct, 1, r, ctx)
        honest.append(_bit_case(pk, ct, bit, ctx))
        bad_ct, bad_bit, _m = forge_bit_ciphertext_after_challenge(pk, rng, ctx)
        forged.append(_bit_case(pk, bad_ct, bad_bit, ctx))
        for field in ("c0", "c1", "s0", "s1"):
            values = {f: getattr(bit, f) for f in ("c0", "c1", "s0", "s1")}
            values[field] += L
            forged.append(_bit_case(pk, ct, proofs.BitProof(**values), ctx))

        sctx = ctx[:3]
        d, share = threshold.partial_decrypt(x, public, ct, sctx)
        honest.append(_logs_case(threshold.SHARE_TAG, ct.alpha, public, d,
                                 (share.challenge, share.response), sctx))
        w, w2 = rng.randrange(1, L), rng.randrange(1, L)
        bad_d, bad_share = forge_share_after_challenge(x, ct.alpha, w, w2, sctx)
        forged.append(_logs_case(threshold.SHARE_TAG, ct.alpha, public, bad_d,
                                 (bad_share.challenge, bad_share.response), sctx))
        forged.append(_logs_case(threshold.SHARE_TAG, ct.alpha, public, d,
                                 (share.challenge, share.response + L), sctx))
        forged.append(_logs_case(threshold.SHARE_TAG, ct.alpha, public, d,
                                 (share.challenge + L, share.response), sctx))
        u, v, free = forge_equal_logs_statement_after_challenge(pk, k, s, r, sctx)
        forged.append(_logs_case(TAG, pk, u, v, (free.challenge, free.response), sctx))

        point = base_mul(k)
        honest.append({"kind": "point", "hex": point.hex()})
        forged.extend({"kind": "point", "hex": t} for t in non_canonical_encodings(point))
    forged.extend({"kind": "point", "hex": t} for t in [*ED25519_SMALL_ORDER, "00" * 32])
    return honest, forged


def _receipt_cases() -> tuple[list[dict], list[dict]]:
    from vmre.voting.board import RECEIPT_TAG, server_sign

    secret = hash_to_scalar("receipt-key", 1)
    key = base_mul(secret).hex()
    receipt = server_sign(RECEIPT_TAG, secret, {"election_id": "e", "tracking_code": "ab" * 32,
                                                "position": 3})
    c, s = receipt["signature"]
    unreduced = (scalar_from_hex(s) + L).to_bytes(32, "little").hex()
    bad = [{**receipt, "signature": [c, unreduced]}, {**receipt, "signature": [c]},
           {**receipt, "signature": None}, {**receipt, "signature": [c.upper(), s]},
           {k: v for k, v in receipt.items() if k != "signature"},
           {**receipt, "position": 4}]
    return ([{"kind": "receipt", "receipt": receipt, "key": key}],
            [{"kind": "receipt", "receipt": r, "key": key} for r in bad]
            + [{"kind": "receipt", "receipt": receipt, "key": "00" * 32}])


@pytest.mark.parametrize("seed", [1, 2])
def test_browser_library_refuses_the_same_forgeries(seed):
    node = need_node()
    honest, forged = _cases(random.Random(seed))
    good_receipts, bad_receipts = _receipt_cases()
    honest += good_receipts
    forged += bad_receipts
    verdicts = _js_verdicts(node, honest + forged)
    accepted = [c for c, ok in zip(forged, verdicts[len(honest):], strict=True) if ok]
    assert accepted == []
    assert verdicts[:len(honest)] == [True] * len(honest)  # the harness is not vacuous
