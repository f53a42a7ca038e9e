"""Use cases of the citizen-service centre: log contacts, find them, count them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vmre.core import audit
from vmre.core.audit import utcnow
from vmre.core.clock import mexico_month
from vmre.core.messages import UserError
from vmre.service.models import Channel, Contact, Origin, Resolution, Topic
from vmre.service.periods import Period


@dataclass
class ContactFigures:
    total: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_origin: dict[str, int] = field(default_factory=dict)
    by_topic: dict[str, int] = field(default_factory=dict)
    by_month: dict[dt.date, int] = field(default_factory=dict)


def _choice(kind: type, value: str, key: str):
    try:
        return kind(value)
    except ValueError:
        raise UserError(key, value=value) from None


def log_contact(
    session: Session,
    *,
    agent: str,
    channel: str,
    origin: str,
    topic: str,
    occurred_at: dt.datetime | None = None,
    registration_folio: str | None = None,
    card_request: str | None = None,
    notes: str = "",
    resolution: str = Resolution.RESOLVED.value,
) -> Contact:
    if occurred_at is not None and occurred_at.tzinfo is None:
        raise UserError("service.import.no_timezone", value=occurred_at.isoformat())
    contact = Contact(
        # Stored in UTC: SQLite keeps the wall time and drops the offset.
        occurred_at=(occurred_at or utcnow()).astimezone(dt.UTC),
        channel=_choice(Channel, channel, "service.error.channel").value,
        origin=_choice(Origin, origin, "service.error.origin").value,
        topic=_choice(Topic, topic, "service.error.topic").value,
        resolution=_choice(Resolution, resolution, "service.error.resolution").value,
        agent=agent,
        registration_folio=(registration_folio or "").strip() or None,
        card_request=(card_request or "").strip() or None,
        notes=notes.strip(),
    )
    session.add(contact)
    session.flush()
    audit.record(session, agent, "service.contact", str(contact.id))
    return contact


def find_contacts(session: Session, reference: str, limit: int = 100) -> list[Contact]:
    """Contacts about one person, found by registration folio or card request id."""
    ref = reference.strip()
    if not ref:
        return []
    query = (
        select(Contact)
        .where(or_(Contact.registration_folio == ref, Contact.card_request == ref))
        .order_by(Contact.occurred_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def recent_contacts(session: Session, limit: int = 50) -> list[Contact]:
    return list(session.scalars(select(Contact).order_by(Contact.id.desc()).limit(limit)))


def contact_figures(session: Session, period: Period) -> ContactFigures:
    """Counts for the period by channel, origin, topic and month, every code listed."""
    first, after = period.instants()
    in_period = (Contact.occurred_at >= first) & (Contact.occurred_at < after)
    figures = ContactFigures()
    for column, target, kind in (
        (Contact.channel, figures.by_channel, Channel),
        (Contact.origin, figures.by_origin, Origin),
        (Contact.topic, figures.by_topic, Topic),
    ):
        target.update({member.value: 0 for member in kind})
        rows = session.execute(select(column, func.count()).where(in_period).group_by(column))
        target.update({code: count for code, count in rows})
    figures.total = sum(figures.by_channel.values())
    months: Counter[dt.date] = Counter({m: 0 for m in period.months()})
    # Months are counted in Python: date truncation differs between SQLite and PostgreSQL.
    for (at,) in session.execute(select(Contact.occurred_at).where(in_period)):
        months[mexico_month(at)] += 1  # the Mexico City month
    figures.by_month = dict(sorted(months.items()))
    return figures
