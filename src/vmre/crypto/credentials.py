"""Voting credentials: the registry (credential authority) makes one per internet voter.

The secret credential is a short code the voter receives; the signing key is derived from it
and the election id, so the same code is worthless in another election. Only the public
credential (key · G) leaves the registry for the voting server.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from vmre.crypto.group import Point, base_mul, hash_to_scalar

# Crockford's base32 without I, L, O, U: easy to read aloud and to type.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_LEN = 5, 5  # 25 characters = 125 bits: offline guessing is hopeless
TAG = "vmre/credential/v1"


@dataclass(frozen=True)
class Credential:
    secret: str  # shown once to the voter, never stored by the voting server
    public: Point


def normalise(secret: str) -> str:
    """Uppercase, no separators, and the usual misreadings mapped (O→0, I/L→1)."""
    cleaned = secret.strip().upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def is_well_formed(secret: str) -> bool:
    code = normalise(secret)
    return len(code) == GROUPS * GROUP_LEN and all(ch in ALPHABET for ch in code)


def new_secret() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LEN))
    return "-".join(raw[i:i + GROUP_LEN] for i in range(0, len(raw), GROUP_LEN))


def signing_key(election_id: str, secret: str) -> int:
    return hash_to_scalar(TAG, election_id, normalise(secret))


def public_credential(election_id: str, secret: str) -> Point:
    return base_mul(signing_key(election_id, secret))


def generate(election_id: str) -> Credential:
    secret = new_secret()
    return Credential(secret, public_credential(election_id, secret))
