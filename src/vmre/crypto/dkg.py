"""Distributed key generation among custodians (Pedersen's protocol with Feldman commitments).

Each custodian i picks a random polynomial f_i of degree t−1, publishes commitments
C_{i,k} = a_{i,k}·G with a Schnorr proof of knowledge of each a_{i,k}, and sends f_i(j) to
custodian j (encrypted to j, see crypto.sealing). Custodian j checks every share it receives
against the commitments; a share that fails is a complaint naming the dealer. The joint key is
X = Σ_{i∈Q} C_{i,0} over the qualified dealers Q; custodian j's key share is
s_j = Σ_{i∈Q} f_i(j), whose public verification key S_j anyone can compute from commitments.
Any t shares recover the secret by Lagrange interpolation at 0; fewer reveal nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vmre.crypto import schnorr
from vmre.crypto.group import IDENTITY, L, Point, base_mul, random_scalar

COEFFICIENT_TAG = "vmre/proof/coefficient/v1"


@dataclass(frozen=True)
class Polynomial:
    coefficients: tuple[int, ...]  # a_0 .. a_{t-1}

    def at(self, x: int) -> int:
        value = 0
        for a in reversed(self.coefficients):
            value = (value * x + a) % L
        return value


@dataclass(frozen=True)
class Announcement:
    """What custodian `index` publishes: commitments to its polynomial and their proofs."""

    index: int
    commitments: tuple[Point, ...]
    proofs: tuple[schnorr.Signature, ...]


def random_polynomial(threshold: int) -> Polynomial:
    return Polynomial(tuple(random_scalar() for _ in range(threshold)))


def announce(index: int, poly: Polynomial, context: tuple) -> Announcement:
    commitments = tuple(base_mul(a) for a in poly.coefficients)
    proofs = tuple(
        schnorr.prove_knowledge(COEFFICIENT_TAG, a, c, (*context, index, k))
        for k, (a, c) in enumerate(zip(poly.coefficients, commitments, strict=True))
    )
    return Announcement(index, commitments, proofs)


def verify_announcement(ann: Announcement, threshold: int, context: tuple) -> bool:
    if len(ann.commitments) != threshold or len(ann.proofs) != threshold:
        return False
    return all(
        schnorr.verify_knowledge(COEFFICIENT_TAG, c, p, (*context, ann.index, k))
        for k, (c, p) in enumerate(zip(ann.commitments, ann.proofs, strict=True))
    )


def commitment_at(commitments: Sequence[Point], x: int) -> Point:
    """Σ_k C_k · x^k = f(x)·G, computed from public data only (Horner's rule)."""
    value = IDENTITY
    for c in reversed(commitments):
        value = value * x + c
    return value


def share_is_valid(share: int, commitments: Sequence[Point], recipient: int) -> bool:
    return base_mul(share) == commitment_at(commitments, recipient)


def joint_public_key(announcements: Iterable[Announcement]) -> Point:
    key = IDENTITY
    for ann in announcements:
        key = key + ann.commitments[0]
    return key


def verification_key(announcements: Iterable[Announcement], recipient: int) -> Point:
    """S_j = s_j·G for custodian j, from the qualified dealers' commitments."""
    key = IDENTITY
    for ann in announcements:
        key = key + commitment_at(ann.commitments, recipient)
    return key


def lagrange_at_zero(index: int, present: Sequence[int]) -> int:
    """λ_index for interpolating at 0 over the custodians `present` (indices start at 1)."""
    num, den = 1, 1
    for j in present:
        if j != index:
            num = num * j % L
            den = den * (j - index) % L
    return num * pow(den, -1, L) % L
