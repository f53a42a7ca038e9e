"""The delivery state machine of one shipment, as a pure function over immutable state.

The four mechanisms of INE/CG61/2020 (docs/cards.md): the citizen chooses a) home, b) an
alternate address or d) a P.O. Box; c) the courier's office ("Ocurre") is never chosen: it is
where a card goes when delivery at a) or b) fails.

    created --picked_up--> in_transit
    in_transit --delivered--> delivered                  (home, alternate address, P.O. Box)
    in_transit --attempt_failed--> in_transit            (attempts before the last)
    in_transit --attempt_failed--> at_ocurre             (the last failed attempt, a) or b))
    in_transit --attempt_failed--> returning             (the last failed attempt, P.O. Box)
    in_transit --arrived_ocurre--> at_ocurre             (a) or b), after a failed attempt)
    at_ocurre --collected--> delivered
    at_ocurre --return_started--> returning              (held its days and not collected)
    returning --returned--> returned                     (back in Mexico)

Delivery to someone other than the holder, at home or at the alternate address, needs the
holder's express consent. The number of attempts and the days at Ocurre are the process's
rules (vmre.cards.rules, the MOCE's by default). Every other pair of state and event is
refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from vmre.cards.models import Mechanism
from vmre.cards.models import ShipmentStatus as S
from vmre.cards.rules import MOCE, DeliveryRules
from vmre.core.messages import UserError

# a) and b): where a third person may receive the card with consent, and whose failed delivery
# sends the card to the Ocurre office (c)
ADDRESSES = (Mechanism.HOME.value, Mechanism.ALTERNATE.value)


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
            consent: bool = False, mechanism: str = Mechanism.HOME.value,
            rules: DeliveryRules = MOCE) -> DeliveryState:
    """The state after `event` happened on `on`, or UserError if the event cannot happen."""
    status = state.status
    at_address = mechanism in ADDRESSES
    if event is Event.PICKED_UP and status is S.CREATED:
        return replace(state, status=S.IN_TRANSIT)
    if event is Event.DELIVERED and status is S.IN_TRANSIT:
        if third_party and not (consent and at_address):
            raise UserError("cards.error.no_consent")
        return replace(state, status=S.DELIVERED, closed_on=on)
    if event is Event.ATTEMPT_FAILED and status is S.IN_TRANSIT:
        attempts = state.attempts + 1
        if attempts >= rules.attempts:
            if at_address:
                return replace(state, status=S.AT_OCURRE, attempts=attempts, ocurre_since=on)
            return replace(state, status=S.RETURNING, attempts=attempts)
        return replace(state, attempts=attempts)
    if event is Event.ARRIVED_OCURRE and status is S.IN_TRANSIT:
        if not at_address or state.attempts == 0:  # c) only when delivery at a) or b) failed
            raise UserError("cards.error.ocurre_fallback_only")
        return replace(state, status=S.AT_OCURRE, ocurre_since=on)
    if event is Event.COLLECTED and status is S.AT_OCURRE:
        return replace(state, status=S.DELIVERED, closed_on=on)
    if event is Event.RETURN_STARTED and status is S.AT_OCURRE:
        if not ocurre_expired(state, on, rules):
            raise UserError("cards.error.ocurre_not_expired", days=rules.ocurre_days)
        return replace(state, status=S.RETURNING)
    if event is Event.RETURNED and status is S.RETURNING:
        return replace(state, status=S.RETURNED, closed_on=on)
    raise UserError("cards.error.transition", event=event.value, status=status.value)


def ocurre_expired(state: DeliveryState, today: dt.date, rules: DeliveryRules = MOCE) -> bool:
    """Held at the Ocurre office for the rules' full days without being collected."""
    return (state.status is S.AT_OCURRE and state.ocurre_since is not None
            and today >= state.ocurre_since + dt.timedelta(days=rules.ocurre_days))
