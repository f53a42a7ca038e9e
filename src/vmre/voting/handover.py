"""The hand-over from the registry (credential authority) to the voting server.

This document is everything that crosses the seam between the two trust domains when
internet credentials are issued (docs/sivei.md §3, docs/voting.md "Trust domains"):

- the signed list of public credentials (vmre.voting.credential_list), which replaces the
  election's list as a whole (the board refuses that once the first ballot is in);
- per voter, the access data an account needs: entity, e-mail, phone (for the knowledge
  check), the public credential the account is bound to, and the SHA-256 of the single-use
  activation token that the voter's mail carries.

It never holds a credential's secret code nor a link token: the registry puts those in the
voter's mail only. The voting server checks the list's signature (and, once a list is
loaded, that the same issuer signed the new one) and that every account's credential is on
the list for its entity before it writes anything.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vmre.core import audit
from vmre.core.messages import UserError
from vmre.voting import accounts
from vmre.voting.accounts import VoterAccount
from vmre.voting.board import Board
from vmre.voting.credential_list import verify_credential_list

VERSION = "vmre/handover/v1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class AccountAccess:
    """One voter's account data as the voting server receives it."""

    entity: str
    email: str
    phone: str
    credential: str  # public credential, hex: the account's ballots must be signed by it
    activation_hash: str  # SHA-256 (hex) of the token in the voter's mail

    def to_json(self) -> dict:
        return {"entity": self.entity, "email": self.email, "phone": self.phone,
                "credential": self.credential, "activation_hash": self.activation_hash}


@dataclass(frozen=True)
class Handover:
    election_id: str
    credential_list: dict  # the signed list, whole
    accounts: tuple[AccountAccess, ...]

    def to_json(self) -> dict:
        return {"version": VERSION, "election_id": self.election_id,
                "credential_list": self.credential_list,
                "accounts": [a.to_json() for a in self.accounts]}

    @classmethod
    def from_json(cls, document: object) -> Handover:
        try:
            if not isinstance(document, dict) or document["version"] != VERSION:
                raise ValueError("version")
            items = tuple(AccountAccess(
                entity=str(a["entity"]), email=str(a["email"]), phone=str(a["phone"]),
                credential=str(a["credential"]).lower(),
                activation_hash=str(a["activation_hash"]).lower())
                for a in document["accounts"])
            return cls(str(document["election_id"]), dict(document["credential_list"]), items)
        except (KeyError, TypeError, ValueError) as err:
            raise UserError("sivei.handover.malformed", reason=str(err)) from None


def _current_issuer(board: Board, election_id: str) -> str | None:
    stored = board.election(election_id).credentials
    return json.loads(stored)["issuer"] if stored else None


def _existing(s: Session, usernames: set[str]) -> dict[str, VoterAccount]:
    found: dict[str, VoterAccount] = {}
    names = sorted(usernames)
    for start in range(0, len(names), 1000):  # within every backend's parameter limit
        found.update((a.username, a) for a in s.scalars(select(VoterAccount).where(
            VoterAccount.username.in_(names[start:start + 1000]))))
    return found


def receive(sessions: sessionmaker[Session], handover: Handover, actor: str = "registry"
            ) -> int:
    """Load the list and create (or re-bind) each voter's account; returns the accounts
    written. Everything is checked before anything is written; a voter already holding an
    account in this election gets the new binding and a new credential link (the old link
    and the old code stop working), keeping password and second factor."""
    board = Board(sessions)
    issuer = _current_issuer(board, handover.election_id)
    listing = verify_credential_list(handover.credential_list)
    if listing.election_id != handover.election_id:
        raise UserError("voting.credentials.wrong_election")
    if issuer is not None and listing.issuer.hex() != issuer:
        raise UserError("voting.credentials.wrong_issuer")
    seen: set[str] = set()
    for item in handover.accounts:
        if listing.entries.get(item.credential) != item.entity:
            raise UserError("sivei.handover.not_on_list", credential=item.credential[:16])
        if not _HEX64.match(item.activation_hash):
            raise UserError("sivei.handover.malformed", reason="activation_hash")
        if len(re.sub(r"\D", "", item.phone)) < 8:
            raise UserError("sivei.account.bad_phone")
        address = item.email.strip().lower()
        if address in seen:
            raise UserError("sivei.account.exists")
        seen.add(address)
    with sessions() as s:  # a conflict is found before the list changes
        if any(a.election_id != handover.election_id for a in _existing(s, seen).values()):
            raise UserError("sivei.account.exists")
    # the list first: it is refused once the first ballot is in, and then no account may be
    # re-bound to a credential that is not eligible
    board.load_credentials(handover.election_id, handover.credential_list)
    with sessions() as s, s.begin():
        existing = _existing(s, seen)
        for item in handover.accounts:
            account = existing.get(item.email.strip().lower())
            if account is None:
                account = accounts.enrol(s, handover.election_id, item.entity, item.email,
                                         item.phone, item.credential)
            else:
                account.entity, account.phone = item.entity, item.phone.strip()
                account.credential_public = item.credential
            accounts.set_activation(account, item.activation_hash)
        audit.record(s, actor, "voting.handover_received", handover.election_id,
                     f"accounts={len(handover.accounts)} list={len(listing.entries)}")
    return len(handover.accounts)
