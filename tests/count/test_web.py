"""Web pages of the count over the simulacro's database: public results with an inline SVG
chart, the acta PDF, the OPL's read-only entity page, capture by form, courier events API."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import pytest
from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.count import postal
from vmre.web.app import create_app

ELECTION = "pel-2024-extranjero"
PASSWORD = "contraseña-de-prueba"


@pytest.fixture
def app(tmp_path, simulacro):
    db = tmp_path / "count.sqlite"
    shutil.copy(simulacro.out / "simulacro.sqlite", db)
    app = create_app(f"sqlite:///{db}", secret_key="test")
    with transaction(app.state.sessions) as s:
        create_user(s, "opl-jal", PASSWORD, [Role.OPL], entity="JAL")
        create_user(s, "operador-a", PASSWORD, [Role.REVIEWER])
        create_user(s, "operador-b", PASSWORD, [Role.REVIEWER])
        create_user(s, "supervisor", PASSWORD, [Role.SUPERVISOR])
    return app


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _login(app, username: str) -> TestClient:
    client = TestClient(app)
    response = sign_in(client, username, PASSWORD)
    assert response.status_code == 200
    return client


def test_public_results_with_chart_and_pdf(app, simulacro):
    client = TestClient(app)
    index = client.get("/resultados")
    assert index.status_code == 200 and f"/resultados/{ELECTION}/JAL" in index.text
    page = client.get(f"/resultados/{ELECTION}/JAL")
    assert page.status_code == 200
    assert "<svg" in page.text and "<script" not in page.text and "style=" not in page.text
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    doc = json.loads((simulacro.record / "actas/computo/JAL.json").read_text())
    gob = doc["figures"]["contests"]["gob-jal"]
    assert (f"<td>Ana Lucía Ibarra Peña</td><td class=\"n\">{gob['candidates']['jal-a']:,}</td>"
            in page.text)
    assert doc["figures_sha256"] in page.text
    english = client.get(f"/resultados/{ELECTION}/JAL?lang=en")
    assert "Count of Jalisco" in english.text
    pdf = client.get(f"/resultados/{ELECTION}/JAL/acta.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-acta-sha256"] == hashlib.sha256(pdf.content).hexdigest() \
        == doc["pdf_sha256"]
    assert client.get(f"/resultados/{ELECTION}/ZAC").status_code == 404
    assert client.get("/resultados/otra/JAL").status_code == 404


def test_opl_reads_only_its_entity(app):
    opl = _login(app, "opl-jal")
    page = opl.get(f"/admin/count/{ELECTION}/JAL")
    assert page.status_code == 200 and "JAL-01" in page.text
    assert "/admin/count/tables/" not in page.text  # read-only: no capture links
    assert opl.get(f"/admin/count/{ELECTION}/GTO").status_code == 403
    table_id = 1
    assert opl.get(f"/admin/count/tables/{table_id}/gob-jal").status_code == 403
    assert TestClient(app).get(f"/admin/count/{ELECTION}/JAL",
                               follow_redirects=False).status_code == 303


def _form(client, path: str, values: dict) -> object:
    page = client.get(path)
    return client.post(path, data={"csrf": _csrf(page.text), **values},
                       follow_redirects=True)


def test_recapture_and_double_capture_by_form(app):
    with app.state.sessions() as s:
        from vmre.count.tables import tables_of

        tbl = tables_of(s, ELECTION, "GTO")[0]
        envelopes = postal.envelopes_at(s, tbl.id)
    path = f"/admin/count/tables/{tbl.id}/gob-gto"
    supervisor, op_a, op_b = (_login(app, u) for u in ("supervisor", "operador-a",
                                                         "operador-b"))
    assert supervisor.get(f"/admin/count/tables/{tbl.id}/gob-jal").status_code == 404
    assert supervisor.get("/admin/count/tables/9999/gob-gto").status_code == 404
    assert f'href="{path}"' in op_a.get(f"/admin/count/{ELECTION}/GTO").text
    before = supervisor.get(f"/admin/count/{ELECTION}/GTO").text
    version = int(re.search(r"Versión (\d+)</h2>", before).group(1))
    refused = _form(supervisor, path, {"action": "recapture", "reason": ""})
    assert refused.status_code == 422 and "Indique el motivo" in refused.text
    assert _form(supervisor, path, {"action": "recapture",
                                    "reason": "recuento solicitado"}).status_code == 200
    options = ["pan", "pri", "prd", "pvem", "pt", "mc", "morena", "pan+pri", "pan+prd",
               "pri+prd", "pan+pri+prd", "pvem+pt", "pvem+morena", "pt+morena",
               "pvem+pt+morena", "no-registrado", "nulo"]
    good = {f"option-{o}": "0" for o in options} | {"option-mc": str(envelopes),
                                                     "total": str(envelopes),
                                                     "ballots_taken": str(envelopes)}
    typo = good | {"option-mc": str(envelopes - 1), "option-nulo": "1"}
    assert _form(op_a, path, {"action": "capture", **good}).status_code == 200
    mismatch = _form(op_b, path, {"action": "capture", **typo})
    assert "counts.mc, counts.nulo" in mismatch.text
    not_a_number = _form(supervisor, path, {"action": "resolve", **good, "total": "²",
                                            "reason": "acta en papel"})
    assert not_a_number.status_code == 422 and "número entero" in not_a_number.text
    done = _form(supervisor, path, {"action": "resolve", **good, "reason": "acta en papel"})
    assert done.status_code == 200 and "recuento solicitado" in done.text
    after = supervisor.get(f"/admin/count/{ELECTION}/GTO").text
    assert f"Versión {version + 1}</h2>" in after
    public = TestClient(app).get(f"/resultados/{ELECTION}/GTO").text
    assert f"Versión {version + 1}" in public


def test_courier_events_endpoint(app, monkeypatch):
    client = TestClient(app)
    with app.state.sessions() as s:
        tracking = postal.packages(s, ELECTION)[0].outbound_tracking
    body = {"events": [{"tracking": tracking, "at": "2024-04-20T09:00:00-06:00",
                        "status": "in_transit", "location": "Memphis"},
                       {"tracking": "VMS99", "at": "2024-04-20T09:00:00+00:00",
                        "status": "in_transit"}]}
    url = "/api/v1/count/courier-events"
    assert client.post(url, json=body).status_code == 401
    monkeypatch.setenv("VMRE_COURIER_TOKEN", "secreto-de-mensajeria")
    wrong = client.post(url, json=body, headers={"Authorization": "Bearer otro"})
    assert wrong.status_code == 401
    auth = {"Authorization": "Bearer secreto-de-mensajeria"}
    ok = client.post(url, json=body, headers=auth)
    assert ok.status_code == 200 and ok.json() == {"imported": 1, "duplicates": 0,
                                                   "unknown": 1}
    assert client.post(url, json=body, headers=auth).json()["duplicates"] == 1
    bad = client.post(url, json={"events": [{**body["events"][0], "status": "lost"}]},
                      headers=auth)
    assert bad.status_code == 422
