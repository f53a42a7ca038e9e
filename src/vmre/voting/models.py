"""Tables of the voting server: elections, the ballot board, spoiled ballots."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import (
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column

from vmre.core.database import Base, UtcDateTime


class Election(Base):
    __tablename__ = "voting_elections"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    manifest: Mapped[str] = mapped_column(Text)  # JSON
    context: Mapped[str] = mapped_column(Text)  # election.json
    transcript: Mapped[str] = mapped_column(Text)
    credentials: Mapped[str] = mapped_column(Text, default="")  # signed credential list
    revote_policy: Mapped[str] = mapped_column(String(16), default="single")
    receipt_key: Mapped[str] = mapped_column(String(64))  # the server's own signing scalar
    state: Mapped[str] = mapped_column(String(16), default="setup")
    opens_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closes_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    head_hash: Mapped[str] = mapped_column(String(64))
    ballot_count: Mapped[int] = mapped_column(Integer, default=0)
    # SHA-256 of context and credential list: the key under which a server process keeps the
    # parsed election, so that no cast has to read the (large) credential list again.
    digest: Mapped[str] = mapped_column(String(64), default="")
    # The election fingerprint and what it pins besides the row's own columns (docs/record.md
    # §2.4): the credential authority's key and the entities counted with postal tables.
    # Empty until fixed; once fixed, none of its inputs changes.
    issuer_key: Mapped[str] = mapped_column(String(64), default="")
    postal: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of entity ids
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    # Why the window opened without two published audits (vmre.voting.audits): "" when the
    # rule held, else "practice" or "simulacro".
    audit_exemption: Mapped[str] = mapped_column(String(16), default="")


def _digest(context: str, credentials: str) -> str:
    return hashlib.sha256(f"{context}\0{credentials or ''}".encode()).hexdigest()


@event.listens_for(Election, "before_insert")
def _digest_on_insert(_mapper, _connection, target: Election) -> None:
    target.digest = _digest(target.context, target.credentials)


@event.listens_for(Election, "before_update")
def _digest_on_update(_mapper, _connection, target: Election) -> None:
    state = inspect(target)
    if state.attrs.credentials.history.has_changes() or state.attrs.context.history.has_changes():
        target.digest = _digest(target.context, target.credentials)


class BoardEntry(Base):
    __tablename__ = "voting_board"
    __table_args__ = (UniqueConstraint("election_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("voting_elections.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    tracking_code: Mapped[str] = mapped_column(String(64), unique=True)
    credential: Mapped[str] = mapped_column(String(64), index=True)
    ballot: Mapped[str] = mapped_column(Text)
    received_at: Mapped[str] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class SpoiledBallot(Base):
    __tablename__ = "voting_spoiled"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("voting_elections.id"), index=True)
    tracking_code: Mapped[str] = mapped_column(String(64), unique=True)
    ballot: Mapped[str] = mapped_column(Text)
    disclosure: Mapped[str] = mapped_column(Text)
    received_at: Mapped[str] = mapped_column(String(40))


class TakenCode(Base):
    """Every tracking code the board has taken, cast or audited: the one place where a ballot
    is either counted or spoiled, never both (docs/record.md §8.2). Its primary key makes the
    database itself refuse the second of two writers, whichever path each came by."""
    __tablename__ = "voting_taken_codes"

    tracking_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("voting_elections.id"))
    credential: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # CAST or AUDIT


CAST, AUDIT = "cast", "audit"


class ActPdf(Base):
    """An act's PDF once its content is fixed (docs/sivei.md §5): rendered once, then served
    as stored, so anonymous requests never make the server render it again. `cache_key` is
    the SHA-256 of everything the act prints that could change (acts.cache_key)."""
    __tablename__ = "voting_act_pdfs"

    cache_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("voting_elections.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # inicio or cierre
    lang: Mapped[str] = mapped_column(String(2))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
