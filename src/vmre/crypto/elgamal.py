"""Exponential ElGamal over ristretto255: Enc(m; r) = (r·G, m·G + r·X).

Adding ciphertexts adds plaintexts, which is what lets the tally be computed without
decrypting any single ballot.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmre.crypto.group import IDENTITY, Point, base_mul


@dataclass(frozen=True, slots=True)
class Ciphertext:
    alpha: Point  # r·G
    beta: Point  # m·G + r·X

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)


ZERO = Ciphertext(IDENTITY, IDENTITY)  # the neutral element of ciphertext addition


def encrypt(public_key: Point, message: int, nonce: int) -> Ciphertext:
    return Ciphertext(base_mul(nonce), base_mul(message) + public_key * nonce)


def add_all(ciphertexts) -> Ciphertext:
    total = ZERO
    for c in ciphertexts:
        total = total + c
    return total


def decrypt_to_point(secret_key: int, c: Ciphertext) -> Point:
    """m·G; the small m is then recovered by crypto.dlog."""
    return c.beta - c.alpha * secret_key
