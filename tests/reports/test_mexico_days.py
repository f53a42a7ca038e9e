"""A cut-off day is a Mexico City day: a card delivered in Madrid at 01:00 on 1 March (18:00
on 29 February in Mexico City) is delivered by the 29 February cut-off of the biweekly report."""

from __future__ import annotations

import csv
import datetime as dt
import io

from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.cards.imports import import_requests
from vmre.cards.service import create_batch, ship
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

REQUESTS = ("request_id,consulate,country,appointment_date,entity,mechanism,"
            "third_party_consent,elector_key,email,phone\n"
            "R1,Madrid,ES,2020-02-03,JAL,home,,,r1@correo.example,\n")


def _secretariat(app) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, "sec", "contraseña-de-prueba", [Role.SECRETARIAT])
    client = TestClient(app)
    sign_in(client, "sec", "contraseña-de-prueba")
    return client


def _jal(client: TestClient, cutoff: str) -> dict[str, str]:
    reply = client.get(f"/admin/reports/biweekly.csv?cutoff={cutoff}")
    assert reply.status_code == 200
    return next(r for r in csv.DictReader(io.StringIO(reply.text)) if r["entity"] == "JAL")


def test_delivery_after_utc_midnight_counts_on_the_mexico_city_day(db_url, monkeypatch):
    monkeypatch.setenv("VMRE_COURIER_TOKEN", "ficha-de-la-mensajeria")
    app = create_app(db_url, secret_key="test")
    with transaction(app.state.sessions) as s:
        assert import_requests(s, REQUESTS).accepted == 1
        create_batch(s, "L1", dt.date(2020, 2, 21), ["R1"])
        ship(s, "R1", "T1", dt.date(2020, 2, 22))
    courier = TestClient(app)
    events = [{"tracking": "T1", "event": "picked_up", "occurred_at": "2020-02-24T10:00:00+01:00"},
              {"tracking": "T1", "event": "delivered", "occurred_at": "2020-03-01T01:00:00+01:00"}]
    reply = courier.post("/api/v1/cards/courier-events", json=events,
                         headers={"Authorization": "Bearer ficha-de-la-mensajeria"})
    assert reply.status_code == 200, reply.text
    client = _secretariat(app)
    assert _jal(client, "2020-02-29")["delivered_to_date"] == "1"
    assert _jal(client, "2020-02-28")["delivered_to_date"] == "0"
