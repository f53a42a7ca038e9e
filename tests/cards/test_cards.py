"""Card requests through production, shipping, courier events and activation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from staff_login import sign_in
from vmre.cards import courier
from vmre.cards.models import CourierEvent, Shipment
from vmre.cards.service import (
    NewRequest,
    activate,
    create_batch,
    create_request,
    expire_ocurre,
    figures,
    is_card_active,
    ship,
)
from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.core.messages import UserError
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

KEY = "GOMZAN80010109H100"


def _factory(url: str):
    engine = make_engine(url)
    migrate(engine)
    return session_factory(engine)


def _seed(factory) -> None:
    with transaction(factory) as s:
        create_request(s, NewRequest("M1", "Chicago", "us", dt.date(2018, 3, 1), "MICH", "home",
                                     third_party_consent=False, elector_key=KEY.lower()))
        create_request(s, NewRequest("M2", "Madrid", "ES", dt.date(2019, 5, 2), "JAL", "home"))
        create_request(s, NewRequest("M3", "Chicago", "US", dt.date(2019, 6, 3), "JAL", "po_box"))
        create_batch(s, "L-2019-01", dt.date(2019, 7, 1), ["M1", "M2", "M3"])
        ship(s, "M1", "T1", dt.date(2019, 7, 2))
        ship(s, "M2", "T2", dt.date(2019, 7, 2))


EVENTS = """tracking,event,occurred_at,third_party
T1,picked_up,2019-07-03T10:00:00-05:00,
T1,attempt_failed,2019-07-05T10:00:00-05:00,
T1,attempt_failed,2019-07-06T10:00:00-05:00,
T1,attempt_failed,2019-07-07T10:00:00-05:00,
T2,picked_up,2019-07-03T10:00:00+02:00,
T2,attempt_failed,2019-07-03T18:00:00+02:00,
T2,arrived_ocurre,2019-07-04T10:00:00+02:00,
T2,collected,2019-07-09T10:00:00+02:00,
"""


def test_requests_shipping_events_activation(db_url):
    factory = _factory(db_url)
    _seed(factory)
    with transaction(factory) as s, pytest.raises(UserError) as err:
        create_request(s, NewRequest("M9", "X", "US", dt.date(2019, 1, 1), "JAL", "po_box",
                                     third_party_consent=True))
    assert err.value.key == "cards.error.consent_address_only"
    # One bad row (unknown tracking) refuses the whole file.
    rows, report = courier.parse_csv(EVENTS + "T9,picked_up,2019-07-03T10:00:00-05:00,\n")
    report = courier.apply_all(factory, rows, report)
    assert [n for n, _ in report.refused] == [10] and report.accepted == 0
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(CourierEvent)) == 0
    rows, report = courier.parse_csv(EVENTS)
    assert courier.apply_all(factory, rows, report).accepted == 8
    # The courier resends, with the instants written in UTC this time: nothing changes.
    resent = EVENTS.replace("2019-07-03T10:00:00-05:00", "2019-07-03T15:00:00+00:00")
    rows, report = courier.parse_csv(resent)
    assert courier.apply_all(factory, rows, report).accepted == 8
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(CourierEvent)) == 8
        t1 = s.scalar(select(Shipment).where(Shipment.tracking == "T1"))
        assert (t1.status, t1.attempts, t1.ocurre_since) == ("at_ocurre", 3, dt.date(2019, 7, 7))
    with transaction(factory) as s:
        assert expire_ocurre(s, dt.date(2019, 8, 5)) == 0
        assert expire_ocurre(s, dt.date(2019, 8, 6)) == 1
    rows, report = courier.parse_csv("tracking,event,occurred_at\n"
                                     "T1,returned,2019-08-20T10:00:00-06:00\n")
    assert courier.apply_all(factory, rows, report).ok
    with transaction(factory) as s:
        assert figures(s, "status") == {"delivered": 1, "in_production": 1, "returned": 1}
        assert figures(s, "country") == {"ES": 1, "US": 2}
        assert figures(s, "entity", start=dt.date(2019, 1, 1)) == {"JAL": 2}
        with pytest.raises(UserError) as err:  # the card went back to Mexico
            activate(s, "M1", "phone", "ana")
        assert err.value.key == "cards.error.not_activatable"
        with pytest.raises(UserError) as err:
            activate(s, "M2", "web", "citizen", elector_key="WRONG")
        assert err.value.key == "cards.error.activation_mismatch"
        activate(s, "M2", "phone", "ana")
        ship(s, "M1", "T1-bis", dt.date(2019, 9, 1))  # reshipped after return
        activate(s, KEY, "web", "citizen", elector_key=KEY)
    with factory() as s:
        assert is_card_active(s, "m2") and is_card_active(s, KEY) and is_card_active(s, "M1")
        assert not is_card_active(s, "M3") and not is_card_active(s, "nobody")
        assert figures(s, "status") == {"activated": 2, "in_production": 1}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_courier_endpoint_and_pages(sqlite_url, monkeypatch):
    app = create_app(sqlite_url, secret_key="test")
    _seed(app.state.sessions)
    client = TestClient(app)
    body = [{"tracking": "T2", "event": "picked_up", "occurred_at": "2019-07-03T10:00:00+02:00"},
            {"tracking": "T2", "event": "collected", "occurred_at": "2019-07-04T10:00:00+02:00"},
            {"tracking": "T2", "event": "attempt_failed",
             "occurred_at": "2019-07-03T18:00:00+02:00"}]
    url = "/api/v1/cards/courier-events"
    assert client.post(url, json=body).status_code == 401
    monkeypatch.setenv("VMRE_COURIER_TOKEN", "s3cret")
    auth = {"Authorization": "Bearer s3cret"}
    refused = client.post(url, json=body, headers=auth)
    assert refused.status_code == 422
    assert [r["row"] for r in refused.json()["detail"]["refused"]] == [2]
    body[1]["event"] = "arrived_ocurre"  # after the failed attempt (INE/CG61/2020)
    assert client.post(url, json=body, headers=auth).json() == {"accepted": 3, "refused": []}

    # Web activation: wrong key and unknown request get the same answer.
    page = client.get("/cards/activate")
    bad = client.post("/cards/activate", data={"request_id": "M1", "elector_key": "X" * 18,
                                               "csrf": _csrf(page.text)})
    unknown = client.post("/cards/activate", data={"request_id": "M404", "elector_key": "X" * 18,
                                                   "csrf": _csrf(page.text)})
    assert bad.status_code == unknown.status_code == 422
    assert re.search(r'role="alert">([^<]+)', bad.text).group(1) == \
        re.search(r'role="alert">([^<]+)', unknown.text).group(1)
    good = client.post("/cards/activate?lang=en", data={
        "request_id": "m1", "elector_key": KEY.lower(), "csrf": _csrf(page.text)})
    assert good.status_code == 200 and "Your card is activated" in good.text
    with app.state.sessions() as s:
        assert is_card_active(s, KEY)

    with transaction(app.state.sessions) as s:
        create_user(s, "ana", "contraseña-de-prueba", [Role.AGENT])
        create_user(s, "sec", "contraseña-de-prueba", [Role.SECRETARIAT])
    agent = TestClient(app)
    sign_in(agent, "ana", "contraseña-de-prueba")
    found = agent.get("/admin/cards/requests?ref=M2")
    assert found.status_code == 200 and "Domicilio" in found.text
    done = agent.post("/admin/cards/activate", data={"ref": "M2", "csrf": _csrf(found.text)})
    assert done.status_code == 200 and "Credencial activada" in done.text
    with app.state.sessions() as s:
        assert is_card_active(s, "M2")
    secretariat = TestClient(app)
    sign_in(secretariat, "sec", "contraseña-de-prueba")
    counts = secretariat.get("/admin/cards/?by=consulate")
    assert counts.status_code == 200 and "Chicago" in counts.text
    assert secretariat.get("/admin/cards/requests?ref=M2").status_code == 403
