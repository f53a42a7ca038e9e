"""Non-interactive zero-knowledge proofs (Fiat–Shamir over SHA-512, see docs/record.md §3).

- `prove_bit` / `verify_bit`: a ciphertext encrypts 0 or 1 (disjunctive Chaum–Pedersen).
- `prove_equal_logs` / `verify_equal_logs`: log_G(U) = log_H(V) (Chaum–Pedersen); used for
  "the contest's selections sum to 1" and for decryption shares.

Every challenge hashes a domain tag, a caller-supplied context (election base hash, voter's
public credential, contest and option ids) and every statement and commitment element, so a
proof cannot be moved to another election, voter or option.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmre.crypto.elgamal import Ciphertext
from vmre.crypto.group import G, L, Point, base_mul, hash_to_scalar, random_scalar

BIT_TAG = "vmre/proof/bit/v1"


@dataclass(frozen=True, slots=True)
class BitProof:
    c0: int
    c1: int
    s0: int
    s1: int


@dataclass(frozen=True, slots=True)
class EqualLogsProof:
    challenge: int
    response: int


def _bit_commitments(pk: Point, ct: Ciphertext, j: int, c: int, s: int) -> tuple[Point, Point]:
    # A_j = s·G − c·α ;  B_j = s·X − c·(β − j·G)
    shifted = ct.beta - G if j else ct.beta
    return base_mul(s) - ct.alpha * c, pk * s - shifted * c


def prove_bit(pk: Point, ct: Ciphertext, m: int, r: int, context: tuple,
              nonces: tuple[int, int, int] | None = None) -> BitProof:
    """Proof that `ct` = Enc(m; r) with m in {0, 1}. `nonces` = (w, c_fake, s_fake) for
    reproducible test vectors; random otherwise."""
    if m not in (0, 1):
        raise ValueError("m must be 0 or 1")
    w, c_fake, s_fake = nonces if nonces else (random_scalar(), random_scalar(), random_scalar())
    fake = 1 - m
    a_fake, b_fake = _bit_commitments(pk, ct, fake, c_fake, s_fake)
    a_real, b_real = base_mul(w), pk * w
    if m == 0:
        a0, b0, a1, b1 = a_real, b_real, a_fake, b_fake
    else:
        a0, b0, a1, b1 = a_fake, b_fake, a_real, b_real
    c = hash_to_scalar(BIT_TAG, *context, pk, ct.alpha, ct.beta, a0, b0, a1, b1)
    c_real = (c - c_fake) % L
    s_real = (w + c_real * r) % L
    if m == 0:
        return BitProof(c_real, c_fake, s_real, s_fake)
    return BitProof(c_fake, c_real, s_fake, s_real)


def verify_bit(pk: Point, ct: Ciphertext, proof: BitProof, context: tuple) -> bool:
    if not all(0 <= x < L for x in (proof.c0, proof.c1, proof.s0, proof.s1)):
        return False  # one spelling per proof: c + L or s + L would pass the equations
    a0, b0 = _bit_commitments(pk, ct, 0, proof.c0, proof.s0)
    a1, b1 = _bit_commitments(pk, ct, 1, proof.c1, proof.s1)
    c = hash_to_scalar(BIT_TAG, *context, pk, ct.alpha, ct.beta, a0, b0, a1, b1)
    return (proof.c0 + proof.c1) % L == c


def prove_equal_logs(tag: str, h: Point, u: Point, v: Point, secret: int, context: tuple,
                     nonce: int | None = None) -> EqualLogsProof:
    """Proof that u = secret·G and v = secret·h."""
    w = nonce if nonce is not None else random_scalar()
    a, b = base_mul(w), h * w
    c = hash_to_scalar(tag, *context, h, u, v, a, b)
    return EqualLogsProof(c, (w + c * secret) % L)


def verify_equal_logs(tag: str, h: Point, u: Point, v: Point, proof: EqualLogsProof,
                      context: tuple) -> bool:
    if not (0 <= proof.challenge < L and 0 <= proof.response < L):
        return False
    a = base_mul(proof.response) - u * proof.challenge
    b = h * proof.response - v * proof.challenge
    return hash_to_scalar(tag, *context, h, u, v, a, b) == proof.challenge
