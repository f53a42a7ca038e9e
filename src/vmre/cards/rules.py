"""The delivery rules of the process (docs/cards.md, "Delivery rules"): how many delivery
attempts the courier makes at the home or alternate address before the card goes to the
courier's office ("Ocurre"), and how many days the office holds it before it returns to
Mexico. The MOCE's values are the defaults; an administrator may set others, each set stored
with its source and who set it, the latest in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime
from vmre.core.messages import UserError

MOCE_SOURCE = ("Modelo de Operación para la Credencialización en el Extranjero (MOCE), "
               "INE/CG1065/2015, modificado por INE/CG61/2020")
MAX_ATTEMPTS_LIMIT, MAX_HOLD_DAYS = 10, 180


@dataclass(frozen=True)
class DeliveryRules:
    attempts: int = 3  # failed attempts at home or the alternate address before Ocurre
    ocurre_days: int = 30  # days held at the Ocurre office before the return to Mexico
    source: str = MOCE_SOURCE


MOCE = DeliveryRules()


class DeliveryRuleSet(Base):
    __tablename__ = "cards_delivery_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    ocurre_days: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


def current(session: Session) -> DeliveryRules:
    """The rules in force: the latest set, or the MOCE's."""
    row = session.scalar(select(DeliveryRuleSet).order_by(DeliveryRuleSet.id.desc()).limit(1))
    return MOCE if row is None else DeliveryRules(row.attempts, row.ocurre_days, row.source)


def set_rules(session: Session, attempts: int, ocurre_days: int, source: str,
              actor: str) -> DeliveryRules:
    source = " ".join(source.split())
    if not 1 <= attempts <= MAX_ATTEMPTS_LIMIT:
        raise UserError("cards.error.rule_attempts", limit=MAX_ATTEMPTS_LIMIT)
    if not 1 <= ocurre_days <= MAX_HOLD_DAYS:
        raise UserError("cards.error.rule_days", limit=MAX_HOLD_DAYS)
    if not source:
        raise UserError("cards.error.rule_source")
    session.add(DeliveryRuleSet(attempts=attempts, ocurre_days=ocurre_days, source=source,
                                set_by=actor))
    session.flush()
    return DeliveryRules(attempts, ocurre_days, source)
