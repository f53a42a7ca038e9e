"""The crypto layer's refusals and one-spelling encodings, each pinned by a test that fails
when that one rule is changed (found by mutation testing, docs/testing.md):

- scalars outside [0, L) are refused by Schnorr and equal-logs verification even when the
  group would reduce them to a valid response (s + L);
- a custodian's announcement with too few commitments or proofs is refused;
- deterministic nonces are passed through to the proof (same inputs, same proof);
- passphrase sealing and sealed boxes open only with the right secret and label;
- credential codes normalise separators and misreadings; canonical JSON is UTF-8, sorted,
  compact and refuses NaN; hashing refuses booleans and encodes out-of-range integers;
- every GroupError says which rule refused the input (the verifier prints it).
"""

from __future__ import annotations

import math
import re

import pytest

from vmre.core.messages import UserError
from vmre.crypto import credentials, dkg, dlog, elgamal, group, proofs, schnorr, sealing, threshold
from vmre.crypto.encoding import canonical_json
from vmre.crypto.group import (
    IDENTITY,
    GroupError,
    L,
    base_mul,
    hash_parts,
    point_from_bytes,
    point_from_hex,
    random_scalar,
    scalar_from_bytes,
    scalar_from_hex,
)

X = 0x5EC12E7
PUB = base_mul(X)


# -- scalars must be reduced ------------------------------------------------------------------

def test_schnorr_refuses_a_response_or_challenge_not_reduced():
    sig = schnorr.sign("t", X, PUB, b"m")
    assert schnorr.verify("t", PUB, b"m", sig)
    # s + L gives the same point: only the range rule refuses it
    assert not schnorr.verify("t", PUB, b"m", schnorr.Signature(sig.challenge, sig.response + L))
    assert not schnorr.verify("t", PUB, b"m", schnorr.Signature(sig.challenge + L, sig.response))
    assert not schnorr.verify("t", PUB, b"m", schnorr.Signature(sig.challenge, sig.response - L))
    assert not schnorr.verify("t", PUB, b"m", schnorr.Signature(sig.challenge - L, sig.response))


def test_equal_logs_refuses_a_response_or_challenge_not_reduced():
    h = base_mul(random_scalar())
    u, v = base_mul(X), h * X
    proof = proofs.prove_equal_logs("t", h, u, v, X, ("ctx",))
    assert proofs.verify_equal_logs("t", h, u, v, proof, ("ctx",))
    for bad in (proofs.EqualLogsProof(proof.challenge, proof.response + L),
                proofs.EqualLogsProof(proof.challenge + L, proof.response),
                proofs.EqualLogsProof(proof.challenge, proof.response - L)):
        assert not proofs.verify_equal_logs("t", h, u, v, bad, ("ctx",))


def test_scalar_and_point_decoding_say_which_rule_refused():
    with pytest.raises(GroupError, match=r"^scalar must be 32 bytes$"):
        scalar_from_bytes(bytes(31))
    with pytest.raises(GroupError, match=r"^scalar is not reduced$"):
        scalar_from_bytes(L.to_bytes(32, "little"))
    with pytest.raises(GroupError, match=r"^expected 64 lower-case hex digits$"):
        scalar_from_hex("AB" * 32)
    with pytest.raises(GroupError, match=r"^expected 64 lower-case hex digits$"):
        scalar_from_hex("zz" * 32)
    with pytest.raises(GroupError, match=r"^point must be 32 bytes$"):
        point_from_bytes(bytes(33))
    with pytest.raises(GroupError, match=r"^identity point not allowed here$"):
        point_from_bytes(bytes(32))
    with pytest.raises(GroupError, match=r"^not a valid ristretto255 point$"):
        point_from_bytes(b"\xff" * 32)


def test_point_from_hex_refuses_the_identity_unless_asked():
    with pytest.raises(GroupError, match=r"^identity point not allowed here$"):
        point_from_hex("00" * 32)
    assert point_from_hex("00" * 32, allow_identity=True) == IDENTITY
    assert point_from_hex("00" * 32, True) == IDENTITY


def test_random_scalar_reduces_64_little_endian_bytes(monkeypatch):
    asked: list[int] = []
    raw = bytes(range(1, 65))

    def fake(n: int) -> bytes:
        asked.append(n)
        return raw[:n]

    monkeypatch.setattr(group.secrets, "token_bytes", fake)
    assert random_scalar() == int.from_bytes(raw, "little") % L
    assert asked == [64]  # 64 bytes: the reduction mod L is uniform to 2^-260


# -- hashing and canonical JSON ---------------------------------------------------------------

class Seven(int):
    """An int subclass (as an IntEnum member is): not `int` itself."""

    def __new__(cls, value: int = 7):
        return super().__new__(cls, value)


def test_hashing_refuses_booleans_and_encodes_every_integer():
    with pytest.raises(TypeError, match=r"^booleans are not hashed; encode them explicitly$"):
        hash_parts("t", True)
    with pytest.raises(TypeError, match=r"^cannot hash float$"):
        hash_parts("t", 1.5)
    digests = {hash_parts("t", n) for n in (-1, L, L + 1, 0, 1)}
    assert len(digests) == 5
    # an integer outside [0, L) is its 32-byte little-endian two's complement, hashed like
    # those bytes; an int subclass is hashed like its value
    for n in (-1, -(2**200), L, L + 1, 2**254):
        assert hash_parts("t", n) == hash_parts("t", n.to_bytes(32, "little", signed=True)), n
    assert hash_parts("t", Seven()) == hash_parts("t", 7) == hash_parts("t", Seven(7))
    assert hash_parts("t", Seven(0)) == hash_parts("t", 0)


def test_canonical_json_is_utf8_sorted_compact_and_refuses_nan():
    assert canonical_json({"b": 1, "a": "ñ"}) == '{"a":"ñ","b":1}'.encode()
    with pytest.raises(ValueError, match=r"^Out of range float values are not JSON compliant"):
        canonical_json({"x": math.nan})
    with pytest.raises(ValueError, match=r"^Out of range float values are not JSON compliant"):
        canonical_json({"x": math.inf})


def test_credential_codes_normalise_separators_and_misreadings():
    assert credentials.normalise(" abcde fghjk-mnpqr ") == "ABCDEFGHJKMNPQR"
    assert credentials.normalise("o i l O I L") == "011011"
    code = credentials.new_secret()
    spoken = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert credentials.signing_key("e", spoken) == credentials.signing_key("e", code)


# -- the ceremony's pieces --------------------------------------------------------------------

def test_an_announcement_with_too_few_commitments_or_proofs_is_refused():
    poly = dkg.random_polynomial(3)
    ann = dkg.announce(2, poly, ("ctx",))
    assert dkg.verify_announcement(ann, 3, ("ctx",))
    short_proofs = dkg.Announcement(ann.index, ann.commitments, ann.proofs[:2])
    short_commitments = dkg.Announcement(ann.index, ann.commitments[:2], ann.proofs)
    assert dkg.verify_announcement(short_proofs, 3, ("ctx",)) is False
    assert dkg.verify_announcement(short_commitments, 3, ("ctx",)) is False
    assert dkg.verify_announcement(ann, 4, ("ctx",)) is False


def test_a_given_nonce_makes_the_proof_deterministic():
    k = 0xC0FFEE
    one = schnorr.prove_knowledge("t", X, PUB, ("c",), nonce=k)
    assert one == schnorr.prove_knowledge("t", X, PUB, ("c",), nonce=k)
    assert one == schnorr.sign("t", X, PUB, b"", ("c",), k)
    ct = elgamal.encrypt(base_mul(random_scalar()), 1, random_scalar())
    d1, p1 = threshold.partial_decrypt(X, PUB, ct, ("c",), nonce=k)
    d2, p2 = threshold.partial_decrypt(X, PUB, ct, ("c",), nonce=k)
    assert (d1, p1) == (d2, p2)
    assert threshold.verify_partial(PUB, ct, d1, p1, ("c",))


def test_bit_proofs_refuse_other_values_with_their_reason():
    pk = base_mul(random_scalar())
    with pytest.raises(ValueError, match=r"^m must be 0 or 1$"):
        proofs.prove_bit(pk, elgamal.encrypt(pk, 2, 5), 2, 5, ())


def test_discrete_log_says_when_there_is_none():
    with pytest.raises(ValueError, match=r"^no discrete log within bound$"):
        dlog.discrete_log(base_mul(11), 10)
    assert dlog.discrete_log(base_mul(10), 10) == 10


# -- secrets at rest and in transit -----------------------------------------------------------

def test_a_sealed_secret_opens_only_with_its_passphrase_and_label():
    sealed = sealing.seal_with_passphrase(b"secreto", "frase de paso larga", "custodio-1")
    assert sealed["format"] == "vmre-sealed-v1" and sealed["kdf"] == "argon2id"
    assert sealing.open_with_passphrase(sealed, "frase de paso larga") == b"secreto"
    for name, (doc, phrase) in {
        "wrong passphrase": (sealed, "otra frase de paso"),
        "label changed": ({**sealed, "label": "custodio-2"}, "frase de paso larga"),
        "format changed": ({**sealed, "format": "vmre-sealed-v0"}, "frase de paso larga"),
        "no salt": ({k: v for k, v in sealed.items() if k != "salt"}, "frase de paso larga"),
        "ciphertext cut": ({**sealed, "ciphertext": sealed["ciphertext"][:-2]},
                           "frase de paso larga"),
        "nonce not hex": ({**sealed, "nonce": "zz"}, "frase de paso larga"),
        "ops not a number": ({**sealed, "ops": None}, "frase de paso larga"),
    }.items():
        with pytest.raises(UserError) as err:
            sealing.open_with_passphrase(doc, phrase)
        assert err.value.key == "voting.ceremony.wrong_passphrase", name


def test_a_short_passphrase_is_refused_and_eight_characters_suffice():
    with pytest.raises(UserError) as err:
        sealing.seal_with_passphrase(b"x", "1234567", "l")
    assert err.value.key == "voting.ceremony.weak_passphrase"
    assert sealing.open_with_passphrase(sealing.seal_with_passphrase(b"x", "12345678", "l"),
                                        "12345678") == b"x"


def test_a_sealed_box_opens_only_for_its_recipient():
    public, secret = sealing.box_keypair()
    other_public, other_secret = sealing.box_keypair()
    box = sealing.seal_to(public, b"parte")
    assert sealing.open_sealed(public, secret, box) == b"parte"
    assert sealing.open_sealed(other_public, other_secret, box) is None
    assert sealing.open_sealed(public, secret, box[:-1]) is None


def test_a_new_credential_code_is_five_groups_of_five_from_the_alphabet():
    pattern = re.compile(rf"^[{credentials.ALPHABET}]{{5}}(-[{credentials.ALPHABET}]{{5}}){{4}}$")
    codes = {credentials.new_secret() for _ in range(20)}
    assert len(codes) == 20 and all(pattern.match(c) for c in codes), codes
    assert all(credentials.is_well_formed(c) for c in codes)
    code = codes.pop()
    assert credentials.is_well_formed(code.lower().replace("-", " "))
    assert not credentials.is_well_formed(code[:-1])
    assert not credentials.is_well_formed(code + "0")
    assert not credentials.is_well_formed(code[:-1] + "U")  # not in the alphabet


def test_a_generated_credential_is_bound_to_its_election():
    made = credentials.generate("eleccion-a")
    assert made.public == credentials.public_credential("eleccion-a", made.secret)
    assert made.public == base_mul(credentials.signing_key("eleccion-a", made.secret))
    assert made.public != credentials.public_credential("eleccion-b", made.secret)


@pytest.mark.parametrize("bound", [0, 1, 3, 8, 15, 24, 99, 1000])
def test_discrete_log_finds_every_count_up_to_its_bound(bound):
    for m in sorted({0, 1, bound // 2, bound - 1, bound} - {-1}):
        if 0 <= m <= bound:
            assert dlog.discrete_log(base_mul(m), bound) == m


def test_a_credential_code_is_its_25_random_characters_in_groups(monkeypatch):
    drawn = iter(credentials.ALPHABET)
    monkeypatch.setattr(credentials.secrets, "choice", lambda _alphabet: next(drawn))
    assert credentials.new_secret() == "01234-56789-ABCDE-FGHJK-MNPQR"


def test_the_signing_key_hashes_tag_election_and_normalised_code():
    code = "abcde-fghjk-mnpqr-stvwx-yz012"
    assert credentials.signing_key("e", code) == group.hash_to_scalar(
        credentials.TAG, "e", credentials.normalise(code))
    assert credentials.signing_key("e", code) != credentials.signing_key("e", "0" * 25)
