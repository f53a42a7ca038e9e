"""Campaign and request-import pages, by role."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

REQUESTS = ("request_id,consulate,country,appointment_date,entity,mechanism,email,phone\n"
            "Q1,Chicago,US,2018-05-01,JAL,home,q1@correo.example,\n"
            "Q2,Houston,US,2017-05-01,GTO,alternate,,+17135550000\n")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _client(app, username, roles) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, username, "contraseña-de-prueba", roles)
    client = TestClient(app)
    sign_in(client, username, "contraseña-de-prueba")
    return client


def test_supervisor_imports_and_runs_a_campaign(sqlite_url, smtp_server, tmp_path,
                                                monkeypatch):
    monkeypatch.setenv("VMRE_CALL_LIST", str(tmp_path / "llamadas.csv"))
    app = create_app(sqlite_url, secret_key="test")
    sup = _client(app, "sup", [Role.SUPERVISOR])
    page = sup.get("/admin/cards/")
    bad = sup.post("/admin/cards/requests/import", data={"csrf": _csrf(page.text)},
                   files={"file": ("r.csv", REQUESTS + "Q3,X,US,2018-01-01,XX,home,,\n")})
    assert bad.status_code == 422 and "Línea 4" in bad.text
    ok = sup.post("/admin/cards/requests/import", data={"csrf": _csrf(page.text)},
                  files={"file": ("r.csv", REQUESTS)})
    assert ok.status_code == 200 and "Se importaron 2 filas" in ok.text
    page = sup.get("/admin/cards/campaigns")
    for code, channel in (("aviso-1", "email"), ("aviso-1-tel", "call")):
        made = sup.post("/admin/cards/campaigns", data={
            "code": code, "name": "Primer aviso", "requested_until": "2018-12-31",
            "channel": channel, "csrf": _csrf(page.text)})
        assert made.status_code == 200 and "Primer aviso" in made.text
        ran = sup.post(f"/admin/cards/campaigns/{code}/run", data={"csrf": _csrf(page.text)})
        assert ran.status_code == 200
    assert [m["To"] for m in smtp_server.messages] == ["q1@correo.example"]
    assert "+17135550000" in (tmp_path / "llamadas.csv").read_text(encoding="utf-8")

    sec = _client(app, "sec", [Role.SECRETARIAT])
    seen = sec.get("/admin/cards/campaigns")
    assert seen.status_code == 200 and "Primer aviso" in seen.text and "/run" not in seen.text
    page = sec.get("/admin/service/activities")
    assert sec.post("/admin/cards/campaigns/aviso-1/run",
                    data={"csrf": _csrf(page.text)}).status_code == 403
    saved = sec.post("/admin/service/activities", data={
        "section": "improvements", "happened_on": "2020-02-21", "text": "Acuerdo INE/CG61/2020",
        "csrf": _csrf(page.text)})
    assert saved.status_code == 200 and "Acuerdo INE/CG61/2020" in saved.text
    assert sup.get("/admin/service/activities").status_code == 403


def test_batches_and_shipments_from_the_page(sqlite_url):
    from sqlalchemy import select

    from vmre.cards.models import CardRequest, ProductionBatch

    app = create_app(sqlite_url, secret_key="test")
    sup = _client(app, "sup", [Role.SUPERVISOR])
    page = sup.get("/admin/cards/")
    token = _csrf(page.text)
    sup.post("/admin/cards/requests/import", data={"csrf": token},
             files={"file": ("r.csv", REQUESTS)})
    # One unknown request refuses the whole batch.
    half = sup.post("/admin/cards/batches", data={"code": "L1", "produced_on": "2019-01-10",
                                                  "request_ids": "Q1\nQ404", "csrf": token})
    assert half.status_code == 422 and "Q404" in half.text
    with app.state.sessions() as s:
        assert s.scalar(select(ProductionBatch)) is None
        assert set(s.scalars(select(CardRequest.status))) == {"requested"}
    ok = sup.post("/admin/cards/batches", data={"code": "L1", "produced_on": "2019-01-10",
                                                "request_ids": "Q1\nQ2\n", "csrf": token})
    assert ok.status_code == 200 and "2 solicitudes" in ok.text
    again = sup.post("/admin/cards/batches", data={"code": "L1", "produced_on": "2019-01-10",
                                                   "request_ids": "Q1", "csrf": token})
    assert again.status_code == 422
    shipped = sup.post("/admin/cards/shipments", data={"request_id": "Q1", "tracking": "T-1",
                                                       "shipped_on": "2019-01-12", "csrf": token})
    assert shipped.status_code == 200
    twice = sup.post("/admin/cards/shipments", data={"request_id": "Q2", "tracking": "T-1",
                                                     "shipped_on": "2019-01-12", "csrf": token})
    assert twice.status_code == 422 and "T-1" in twice.text
    with app.state.sessions() as s:
        assert sorted(s.scalars(select(CardRequest.status))) == ["in_production", "shipped"]
