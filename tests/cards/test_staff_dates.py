"""The cards and citizen-service staff tables show days and times the one way people read
them, on Mexico City's clock: "14 de enero de 2019, 23:30 (hora del centro de México)",
"31 December 2018" — never an ISO stamp."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

REQUESTS = ("request_id,consulate,country,appointment_date,entity,mechanism,email,phone\n"
            "Q1,Chicago,US,2018-05-01,JAL,home,q1@correo.example,\n")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_cards_and_service_tables_show_peoples_dates(sqlite_url, monkeypatch):
    app = create_app(sqlite_url, secret_key="test")
    with transaction(app.state.sessions) as s:
        create_user(s, "sup", "contraseña-de-prueba",
                    [Role.SUPERVISOR, Role.AGENT, Role.SECRETARIAT])
    staff = TestClient(app)
    sign_in(staff, "sup", "contraseña-de-prueba")
    token = _csrf(staff.get("/admin/cards/").text)
    staff.post("/admin/cards/requests/import", data={"csrf": token},
               files={"file": ("r.csv", REQUESTS)})
    made = staff.post("/admin/cards/campaigns", data={
        "code": "aviso-1", "name": "Primer aviso", "requested_until": "2018-12-31",
        "channel": "email", "csrf": token})
    assert made.status_code == 200
    assert "<td>31 de diciembre de 2018</td>" in made.text and "2018-12-31<" not in made.text
    english = staff.get("/admin/cards/campaigns?lang=en").text
    assert "<td>31 December 2018</td>" in english

    staff.post("/admin/cards/batches", data={"code": "L1", "produced_on": "2019-01-10",
                                             "request_ids": "Q1", "csrf": token})
    staff.post("/admin/cards/shipments", data={"request_id": "Q1", "tracking": "T-1",
                                               "shipped_on": "2019-01-12", "csrf": token})
    monkeypatch.setenv("VMRE_COURIER_TOKEN", "s3cret")
    # 05:30 UTC on the 15th is still the 14th in Mexico City
    sent = TestClient(app).post("/api/v1/cards/courier-events", headers={
        "Authorization": "Bearer s3cret"}, json=[{"tracking": "T-1", "event": "picked_up",
                                                  "occurred_at": "2019-01-15T05:30:00+00:00"}])
    assert sent.json() == {"accepted": 1, "refused": []}
    request = staff.get("/admin/cards/requests?ref=Q1&lang=es").text
    assert "<td>14 de enero de 2019, 23:30 (hora del centro de México)</td>" in request
    assert "2019-01-14 23:30" not in request
    assert ("<td>14 January 2019, 23:30 (Mexico City time)</td>"
            in staff.get("/admin/cards/requests?ref=Q1&lang=en").text)

    saved = staff.post("/admin/service/activities?lang=es", data={
        "section": "improvements", "happened_on": "2020-02-21", "text": "Acuerdo INE/CG61/2020",
        "csrf": token})
    assert saved.status_code == 200
    assert "<td>21 de febrero de 2020</td>" in saved.text and "2020-02-21<" not in saved.text
