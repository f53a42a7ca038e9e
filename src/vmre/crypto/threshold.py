"""Threshold decryption: partial decryptions with Chaum–Pedersen proofs, combined by Lagrange.

Custodian j with key share s_j and verification key S_j = s_j·G publishes, for an aggregate
ciphertext (A, B), D_j = s_j·A and a proof that log_G S_j = log_A D_j. Any t valid shares give
m·G = B − Σ λ_j·D_j.
"""

from __future__ import annotations

from collections.abc import Mapping

from vmre.crypto.dkg import lagrange_at_zero
from vmre.crypto.elgamal import Ciphertext
from vmre.crypto.group import IDENTITY, Point
from vmre.crypto.proofs import EqualLogsProof, prove_equal_logs, verify_equal_logs

SHARE_TAG = "vmre/proof/decryption-share/v1"


def partial_decrypt(share_secret: int, verification: Point, ct: Ciphertext, context: tuple,
                    nonce: int | None = None) -> tuple[Point, EqualLogsProof]:
    d = ct.alpha * share_secret
    proof = prove_equal_logs(SHARE_TAG, ct.alpha, verification, d, share_secret, context, nonce)
    return d, proof


def verify_partial(verification: Point, ct: Ciphertext, d: Point, proof: EqualLogsProof,
                   context: tuple) -> bool:
    return verify_equal_logs(SHARE_TAG, ct.alpha, verification, d, proof, context)


def combine(ct: Ciphertext, shares: Mapping[int, Point]) -> Point:
    """m·G from the partial decryptions of the custodians present (at least t of them)."""
    present = sorted(shares)
    total = IDENTITY
    for j in present:
        total = total + shares[j] * lagrange_at_zero(j, present)
    return ct.beta - total
