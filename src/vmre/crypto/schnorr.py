"""Schnorr signatures and proofs of knowledge of a discrete logarithm over ristretto255.

A signature on `message` by key x (public X = x·G) is (c, s) with R = k·G,
c = H(tag, context..., X, R, message), s = k + c·x. Verification recomputes R = s·G − c·X.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmre.crypto.group import G, L, Point, base_mul, hash_to_scalar, random_scalar


@dataclass(frozen=True, slots=True)
class Signature:
    challenge: int
    response: int


def sign(tag: str, secret: int, public: Point, message: bytes, context: tuple = (),
         nonce: int | None = None) -> Signature:
    k = nonce if nonce is not None else random_scalar()
    commitment = base_mul(k)
    c = hash_to_scalar(tag, *context, public, commitment, message)
    return Signature(c, (k + c * secret) % L)


def verify(tag: str, public: Point, message: bytes, sig: Signature, context: tuple = ()) -> bool:
    if not (0 <= sig.challenge < L and 0 <= sig.response < L):
        return False
    if public.is_identity:  # s·G = R holds for any (R, s): anyone could sign for this key
        return False
    commitment = base_mul(sig.response) - public * sig.challenge
    return hash_to_scalar(tag, *context, public, commitment, message) == sig.challenge


def prove_knowledge(tag: str, secret: int, public: Point, context: tuple = (),
                    nonce: int | None = None) -> Signature:
    """A proof that the prover knows log_G(public): a signature on the empty message."""
    return sign(tag, secret, public, b"", context, nonce)


def verify_knowledge(tag: str, public: Point, proof: Signature, context: tuple = ()) -> bool:
    return verify(tag, public, b"", proof, context)


__all__ = ["G", "Signature", "prove_knowledge", "sign", "verify", "verify_knowledge"]
