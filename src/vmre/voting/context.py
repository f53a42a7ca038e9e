"""The election's public parameters after the opening ceremony, and its base hash.

base_hash = first 32 bytes of H("vmre/election/v1", election_id, manifest_hash, joint_key,
n, t, transcript_hash) (docs/record.md §2). Every proof and signature of the election hashes
it in, so a ballot is bound to this manifest, this key and this exact ceremony transcript.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from vmre.crypto.encoding import canonical_json
from vmre.crypto.group import Point, hash_parts, point_from_hex
from vmre.voting.manifest import Manifest


def digest32(tag: str, *parts: object) -> bytes:
    return hash_parts(tag, *parts)[:32]


def manifest_hash(manifest: Manifest) -> bytes:
    return hashlib.sha256(manifest.hash_input).digest()


@dataclass(frozen=True)
class ElectionContext:
    manifest: Manifest
    joint_key: Point
    custodians: int
    threshold: int
    transcript_hash: bytes

    @property
    def election_id(self) -> str:
        return self.manifest.election_id

    # Cached: every proof of every ballot hashes the base hash in.
    @cached_property
    def manifest_hash(self) -> bytes:
        return manifest_hash(self.manifest)

    @cached_property
    def base_hash(self) -> bytes:
        return digest32("vmre/election/v1", self.election_id, self.manifest_hash,
                        self.joint_key, self.custodians, self.threshold, self.transcript_hash)

    def to_json(self) -> dict:
        return {"election_id": self.election_id, "manifest_hash": self.manifest_hash.hex(),
                "joint_public_key": self.joint_key.hex(), "custodians": self.custodians,
                "threshold": self.threshold, "transcript_hash": self.transcript_hash.hex(),
                "base_hash": self.base_hash.hex()}

    @classmethod
    def from_json(cls, manifest: Manifest, data: dict) -> ElectionContext:
        return cls(manifest, point_from_hex(data["joint_public_key"]), int(data["custodians"]),
                   int(data["threshold"]), bytes.fromhex(data["transcript_hash"]))


def transcript_hash(transcript: dict) -> bytes:
    """SHA-256 of the transcript's canonical JSON (docs/record.md §4)."""
    return hashlib.sha256(canonical_json(transcript)).digest()
