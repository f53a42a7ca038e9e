"""CSV exports are safe to open in a spreadsheet: a volunteer's questionnaire comment that
starts like a formula reaches the staff export neutralised (vmre.core.csvsafe)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from sivei_setup import ELECTION, activate_totp, csrf, login, next_code, open_election

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.crypto import credentials
from vmre.voting import ballot as ballots
from vmre.voting.board import Board, loaded
from vmre.web.app import create_app

STAFF_PASSWORD = "contraseña-de-prueba"
FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def practice_site(db_url, tmp_path):
    app = create_app(db_url, secret_key="test")
    open_election(app.state.sessions, tmp_path / "ceremony", None, open_now=False)
    return app


def _staff(app) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, "admin", STAFF_PASSWORD, [Role.ADMINISTRATOR])
    client = TestClient(app)
    sign_in(client, "admin", STAFF_PASSWORD)
    return client


def test_survey_comment_formula_is_neutralised_in_the_staff_export(practice_site, smtp_server):
    app = practice_site
    staff = _staff(app)
    page = staff.get(f"/admin/sivei/{ELECTION}")
    staff.post(f"/admin/sivei/{ELECTION}/simulacro", data={"csrf": csrf(page.text)})
    rows = "email,phone,entity\nvol1@example.org,+52 55 1234 5678,JAL\n"
    ok = staff.post(f"/admin/sivei/{ELECTION}/voluntarios", data={"csrf": csrf(page.text)},
                    files={"upload": ("voluntarios.csv", rows.encode())})
    assert ok.status_code == 200 and len(smtp_server.messages) == 1
    now = dt.datetime.now(dt.UTC)
    Board(app.state.sessions).schedule(ELECTION, now - dt.timedelta(minutes=5),
                                       now + dt.timedelta(hours=1), audit_exemption="practice")
    body = smtp_server.messages[0].get_payload(decode=True).decode("utf-8")
    token, secret = re.search(r"/voto/activar/([\w-]+)#credencial=([0-9A-Z-]+)", body).groups()
    voter = TestClient(app)
    totp = activate_totp(voter, token, "+52 55 1234 5678")
    login(voter, "vol1@example.org", next_code(totp))
    context = loaded(Board(app.state.sessions).election(ELECTION)).context
    ballot, _ = ballots.encrypt_ballot(context, "JAL", credentials.signing_key(ELECTION, secret),
                                       {"gob-jal": "pan+prd", "dip-migrante-jal": "pri"})
    header = re.search(r'data-csrf="([^"]+)"', voter.get("/voto/boleta").text).group(1)
    assert voter.post("/voto/emitir", json={"ballot": ballot},
                      headers={"X-CSRF-Token": header}).status_code == 201
    survey = voter.get("/voto/encuesta")
    answers = {f"q{i}": "4" for i in range(1, 11)}
    done = voter.post("/voto/encuesta", data={**answers, "comment": FORMULA,
                                              "csrf": csrf(survey.text)})
    assert done.status_code == 200

    export = staff.get(f"/admin/sivei/{ELECTION}/simulacro.csv")
    assert export.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(export.text)) for c in row]
    assert "'" + FORMULA in cells  # shown as text by a spreadsheet, never run
    assert FORMULA not in cells
    assert not any(c[:1] in ("=", "@", "\t", "\r") for c in cells)
