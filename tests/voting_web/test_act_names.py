"""The opening and closing acts print what people read: the election and its contests by
name, entities by name, the voting window and the time of the act in the one date format with
the zone spelled out, and grammatical counts — never the election's or an entity's id."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sivei_setup import ELECTION, csrf, make_voters, open_election, publish_two_audits

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

PASSWORD = "contraseña-de-prueba"


def _flat(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
                    .split())


@pytest.fixture
def site(db_url, tmp_path):
    app = create_app(db_url, secret_key="test")
    open_election(app.state.sessions, tmp_path / "ceremony", make_voters(1), open_now=False)
    publish_two_audits(app.state.sessions)
    with transaction(app.state.sessions) as s:
        create_user(s, "admin", PASSWORD, [Role.ADMINISTRATOR])
    staff = TestClient(app)
    sign_in(staff, "admin", PASSWORD)
    page = staff.get(f"/admin/sivei/{ELECTION}")
    r = staff.post(f"/admin/sivei/{ELECTION}/ventana", data={
        "opens": "2030-03-05T08:00", "closes": "2030-03-05T18:00", "csrf": csrf(page.text)})
    assert r.status_code == 200
    return app, staff


def test_the_opening_act_names_contests_entities_and_times_for_people(site):
    app, _ = site
    act = _flat(TestClient(app).get(f"/actas/{ELECTION}/inicio.pdf").content)
    assert "Procesos Electorales Locales 2023-2024" in act
    assert ELECTION not in act
    assert "Jalisco Gubernatura de Jalisco" in act and "Puebla Gubernatura de Puebla" in act
    assert "Ciudad de México Jefatura de Gobierno" in act
    for entity in ("JAL", "GTO", "CDMX", "PUE"):
        assert f" {entity} " not in act
    assert ("5 de marzo de 2030, 08:00 (hora del centro de México) — "
            "5 de marzo de 2030, 18:00 (hora del centro de México)") in act
    assert "America/Mexico_City" not in act and "UTC" not in act
    english = _flat(TestClient(app).get(f"/actas/{ELECTION}/inicio.pdf?lang=en").content)
    assert "5 March 2030, 08:00 (Mexico City time)" in english


def test_the_closing_act_counts_grammatically(site):
    app, staff = site
    page = staff.get(f"/admin/sivei/{ELECTION}")
    staff.post(f"/admin/sivei/{ELECTION}/cerrar", data={"csrf": csrf(page.text)})
    act = _flat(TestClient(app).get(f"/actas/{ELECTION}/cierre.pdf").content)
    assert "0 boletas recibidas" in act
    assert "0 boletas verificadas (anuladas, no se cuentan)" in act
    assert ELECTION not in act and "UTC" not in act


def test_the_acts_page_lists_each_election_by_its_name(site):
    app, _ = site
    page = TestClient(app).get("/actas")
    assert page.status_code == 200
    item = next(li for li in page.text.split("<li>") if "/inicio.pdf" in li)
    assert item.startswith("Procesos Electorales Locales 2023-2024")
    assert f"{ELECTION}:" not in page.text
    assert f'href="/actas/{ELECTION}/inicio.pdf"' in item
