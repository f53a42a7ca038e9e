"""The delivery state machine: three attempts, then Ocurre for 30 days, then back to Mexico."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmre.cards.delivery import DeliveryState, Event, advance, ocurre_expired
from vmre.cards.models import ShipmentStatus as S
from vmre.core.messages import UserError

DAY = dt.date(2020, 1, 6)


def test_three_failed_attempts_then_ocurre_then_return():
    state = advance(DeliveryState(), Event.PICKED_UP, DAY)
    state = advance(state, Event.ATTEMPT_FAILED, DAY)
    state = advance(state, Event.ATTEMPT_FAILED, DAY + dt.timedelta(days=1))
    assert state.status is S.IN_TRANSIT and state.attempts == 2
    held_on = DAY + dt.timedelta(days=2)
    state = advance(state, Event.ATTEMPT_FAILED, held_on)
    assert state.status is S.AT_OCURRE and state.ocurre_since == held_on
    with pytest.raises(UserError) as err:  # day 29: still held
        advance(state, Event.RETURN_STARTED, held_on + dt.timedelta(days=29))
    assert (err.value.key, err.value.params) == ("cards.error.ocurre_not_expired", {"days": 30})
    assert not ocurre_expired(state, held_on + dt.timedelta(days=29))
    assert ocurre_expired(state, held_on + dt.timedelta(days=30))
    state = advance(state, Event.RETURN_STARTED, held_on + dt.timedelta(days=30))
    state = advance(state, Event.RETURNED, held_on + dt.timedelta(days=40))
    assert state.status is S.RETURNED and state.closed_on == held_on + dt.timedelta(days=40)
    with pytest.raises(UserError) as err:
        advance(state, Event.DELIVERED, held_on + dt.timedelta(days=41))
    assert err.value.key == "cards.error.transition"


def test_collection_at_ocurre_and_third_party_consent():
    state = advance(DeliveryState(), Event.PICKED_UP, DAY)
    with pytest.raises(UserError) as err:
        advance(state, Event.DELIVERED, DAY, third_party=True, consent=False)
    assert err.value.key == "cards.error.no_consent"
    assert advance(state, Event.DELIVERED, DAY, third_party=True,
                   consent=True).status is S.DELIVERED
    with pytest.raises(UserError) as err:  # Ocurre only after a failed attempt
        advance(state, Event.ARRIVED_OCURRE, DAY)
    assert err.value.key == "cards.error.ocurre_fallback_only"
    failed = advance(state, Event.ATTEMPT_FAILED, DAY)
    at_office = advance(failed, Event.ARRIVED_OCURRE, DAY)
    done = advance(at_office, Event.COLLECTED, DAY + dt.timedelta(days=12))
    assert done.status is S.DELIVERED and done.closed_on == DAY + dt.timedelta(days=12)


@given(st.lists(st.sampled_from(list(Event)), max_size=25), st.booleans())
def test_any_event_sequence_keeps_the_rules(events, consent):
    state, day = DeliveryState(), DAY
    for event in events:
        day += dt.timedelta(days=11)
        try:
            new = advance(state, event, day, third_party=True, consent=consent)
        except UserError:
            continue
        assert new.attempts <= 3
        if state.status in (S.DELIVERED, S.RETURNED):
            pytest.fail("a closed shipment moved")
        if new.status is S.RETURNING:
            assert state.status is S.AT_OCURRE and day >= state.ocurre_since + dt.timedelta(30)
        if new.status is S.DELIVERED and event is Event.DELIVERED:
            assert consent
        state = new
