"""Registry tables: registration processes, requests, list closures and the mail outbox."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime, WallClock


class Status(StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TO_CORRECT = "to_correct"
    INCLUDED = "included"


class Modality(StrEnum):
    POSTAL = "postal"
    INTERNET = "internet"


# Reasons a request is rejected (or sent to a deeper review); each has catalogue text.
REASONS = ("not_in_register", "data_mismatch", "card_expired", "card_not_activated", "duplicate",
           "entity_no_election", "address_not_abroad", "proof_of_address", "signature",
           "card_images", "correction_not_made", "several")
# What a citizen may be asked to correct.
CORRECTION_ITEMS = ("card_images", "proof_of_address", "address", "identity", "contact")


class Process(Base):
    """One registration process of an election: who may ask, until when, on which rules.

    Deadlines are wall-clock times in the election's own time zone (naive datetimes)."""

    __tablename__ = "registry_processes"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)  # the election id
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(60), default="America/Mexico_City")
    opens_at: Mapped[dt.datetime] = mapped_column(WallClock)
    closes_at: Mapped[dt.datetime] = mapped_column(WallClock)
    corrections_until: Mapped[dt.datetime] = mapped_column(WallClock)
    correction_days: Mapped[int] = mapped_column(Integer, default=10)
    card_min_validity_year: Mapped[int] = mapped_column(Integer)
    entities: Mapped[str] = mapped_column(String(400))  # comma-separated entity ids
    modalities: Mapped[str] = mapped_column(String(40), default="postal,internet")
    voting_url: Mapped[str] = mapped_column(String(300), default="")
    # Which requests a person must judge after the first review (vmre.registry.rules,
    # docs/registry.md §3.1): all, a sample (review_sample_percent of the clean ones), or
    # only those with a finding.
    review_rule: Mapped[str] = mapped_column(String(10), default="all")
    review_sample_percent: Mapped[int] = mapped_column(Integer, default=10, server_default="10")

    def entity_ids(self) -> list[str]:
        return [e for e in self.entities.split(",") if e]

    def modality_list(self) -> list[str]:
        return [m for m in self.modalities.split(",") if m]


_UNSENT = "confirmation_sent_at IS NULL AND email_confirmed_at IS NULL"


class Request(Base):
    """A request to be put on the list of voters abroad (solicitud individual de inscripción)."""

    __tablename__ = "registry_requests"
    __table_args__ = (
        UniqueConstraint("election_id", "elector_key", name="uq_registry_requests_person"),
        Index("ix_registry_requests_queue", "election_id", "status", "entity_id"),
        # Confirmation mails the mail server has not taken yet (few rows: a small index).
        Index("ix_registry_requests_unsent", "updated_at",
              postgresql_where=text(_UNSENT), sqlite_where=text(_UNSENT)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folio: Mapped[str] = mapped_column(String(20), unique=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("registry_processes.id"))
    status: Mapped[str] = mapped_column(String(20), default=Status.RECEIVED.value)
    given_names: Mapped[str] = mapped_column(String(120))
    first_surname: Mapped[str] = mapped_column(String(80))
    second_surname: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[dt.date] = mapped_column(Date)
    elector_key: Mapped[str] = mapped_column(String(18))
    ocr: Mapped[str] = mapped_column(String(13), default="")
    cic: Mapped[str] = mapped_column(String(9), default="")
    card_issued_abroad: Mapped[bool] = mapped_column(Boolean, default=False)
    entity_id: Mapped[str] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(120))
    postal_code: Mapped[str] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    modality: Mapped[str] = mapped_column(String(10))
    lang: Mapped[str] = mapped_column(String(2), default="es")
    consent_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    card_front_sha: Mapped[str] = mapped_column(String(64), default="")
    card_back_sha: Mapped[str] = mapped_column(String(64), default="")
    proof_sha: Mapped[str] = mapped_column(String(64), default="")
    email_token_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    email_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # The one-time link to change the request, mailed to its confirmed address: only its hash
    # and expiry are kept, and it is cleared once used (docs/registry.md §3).
    change_token_hash: Mapped[str] = mapped_column(String(64), default="", server_default="",
                                                   index=True)
    change_token_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    finding: Mapped[str] = mapped_column(String(40), default="")  # automatic validation
    reason: Mapped[str] = mapped_column(String(40), default="")  # rejection reason
    correction_items: Mapped[str] = mapped_column(String(200), default="")
    correction_deadline: Mapped[dt.datetime | None] = mapped_column(WallClock)  # local time
    # The fields the reviewer named (comma-separated form field names) and their note to the
    # citizen: both shown on the status page and in the mail.
    correction_fields: Mapped[str] = mapped_column(String(300), default="", server_default="")
    correction_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    decided_by: Mapped[str] = mapped_column(String(80), default="")
    closure_id: Mapped[int | None] = mapped_column(ForeignKey("registry_closures.id"))
    addendum: Mapped[bool] = mapped_column(Boolean, default=False)
    credential_public: Mapped[str] = mapped_column(String(64), default="")  # hex point
    credential_issued_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # When the mail server took the confirmation mail of the current link (None: not yet).
    confirmation_sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # When the reminder of the current correction deadline went to the outbox.
    correction_reminded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Postal voters: the code on the return envelope, given at the first postal LNERE export
    # and kept, so every export names the same envelope (docs/count.md §2.1).
    envelope_code: Mapped[str | None] = mapped_column(String(24), unique=True, index=True)

    def full_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.first_surname, self.second_surname) if p)


class Closure(Base):
    """The list (LNERE) of one entity and modality, closed at a moment, with its figures."""

    __tablename__ = "registry_closures"
    __table_args__ = (
        UniqueConstraint("election_id", "entity_id", "modality", name="uq_registry_closures_list"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("registry_processes.id"))
    entity_id: Mapped[str] = mapped_column(String(8))
    modality: Mapped[str] = mapped_column(String(10))
    closed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(80))
    included: Mapped[int] = mapped_column(Integer, default=0)
    addendum: Mapped[int] = mapped_column(Integer, default=0)


class Outbox(Base):
    """Status notices waiting to be mailed: written in the same transaction as the change,
    so a notice is never lost nor sent for a change that was rolled back. Never holds a
    credential secret (those are mailed at once and never stored)."""

    __tablename__ = "registry_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("registry_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, index=True)
    # Times the mail server refused this notice (its address); after MAX_REFUSALS it is no
    # longer tried, and stays here, unsent, for staff to see.
    refusals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class JobRun(Base):
    """The last run of each periodic job (vmre.registry.jobs): when it is due again, and a
    lease so that two runners (the command, a server) never run the same job at once."""

    __tablename__ = "registry_job_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    detail: Mapped[str] = mapped_column(String(300), default="")  # counts or the error's kind
