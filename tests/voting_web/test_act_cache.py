"""The opening act is fixed content once the ceremony is over and the fingerprint and window
are fixed: it is rendered once and served as stored, so anonymous requests cannot make the
server render PDFs on demand."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sivei_setup import ELECTION, csrf, make_voters, open_election, publish_two_audits
from sqlalchemy import select

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.voting import acts
from vmre.voting.models import ActPdf
from vmre.web.app import create_app

STAFF_PASSWORD = "contraseña-de-prueba"


@pytest.fixture
def site(db_url, tmp_path, monkeypatch):
    app = create_app(db_url, secret_key="test")
    open_election(app.state.sessions, tmp_path / "ceremony", make_voters(1), open_now=False)
    publish_two_audits(app.state.sessions)
    renders: list[int] = []
    real = acts.render_pdf

    def counting(html: str) -> bytes:  # a hook on the one place a PDF is made
        renders.append(1)
        return real(html)

    monkeypatch.setattr(acts, "render_pdf", counting)
    return app, renders


def _staff(app) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, "admin", STAFF_PASSWORD, [Role.ADMINISTRATOR])
    client = TestClient(app)
    sign_in(client, "admin", STAFF_PASSWORD)
    return client


def _stored(app) -> list[ActPdf]:
    with transaction(app.state.sessions) as s:
        rows = list(s.scalars(select(ActPdf).order_by(ActPdf.created_at)))
        s.expunge_all()
        return rows


def _window(staff, day: str, opens: str, closes: str):
    page = staff.get(f"/admin/sivei/{ELECTION}")
    r = staff.post(f"/admin/sivei/{ELECTION}/ventana", data={
        "opens": f"{day}T{opens}", "closes": f"{day}T{closes}", "csrf": csrf(page.text)})
    assert r.status_code == 200


def test_opening_act_is_rendered_once_the_window_is_fixed(site):
    app, renders = site
    anonymous = TestClient(app)
    url = f"/actas/{ELECTION}/inicio.pdf"
    # No window yet: the act may still change, so it is made on each request, never kept.
    assert anonymous.get(url).status_code == 200 and anonymous.get(url).status_code == 200
    assert len(renders) == 2 and _stored(app) == []

    staff = _staff(app)
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    _window(staff, day, "08:00", "18:00")
    first = anonymous.get(url)
    second = anonymous.get(url)
    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"] == "application/pdf"
    assert first.content == second.content
    assert len(renders) == 3  # the second request did not render
    [row] = _stored(app)
    assert (row.election_id, row.kind, row.lang) == (ELECTION, "inicio", "es")
    assert row.pdf == first.content

    # Another language is another act; a new window makes a new act.
    english = anonymous.get(url + "?lang=en")
    assert english.content != first.content and anonymous.get(url + "?lang=en").content == (
        english.content)
    assert len(renders) == 4
    _window(staff, day, "09:00", "18:00")
    moved = anonymous.get(url)
    assert moved.content != first.content and len(renders) == 5
    assert anonymous.get(url).content == moved.content and len(renders) == 5
    assert len(_stored(app)) == 3


def test_closing_act_is_stored_only_after_voting_ended(site):
    app, renders = site
    anonymous = TestClient(app)
    staff = _staff(app)
    url = f"/actas/{ELECTION}/cierre.pdf"
    anonymous.get(url)
    anonymous.get(url)
    assert len(renders) == 2 and _stored(app) == []
    page = staff.get(f"/admin/sivei/{ELECTION}")
    staff.post(f"/admin/sivei/{ELECTION}/cerrar", data={"csrf": csrf(page.text)})
    closed = anonymous.get(url)
    assert anonymous.get(url).content == closed.content and len(renders) == 3
    assert [r.kind for r in _stored(app)] == ["cierre"]
