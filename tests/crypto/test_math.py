"""Property tests for the group, ElGamal, every proof, the key ceremony math and the tally."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmre.crypto import dkg, dlog, elgamal, proofs, schnorr, threshold
from vmre.crypto.group import (
    IDENTITY,
    G,
    GroupError,
    L,
    base_mul,
    point_from_bytes,
    point_from_hex,
    random_scalar,
    scalar_from_bytes,
)

scalars = st.integers(min_value=1, max_value=L - 1)
small = st.integers(min_value=0, max_value=50)
FAST = settings(max_examples=25, deadline=None)


@FAST
@given(scalars, scalars)
def test_group_laws(a, b):
    assert base_mul(a) + base_mul(b) == base_mul(a + b)
    assert base_mul(a) - base_mul(b) == base_mul(a - b)
    assert base_mul(a) * b == base_mul(a * b)
    assert (base_mul(a) * 0).is_identity and base_mul(L).is_identity
    assert -base_mul(a) + base_mul(a) == IDENTITY


def test_point_validation_refuses_non_points_and_identity():
    with pytest.raises(GroupError, match=r"^identity point not allowed here$"):
        point_from_bytes(bytes(32))
    assert point_from_bytes(bytes(32), allow_identity=True) == IDENTITY
    with pytest.raises(GroupError, match=r"^not a valid ristretto255 point$"):
        point_from_bytes(b"\xff" * 32)
    with pytest.raises(GroupError, match=r"^expected 64 lower-case hex digits$"):
        point_from_hex("zz")
    with pytest.raises(GroupError, match=r"^scalar is not reduced$"):
        scalar_from_bytes(L.to_bytes(32, "little"))
    assert point_from_bytes(G.data) == G


@FAST
@given(small, small)
def test_elgamal_is_additively_homomorphic(m1, m2):
    sk = random_scalar()
    pk = base_mul(sk)
    c = elgamal.encrypt(pk, m1, random_scalar()) + elgamal.encrypt(pk, m2, random_scalar())
    assert dlog.discrete_log(elgamal.decrypt_to_point(sk, c), 200) == m1 + m2


@FAST
@given(st.integers(min_value=0, max_value=10_000))
def test_discrete_log_recovers_counts(m):
    assert dlog.discrete_log(base_mul(m), 10_000) == m


def test_discrete_log_out_of_bound():
    with pytest.raises(ValueError, match=r"^no discrete log within bound$"):
        dlog.discrete_log(base_mul(101), 100)


@FAST
@given(st.sampled_from([0, 1]), scalars)
def test_bit_proof_valid_for_0_and_1_and_bound_to_context(m, r):
    pk = base_mul(random_scalar())
    ct = elgamal.encrypt(pk, m, r)
    proof = proofs.prove_bit(pk, ct, m, r, ("e", "voter"))
    assert proofs.verify_bit(pk, ct, proof, ("e", "voter"))
    assert not proofs.verify_bit(pk, ct, proof, ("e", "another-voter"))
    assert not proofs.verify_bit(pk, elgamal.encrypt(pk, m, r + 1), proof, ("e", "voter"))


@FAST
@given(st.sampled_from([2, 3, L - 1]), scalars)
def test_bit_proof_fails_for_values_other_than_0_1(m, r):
    """A cheating prover that runs the honest algorithm on 2 or −1 produces a failing proof."""
    pk = base_mul(random_scalar())
    ct = elgamal.encrypt(pk, m, r)
    for claimed in (0, 1):
        forged = proofs.prove_bit(pk, ct, claimed, r, ("e",))
        assert not proofs.verify_bit(pk, ct, forged, ("e",))


@FAST
@given(scalars, st.integers(min_value=0, max_value=3))
def test_bit_proof_any_changed_element_fails(r, which):
    pk = base_mul(random_scalar())
    ct = elgamal.encrypt(pk, 1, r)
    p = proofs.prove_bit(pk, ct, 1, r, ())
    fields = [p.c0, p.c1, p.s0, p.s1]
    fields[which] = (fields[which] + 1) % L
    assert not proofs.verify_bit(pk, ct, proofs.BitProof(*fields), ())
    assert not proofs.verify_bit(pk, elgamal.Ciphertext(ct.beta, ct.alpha), p, ())


@FAST
@given(scalars, scalars)
def test_equal_logs_proof(secret, h_exp):
    h = base_mul(h_exp)
    u, v = base_mul(secret), h * secret
    p = proofs.prove_equal_logs("t", h, u, v, secret, ("c",))
    assert proofs.verify_equal_logs("t", h, u, v, p, ("c",))
    assert not proofs.verify_equal_logs("t", h, u, v + G, p, ("c",))
    assert not proofs.verify_equal_logs("t2", h, u, v, p, ("c",))
    bad = proofs.EqualLogsProof(p.challenge, (p.response + 1) % L)
    assert not proofs.verify_equal_logs("t", h, u, v, bad, ("c",))


@FAST
@given(scalars, st.binary(max_size=64))
def test_schnorr_signatures(secret, message):
    pub = base_mul(secret)
    sig = schnorr.sign("t", secret, pub, message, ("ctx",))
    assert schnorr.verify("t", pub, message, sig, ("ctx",))
    assert not schnorr.verify("t", pub, message + b"x", sig, ("ctx",))
    assert not schnorr.verify("t", base_mul(secret + 1), message, sig, ("ctx",))
    assert not schnorr.verify("t", pub, message, schnorr.Signature(sig.challenge, L), ("ctx",))


@settings(max_examples=5, deadline=None)
@given(st.integers(min_value=1, max_value=4), st.data())
def test_threshold_decryption_with_any_t_of_n(t, data):
    n = t + data.draw(st.integers(min_value=0, max_value=2))
    polys = [dkg.random_polynomial(t) for _ in range(n)]
    anns = [dkg.announce(i + 1, p, ("e",)) for i, p in enumerate(polys)]
    assert all(dkg.verify_announcement(a, t, ("e",)) for a in anns)
    key = dkg.joint_public_key(anns)
    assert key == base_mul(sum(p.coefficients[0] for p in polys))
    shares = {j: sum(p.at(j) for p in polys) % L for j in range(1, n + 1)}
    for j, s in shares.items():
        assert dkg.verification_key(anns, j) == base_mul(s)
        for i, p in enumerate(polys):
            assert dkg.share_is_valid(p.at(j), anns[i].commitments, j)
            assert not dkg.share_is_valid(p.at(j) + 1, anns[i].commitments, j)
    votes = data.draw(st.lists(st.sampled_from([0, 1]), min_size=1, max_size=6))
    total = elgamal.add_all(elgamal.encrypt(key, v, random_scalar()) for v in votes)
    present = sorted(data.draw(st.permutations(range(1, n + 1)))[:t])
    partials = {}
    for j in present:
        vk = dkg.verification_key(anns, j)
        d, proof = threshold.partial_decrypt(shares[j], vk, total, ("e",))
        assert threshold.verify_partial(vk, total, d, proof, ("e",))
        assert not threshold.verify_partial(vk, total, d + G, proof, ("e",))
        partials[j] = d
    assert dlog.discrete_log(threshold.combine(total, partials), len(votes)) == sum(votes)
    if t > 1:  # fewer than t shares give a wrong point
        fewer = dict(list(partials.items())[: t - 1])
        assert threshold.combine(total, fewer) != base_mul(sum(votes))


def test_hex_encodings_have_one_spelling():
    from vmre.crypto.group import scalar_from_hex

    text = G.hex()
    assert point_from_hex(text) == G
    for bad in (text.upper(), text[:-2], text + "00", " " + text[1:], 7):
        with pytest.raises(GroupError, match=r"^expected 64 lower-case hex digits$"):
            point_from_hex(bad)
    with pytest.raises(GroupError, match=r"^expected 64 lower-case hex digits$"):
        scalar_from_hex("0A" + "00" * 31)
    assert scalar_from_hex("0a" + "00" * 31) == 10
