"""The election fingerprint: one value that pins what a verifier must never take from the
record alone (docs/record.md §2.4).

It is SHA-256 of the canonical JSON of a small document (`fingerprint.json` in the record):
the election's base hash (which commits to manifest, joint key, custodians, threshold and
ceremony transcript), the credential authority's key, the voting server's receipt key, the
revoting policy, the modalities whose counts the record must hold, and the version of the
rules the verifier applies. The voting server fixes it before the window opens and it is
published (opening act, integrity page, receipts); an auditor compares the value `vmre verify`
recomputes with the published one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from vmre.crypto.encoding import canonical_json

VERSION = "vmre/fingerprint/v1"
RULES = "vmre-record/2"  # docs/record.md, version 2: the checks `vmre verify` applies


def modalities(postal: Iterable[str] = ()) -> dict:
    """Internet always; `postal` the entities whose count adds postal counting tables."""
    return {"internet": True, "postal": sorted(set(postal))}


def inputs(election_id: str, base_hash: str, issuer_key: str, receipt_key: str,
           revote_policy: str, postal: Iterable[str] = ()) -> dict:
    """The fingerprint's inputs; hex strings are lower-case hex of the raw bytes."""
    return {"version": VERSION, "election_id": election_id, "base_hash": base_hash,
            "issuer_key": issuer_key, "receipt_key": receipt_key,
            "revote_policy": revote_policy, "modalities": modalities(postal), "rules": RULES}


def fingerprint(document: dict) -> str:
    """Hex SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the inputs."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


def grouped(value: str) -> str:
    """The fingerprint in groups of four characters, for reading aloud and comparing."""
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))
