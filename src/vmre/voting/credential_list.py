"""The signed list of public credentials that the registry hands to the voting server.

Document (JSON, see docs/record.md §5):
  {"election_id": str, "issuer": hex point, "credentials": [{"credential": hex, "entity": id}],
   "signature": {"challenge": hex, "response": hex}}
The signature (Schnorr, tag `vmre/credential-list/v1`) covers the canonical JSON of the
document without its "signature" member. Entries are sorted by credential and unique.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmre.core.messages import UserError
from vmre.crypto import schnorr
from vmre.crypto.encoding import canonical_json
from vmre.crypto.group import (
    GroupError,
    Point,
    base_mul,
    point_from_hex,
    scalar_bytes,
    scalar_from_hex,
)

TAG = "vmre/credential-list/v1"


@dataclass(frozen=True)
class CredentialList:
    election_id: str
    issuer: Point
    entries: dict[str, str]  # credential hex -> entity id
    document: dict


def sign_credential_list(election_id: str, issuer_secret: int,
                         entries: list[tuple[Point, str]]) -> dict:
    """What the registry publishes: every public credential with its voter's entity."""
    issuer = base_mul(issuer_secret)
    rows = sorted(({"credential": p.hex(), "entity": e} for p, e in entries),
                  key=lambda r: r["credential"])
    if len({r["credential"] for r in rows}) != len(rows):
        raise UserError("voting.credentials.duplicate")
    body = {"election_id": election_id, "issuer": issuer.hex(), "credentials": rows}
    sig = schnorr.sign(TAG, issuer_secret, issuer, canonical_json(body))
    body["signature"] = {"challenge": scalar_bytes(sig.challenge).hex(),
                         "response": scalar_bytes(sig.response).hex()}
    return body


def verify_credential_list(document: dict, issuer: Point | None = None) -> CredentialList:
    """Check the signature (and, if given, that the issuer is the expected one)."""
    if not isinstance(document, dict):
        raise UserError("voting.credentials.malformed", reason="not a JSON object")
    try:
        body = {k: v for k, v in document.items() if k != "signature"}
        signer = point_from_hex(document["issuer"])
        sig = schnorr.Signature(scalar_from_hex(document["signature"]["challenge"]),
                                scalar_from_hex(document["signature"]["response"]))
        entries: dict[str, str] = {}
        for row in document["credentials"]:
            point_from_hex(row["credential"])
            if row["credential"] in entries:
                raise UserError("voting.credentials.duplicate")
            entries[row["credential"]] = str(row["entity"])
    except (KeyError, TypeError, GroupError) as err:
        raise UserError("voting.credentials.malformed", reason=str(err)) from None
    if issuer is not None and signer != issuer:
        raise UserError("voting.credentials.wrong_issuer")
    if not schnorr.verify(TAG, signer, canonical_json(body), sig):
        raise UserError("voting.credentials.bad_signature")
    return CredentialList(str(document["election_id"]), signer, entries, document)
