"""The delivery state machine of one shipment, as a pure function over immutable state.

    created --picked_up--> in_transit
    in_transit --delivered--> delivered                  (home, alternate address, P.O. Box)
    in_transit --attempt_failed--> in_transit            (attempts 1 and 2)
    in_transit --attempt_failed--> at_ocurre             (the third failed attempt)
    in_transit --arrived_ocurre--> at_ocurre             (Ocurre chosen, or courier's call)
    at_ocurre --collected--> delivered
    at_ocurre --return_started--> returning              (held 30 days and not collected)
    returning --returned--> returned                     (back in Mexico)

Delivery at home to someone other than the holder needs the holder's consent.
Every other pair of state and event is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from vmre.cards.models import ShipmentStatus as S
from vmre.core.messages import UserError

MAX_ATTEMPTS = 3
OCURRE_DAYS = 30


class Event(StrEnum):
    PICKED_UP = "picked_up"
    ATTEMPT_FAILED = "attempt_failed"
    DELIVERED = "delivered"
    ARRIVED_OCURRE = "arrived_ocurre"
    COLLECTED = "collected"
    RETURN_STARTED = "return_started"
    RETURNED = "returned"


@dataclass(frozen=True)
class DeliveryState:
    status: S = S.CREATED
    attempts: int = 0
    ocurre_since: dt.date | None = None
    closed_on: dt.date | None = None


def advance(state: DeliveryState, event: Event, on: dt.date, *, third_party: bool = False,
            consent: bool = False) -> DeliveryState:
    """The state after `event` happened on `on`, or UserError if the event cannot happen."""
    status = state.status
    if event is Event.PICKED_UP and status is S.CREATED:
        return replace(state, status=S.IN_TRANSIT)
    if event is Event.DELIVERED and status is S.IN_TRANSIT:
        if third_party and not consent:
            raise UserError("cards.error.no_consent")
        return replace(state, status=S.DELIVERED, closed_on=on)
    if event is Event.ATTEMPT_FAILED and status is S.IN_TRANSIT:
        attempts = state.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return replace(state, status=S.AT_OCURRE, attempts=attempts, ocurre_since=on)
        return replace(state, attempts=attempts)
    if event is Event.ARRIVED_OCURRE and status is S.IN_TRANSIT:
        return replace(state, status=S.AT_OCURRE, ocurre_since=on)
    if event is Event.COLLECTED and status is S.AT_OCURRE:
        return replace(state, status=S.DELIVERED, closed_on=on)
    if event is Event.RETURN_STARTED and status is S.AT_OCURRE:
        if not ocurre_expired(state, on):
            raise UserError("cards.error.ocurre_not_expired", days=OCURRE_DAYS)
        return replace(state, status=S.RETURNING)
    if event is Event.RETURNED and status is S.RETURNING:
        return replace(state, status=S.RETURNED, closed_on=on)
    raise UserError("cards.error.transition", event=event.value, status=status.value)


def ocurre_expired(state: DeliveryState, today: dt.date) -> bool:
    """Held at the Ocurre office for the full 30 days without being collected."""
    return (state.status is S.AT_OCURRE and state.ocurre_since is not None
            and today >= state.ocurre_since + dt.timedelta(days=OCURRE_DAYS))
