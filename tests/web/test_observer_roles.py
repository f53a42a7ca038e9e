"""Party representatives, the CNV and auditors see, read-only, what the law lets them see
(docs/registry.md §5.2): the lists' figures, the observations and validity, the board, the
acts, the count's progress and the record — and every page or file they open is logged."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voting_web"))
from sivei_setup import ELECTION, make_voters, open_election

from staff_login import sign_in
from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.registry import lists, service, validity
from vmre.web.app import create_app

PASSWORD = "contraseña-de-prueba"
PROCESS = "PEL-2027"


def _signed_in(app, name: str, role: Role) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, name, PASSWORD, [role],
                    party="PAN" if role is Role.PARTY_REP else None)
    client = TestClient(app)
    assert sign_in(client, name, PASSWORD).status_code == 200
    return client


@pytest.fixture
def site(sqlite_url, tmp_path):
    app = create_app(sqlite_url, secret_key="test")
    open_election(app.state.sessions, tmp_path / "ceremony", make_voters(1))
    local = dt.datetime.now() - dt.timedelta(days=40)
    with transaction(app.state.sessions) as s:
        service.create_process(s, PROCESS, "Proceso Electoral Local 2027", opens_at=local,
                               closes_at=local + dt.timedelta(days=30),
                               corrections_until=local + dt.timedelta(days=35),
                               card_min_validity_year=2027, entities=["JAL", "PUE"])
        lists.close(s, PROCESS, "admin")
        validity.file_observation(s, PROCESS, "PUE", "party", "PAN", "Revisar la adenda",
                                  "pan")
    return app


@pytest.mark.parametrize("role", [Role.PARTY_REP, Role.CNV, Role.AUDITOR])
def test_observers_read_what_the_law_lets_them_and_each_look_is_logged(site, role):
    who = _signed_in(site, f"obs-{role.value}", role)
    home = who.get("/admin/")
    assert "/admin/observacion/" in home.text and "/admin/registry/" not in home.text
    page = who.get("/admin/observacion/")
    assert page.status_code == 200
    for shown in ("Proceso Electoral Local 2027", "Adenda", "Declaración de validez", "PUE", "PAN",
                  "sin respuesta", ELECTION, f"/admin/observacion/{ELECTION}/inicio",
                  f"/admin/observacion/{ELECTION}/expediente", "Cómputo: 0 mesas"):
        assert shown in page.text, shown
    act = who.get(f"/admin/observacion/{ELECTION}/inicio", follow_redirects=False)
    assert act.status_code == 303 and act.headers["location"] == f"/actas/{ELECTION}/inicio.pdf"
    assert who.get(f"/admin/observacion/{ELECTION}/votos").status_code == 404
    # read-only: nothing else of the staff side, no action
    assert who.get(f"/admin/registry/lists?election={PROCESS}").status_code == 403
    assert who.get("/admin/cards/requests").status_code == 403
    assert who.get(f"/admin/sivei/{ELECTION}").status_code == 403
    token = re.search(r'name="csrf" value="([^"]+)"', home.text)
    closing = who.post("/admin/registry/lists/close", data={
        "election": PROCESS, "csrf": token.group(1) if token else ""})
    assert closing.status_code == 403
    with transaction(site.state.sessions) as s:
        mine = [(e.action, e.subject) for e in events(s) if e.actor == f"obs-{role.value}"]
    assert ("observer_view", "index") in mine and ("observer_view", f"{ELECTION}/inicio") in mine
    assert [a for a, _ in mine].count("forbidden") >= 3


def test_other_staff_do_not_get_the_observers_page(site):
    reviewer = _signed_in(site, "revisora", Role.REVIEWER)
    assert reviewer.get("/admin/observacion/").status_code == 403
