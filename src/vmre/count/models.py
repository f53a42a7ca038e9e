"""Tables of the count: voting modality per voter, postal packages and courier events,
counting tables (MEC), captures, actas with their versions, and entity counts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime

POSTAL = "postal"
INTERNET = "internet"
ELECTRONIC = "electronic"


class VoterModality(Base):
    """One row per voter and election: the unique key is what keeps the two lists apart."""

    __tablename__ = "count_voter_modalities"
    __table_args__ = (UniqueConstraint("election_id", "voter_ref",
                                       name="uq_count_voter_modalities_voter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(String(48), index=True)
    voter_ref: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(8))
    modality: Mapped[str] = mapped_column(String(16))


class PostalSettings(Base):
    __tablename__ = "count_postal_settings"

    election_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    deadline: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Package(Base):
    __tablename__ = "count_packages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(String(48), index=True)
    voter_ref: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(8), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)  # personal data: on the label only, never logged
    country: Mapped[str] = mapped_column(String(80))
    outbound_tracking: Mapped[str] = mapped_column(String(40), unique=True)
    return_tracking: Mapped[str] = mapped_column(String(40), unique=True)
    # prepared, shipped, delivered, received, late; other_modality: on the postal LNERE but
    # an internet voter in the count, so never printed nor sent (docs/count.md §2.2)
    status: Mapped[str] = mapped_column(String(16), default="prepared")
    received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    table_id: Mapped[int | None] = mapped_column(ForeignKey("count_tables.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class EnvelopeReturn(Base):
    """Every scan of a returned envelope, accepted or refused (docs/count.md §2.5): the list
    of refusals, and the history behind each package's return mark. Holds the envelope code
    only, never a name."""

    __tablename__ = "count_envelope_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(String(48), index=True)
    envelope: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # on_time, late (both mark the package); duplicate, unknown, other_modality (refused)
    outcome: Mapped[str] = mapped_column(String(16))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("count_packages.id"))
    operator: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class CourierEvent(Base):
    __tablename__ = "count_courier_events"
    __table_args__ = (UniqueConstraint("tracking", "at", "status",
                                       name="uq_count_courier_events_tracking"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(24))
    location: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(8))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("count_packages.id"))


class CountingTable(Base):
    """A mesa de escrutinio y cómputo (MEC) of one entity; number 0 is the electronic table."""

    __tablename__ = "count_tables"
    __table_args__ = (UniqueConstraint("election_id", "entity", "number",
                                       name="uq_count_tables_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(String(48), index=True)
    entity: Mapped[str] = mapped_column(String(8))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default=POSTAL)

    @property
    def label(self) -> str:
        return f"{self.entity}-electronica" if self.kind == ELECTRONIC else \
            f"{self.entity}-{self.number:02d}"


class Capture(Base):
    """One operator's independent entry of one acta (slot 1 or 2) in one capture round."""

    __tablename__ = "count_captures"
    __table_args__ = (UniqueConstraint("table_id", "contest_id", "version", "slot",
                                       name="uq_count_captures_slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("count_tables.id"), index=True)
    contest_id: Mapped[str] = mapped_column(String(48))
    version: Mapped[int] = mapped_column(Integer)
    slot: Mapped[int] = mapped_column(Integer)
    operator: Mapped[str] = mapped_column(String(120))
    figures: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Acta(Base):
    """One version of a table's acta for one contest; older versions stay as history."""

    __tablename__ = "count_actas"
    __table_args__ = (UniqueConstraint("table_id", "contest_id", "version",
                                       name="uq_count_actas_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("count_tables.id"), index=True)
    contest_id: Mapped[str] = mapped_column(String(48))
    version: Mapped[int] = mapped_column(Integer)
    # open (capturing), mismatch (captures differ), blocked (inconsistent), valid
    status: Mapped[str] = mapped_column(String(16), default="open")
    figures: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(80), default="")  # catalogue key
    reason_params: Mapped[str] = mapped_column(Text, default="{}")
    recapture_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class EntityCount(Base):
    __tablename__ = "count_entity_counts"
    __table_args__ = (UniqueConstraint("election_id", "entity", "version",
                                       name="uq_count_entity_counts_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(String(48), index=True)
    entity: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    figures: Mapped[str] = mapped_column(Text)
    figures_sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
