"""An append-only audit log shared by every part: who did what, when, to what, and why."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core.database import Base, UtcDateTime


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


def record(session: Session, actor: str, action: str, subject: str = "", detail: str = "") -> None:
    """Append one event; never pass a vote, a secret or personal data in `detail`."""
    session.add(AuditEvent(actor=actor, action=action, subject=subject, detail=detail))


def append(session: Session, actor: str, action: str, subject: str = "",
           detail: str = "") -> None:
    """`record`, written at once with one INSERT and no unit-of-work bookkeeping (for the
    paths taken many times a second); the same rule: no personal data in `detail`."""
    session.execute(insert(AuditEvent.__table__), {"at": utcnow(), "actor": actor,
                                                   "action": action, "subject": subject,
                                                   "detail": detail})


def events(session: Session, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
