"""Use cases of the voter cards abroad: requests, batches, shipments, events, activation."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vmre.cards import rules
from vmre.cards.delivery import ADDRESSES, DeliveryState, Event, advance, ocurre_expired
from vmre.cards.models import (
    CHOOSABLE,
    ActivationChannel,
    CardRequest,
    CourierEvent,
    Mechanism,
    ProductionBatch,
    RequestStatus,
    Shipment,
    ShipmentStatus,
)
from vmre.core import audit, countries
from vmre.core.audit import utcnow
from vmre.core.clock import day_start, mexico_day
from vmre.core.entities import BY_ID
from vmre.core.messages import UserError

ELECTOR_KEY = re.compile(r"^[A-Z0-9]{18}$")


@dataclass(frozen=True)
class NewRequest:
    request_id: str
    consulate: str
    country: str
    appointment_date: dt.date
    entity: str
    mechanism: str
    third_party_consent: bool = False
    elector_key: str | None = None
    email: str | None = None
    phone: str | None = None


def check_request(new: NewRequest) -> NewRequest:
    """The request with its fields normalised, or UserError naming the first fault."""
    if not new.request_id.strip():
        raise UserError("cards.error.request_id")
    if not new.consulate.strip():
        raise UserError("cards.error.consulate")
    country = new.country.strip().upper()
    if not countries.is_abroad(country):  # a consulate abroad: any ISO 3166-1 country but MX
        raise UserError("cards.error.country", value=new.country)
    if new.entity not in BY_ID:
        raise UserError("cards.error.entity", value=new.entity)
    try:
        mechanism = Mechanism(new.mechanism).value
    except ValueError:
        raise UserError("cards.error.mechanism", value=new.mechanism) from None
    if mechanism not in CHOOSABLE:  # Ocurre is where a failed delivery ends, not a choice
        raise UserError("cards.error.ocurre_not_choosable")
    if new.third_party_consent and mechanism not in ADDRESSES:
        raise UserError("cards.error.consent_address_only")
    key = (new.elector_key or "").strip().upper() or None
    if key is not None and not ELECTOR_KEY.match(key):
        raise UserError("cards.error.elector_key")
    return NewRequest(new.request_id.strip(), new.consulate.strip(), country,
                      new.appointment_date, new.entity, mechanism, new.third_party_consent,
                      key, (new.email or "").strip() or None, (new.phone or "").strip() or None)


def create_request(session: Session, new: NewRequest) -> CardRequest:
    new = check_request(new)
    if session.scalar(select(CardRequest.id).where(CardRequest.request_id == new.request_id)):
        raise UserError("cards.error.duplicate_request", request_id=new.request_id)
    request = CardRequest(**new.__dict__, status=RequestStatus.REQUESTED.value)
    session.add(request)
    session.flush()
    return request


def get_request(session: Session, reference: str) -> CardRequest:
    """A request by its id or by the holder's elector key."""
    ref = reference.strip().upper()
    request = session.scalar(select(CardRequest).where(or_(
        func.upper(CardRequest.request_id) == ref, CardRequest.elector_key == ref
    )).order_by(CardRequest.id.desc()).limit(1))
    if request is None:
        raise UserError("cards.error.no_request", reference=reference)
    return request


def create_batch(session: Session, code: str, produced_on: dt.date,
                 request_ids: list[str]) -> ProductionBatch:
    """Every request is checked before anything is written: no half batch."""
    if not code.strip():
        raise UserError("cards.error.batch_code")
    if session.scalar(select(ProductionBatch.id).where(ProductionBatch.code == code)):
        raise UserError("cards.error.duplicate_batch", code=code)
    requests = [get_request(session, ref) for ref in request_ids]
    for request in requests:
        if request.status != RequestStatus.REQUESTED.value:
            raise UserError("cards.error.not_requested", request_id=request.request_id)
    batch = ProductionBatch(code=code, produced_on=produced_on)
    session.add(batch)
    session.flush()
    for request in requests:
        request.batch_id = batch.id
        request.status = RequestStatus.IN_PRODUCTION.value
    return batch


def ship(session: Session, request_ref: str, tracking: str, shipped_on: dt.date) -> Shipment:
    """A new shipment; a card that came back to Mexico may be shipped again."""
    request = get_request(session, request_ref)
    tracking = tracking.strip()
    if not tracking:
        raise UserError("cards.error.tracking")
    if session.scalar(select(Shipment.id).where(Shipment.tracking == tracking)):
        raise UserError("cards.error.duplicate_tracking", tracking=tracking)
    if request.status not in (RequestStatus.IN_PRODUCTION.value, RequestStatus.RETURNED.value):
        raise UserError("cards.error.not_shippable", request_id=request.request_id,
                        status=request.status)
    shipment = Shipment(request_id=request.id, tracking=tracking,
                        mechanism=request.mechanism, status=ShipmentStatus.CREATED.value,
                        attempts=0, shipped_on=shipped_on)
    session.add(shipment)
    request.status = RequestStatus.SHIPPED.value
    session.flush()
    return shipment


def _state(shipment: Shipment) -> DeliveryState:
    return DeliveryState(ShipmentStatus(shipment.status), shipment.attempts,
                         shipment.ocurre_since, shipment.closed_on)


def _store(shipment: Shipment, request: CardRequest, state: DeliveryState) -> None:
    shipment.status = state.status.value
    shipment.attempts = state.attempts
    shipment.ocurre_since = state.ocurre_since
    shipment.closed_on = state.closed_on
    if request.activated_at is not None:
        return  # activation is final; courier news does not undo it
    if state.status is ShipmentStatus.DELIVERED:
        request.status = RequestStatus.DELIVERED.value
    elif state.status is ShipmentStatus.RETURNED:
        request.status = RequestStatus.RETURNED.value


@dataclass(frozen=True)
class CourierReport:
    tracking: str
    kind: str
    occurred_at: dt.datetime
    third_party: bool = False
    detail: str = ""


def apply_event(session: Session, report: CourierReport) -> bool:
    """Apply one courier event; False when it was already applied (couriers resend)."""
    shipment = session.scalar(select(Shipment).where(Shipment.tracking == report.tracking))
    if shipment is None:
        raise UserError("cards.error.no_shipment", tracking=report.tracking)
    try:
        event = Event(report.kind)
    except ValueError:
        raise UserError("cards.error.event", value=report.kind) from None
    if report.occurred_at.tzinfo is None:
        raise UserError("service.import.no_timezone", value=report.occurred_at.isoformat())
    # The Mexico City day of the instant decides attempts and the 30 days (as every cut-off
    # does); the instant itself is kept in UTC.
    at = report.occurred_at.astimezone(dt.UTC)
    seen = session.scalar(select(CourierEvent.id).where(
        CourierEvent.shipment_id == shipment.id, CourierEvent.kind == event.value,
        CourierEvent.occurred_at == at))
    if seen:
        return False
    request = session.get(CardRequest, shipment.request_id)
    state = advance(_state(shipment), event, mexico_day(report.occurred_at),
                    third_party=report.third_party, consent=request.third_party_consent,
                    mechanism=shipment.mechanism, rules=rules.current(session))
    _store(shipment, request, state)
    session.add(CourierEvent(shipment_id=shipment.id, kind=event.value, occurred_at=at,
                             detail=report.detail))
    session.flush()
    return True


def expire_ocurre(session: Session, today: dt.date) -> int:
    """Start the return to Mexico of every card held its days (the process's rule, 30 by the
    MOCE) at an Ocurre office."""
    in_force = rules.current(session)
    held = session.scalars(select(Shipment).where(
        Shipment.status == ShipmentStatus.AT_OCURRE.value))
    moved = 0
    for shipment in held:
        if ocurre_expired(_state(shipment), today, in_force):
            apply_event(session, CourierReport(
                shipment.tracking, Event.RETURN_STARTED.value,
                day_start(today), detail=f"{in_force.ocurre_days} days"))
            moved += 1
    return moved


def activate(session: Session, reference: str, channel: str, actor: str,
             elector_key: str | None = None) -> CardRequest:
    """The holder confirms receipt. On the web the elector key must match the request."""
    try:
        channel = ActivationChannel(channel).value
    except ValueError:
        raise UserError("cards.error.activation_channel", value=channel) from None
    request = get_request(session, reference)
    if channel == ActivationChannel.WEB.value and (
        not elector_key or request.elector_key != elector_key.strip().upper()
    ):
        raise UserError("cards.error.activation_mismatch")
    if request.activated_at is not None:
        return request
    latest = session.scalar(select(Shipment).where(Shipment.request_id == request.id)
                            .order_by(Shipment.id.desc()).limit(1))
    if latest is None or latest.status in (ShipmentStatus.RETURNING.value,
                                           ShipmentStatus.RETURNED.value):
        raise UserError("cards.error.not_activatable", request_id=request.request_id)
    request.activated_at = utcnow()
    request.activation_channel = channel
    request.status = RequestStatus.ACTIVATED.value
    audit.record(session, actor, "cards.activate", request.request_id, channel)
    return request


def is_card_active(session: Session, elector_key_or_request_id: str) -> bool:
    """Whether the holder activated the card: what the registry asks before it accepts a
    registration from abroad."""
    ref = elector_key_or_request_id.strip().upper()
    if not ref:
        return False
    found = session.scalar(select(func.count()).select_from(CardRequest).where(
        or_(func.upper(CardRequest.request_id) == ref, CardRequest.elector_key == ref),
        CardRequest.activated_at.is_not(None)))
    return bool(found)


def inactive_cards(session: Session, elector_keys: list[str]) -> frozenset[str]:
    """Of these elector keys, those with a card issued abroad that no request ever activated
    (the registry refuses them at first review). Keys the card system does not know are left
    to the federal register's own word."""
    keys = {k.strip().upper() for k in elector_keys if k}
    if not keys:
        return frozenset()
    known, active = set(), set()
    for chunk in [sorted(keys)[i:i + 900] for i in range(0, len(keys), 900)]:
        for key, activated in session.execute(
                select(CardRequest.elector_key, CardRequest.activated_at)
                .where(CardRequest.elector_key.in_(chunk))):
            known.add(key)
            if activated is not None:
                active.add(key)
    return frozenset(known - active)


DIMENSIONS = {
    "country": CardRequest.country,
    "consulate": CardRequest.consulate,
    "entity": CardRequest.entity,
    "mechanism": CardRequest.mechanism,
    "status": CardRequest.status,
}


def figures(session: Session, dimension: str, start: dt.date | None = None,
            end: dt.date | None = None) -> dict[str, int]:
    """Requests per value of one dimension, optionally by appointment date in [start, end]."""
    column = DIMENSIONS.get(dimension)
    if column is None:
        raise UserError("cards.error.dimension", value=dimension)
    query = select(column, func.count()).group_by(column).order_by(column)
    if start is not None:
        query = query.where(CardRequest.appointment_date >= start)
    if end is not None:
        query = query.where(CardRequest.appointment_date <= end)
    return {value: count for value, count in session.execute(query)}
