"""Tables of the voter cards issued abroad (CPVE) and of the reminder campaigns."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime


class Mechanism(StrEnum):
    """The four delivery mechanisms of the operating model (MOCE, INE/CG61/2020)."""

    HOME = "home"  # residence; optional consent for someone else there to receive it
    ALTERNATE = "alternate"  # an alternate address the citizen authorised; the same consent
    OCURRE = "ocurre"  # the courier's office, "Ocurre": the fallback, never chosen
    PO_BOX = "po_box"  # a P.O. Box the citizen authorised


# What a citizen may choose on the request: a), b) and d). Ocurre (c) is only the fallback
# when delivery at a) or b) fails (INE/CG61/2020).
CHOOSABLE = (Mechanism.HOME, Mechanism.ALTERNATE, Mechanism.PO_BOX)


class RequestStatus(StrEnum):
    REQUESTED = "requested"  # taken at the consulate
    IN_PRODUCTION = "in_production"  # assigned to a production batch
    SHIPPED = "shipped"  # a shipment is under way
    DELIVERED = "delivered"
    RETURNED = "returned"  # back in Mexico after failed delivery
    ACTIVATED = "activated"  # the citizen confirmed receipt


class ShipmentStatus(StrEnum):
    CREATED = "created"
    IN_TRANSIT = "in_transit"
    AT_OCURRE = "at_ocurre"
    DELIVERED = "delivered"
    RETURNING = "returning"
    RETURNED = "returned"


class ActivationChannel(StrEnum):
    PHONE = "phone"  # through the citizen-service centre
    WEB = "web"


class NoticeChannel(StrEnum):
    EMAIL = "email"
    CALL = "call"


class CardRequest(Base):
    __tablename__ = "cards_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(40), unique=True)
    elector_key: Mapped[str | None] = mapped_column(String(18), index=True)
    consulate: Mapped[str] = mapped_column(String(80), index=True)
    country: Mapped[str] = mapped_column(String(2), index=True)  # ISO 3166-1 alpha-2
    appointment_date: Mapped[dt.date] = mapped_column(Date, index=True)
    entity: Mapped[str] = mapped_column(String(6), index=True)  # entity of origin
    mechanism: Mapped[str] = mapped_column(String(20))
    third_party_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.REQUESTED.value)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("cards_batches.id"))
    activated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    activation_channel: Mapped[str | None] = mapped_column(String(20))


class ProductionBatch(Base):
    __tablename__ = "cards_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    produced_on: Mapped[dt.date] = mapped_column(Date)


class Shipment(Base):
    __tablename__ = "cards_shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("cards_requests.id"), index=True)
    tracking: Mapped[str] = mapped_column(String(60), unique=True)
    mechanism: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ShipmentStatus.CREATED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    shipped_on: Mapped[dt.date] = mapped_column(Date)
    ocurre_since: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


class CourierEvent(Base):
    __tablename__ = "cards_courier_events"
    # The courier may send the same event twice: it is stored once.
    __table_args__ = (UniqueConstraint("shipment_id", "kind", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("cards_shipments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    detail: Mapped[str] = mapped_column(Text, default="")


class Campaign(Base):
    __tablename__ = "cards_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    requested_until: Mapped[dt.date] = mapped_column(Date)  # rule: requested on or before
    # One channel per campaign ("sendas campañas"): email or call; "" is a campaign of the
    # first schema that used both. Its audience: whom the rule matched at the last run.
    channel: Mapped[str] = mapped_column(String(10), default="")
    audience: Mapped[int] = mapped_column(Integer, default=0)
    unreachable: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Notice(Base):
    __tablename__ = "cards_notices"
    # Never the same person twice in one campaign.
    __table_args__ = (UniqueConstraint("campaign_id", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("cards_campaigns.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("cards_requests.id"))
    channel: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # sent, queued, failed, answered...
