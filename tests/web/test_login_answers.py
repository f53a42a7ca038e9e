"""Sign-in pages tell nobody which accounts exist or are locked: an unknown user, a locked
account and a wrong password get the same status and the same message (staff and voters),
while the lock is still enforced against the right password."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from vmre.core.database import transaction
from vmre.core.staff import Role, StaffUser, create_user
from vmre.voting import accounts
from vmre.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voting_web"))
import sivei_setup  # the voting tests' voter helpers

PASSWORD = "contraseña-de-prueba"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _error(html: str) -> str:
    return re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S).group(1)


def _staff_attempt(client: TestClient, username: str, password: str) -> tuple[int, str]:
    page = client.get("/admin/login?lang=es")
    r = client.post("/admin/login?lang=es", data={"username": username, "password": password,
                                                  "csrf": _csrf(page.text)})
    return r.status_code, _error(r.text) if r.status_code != 200 else ""


def test_staff_sign_in_answers_alike(db_url):
    app = create_app(db_url)
    with transaction(app.state.sessions) as s:
        create_user(s, "abierta", PASSWORD, [Role.AGENT])
        create_user(s, "bloqueada", PASSWORD, [Role.AGENT])
    client = TestClient(app)
    for _ in range(5):  # lock one account
        _staff_attempt(client, "bloqueada", "adivinanza")
    with app.state.sessions() as s:
        assert s.scalar(select(StaffUser).where(StaffUser.username == "bloqueada")).locked_until

    unknown = _staff_attempt(client, "nadie", PASSWORD)
    wrong = _staff_attempt(client, "abierta", "adivinanza")
    locked_wrong = _staff_attempt(client, "bloqueada", "adivinanza")
    locked_right = _staff_attempt(client, "bloqueada", PASSWORD)  # the lock holds
    assert unknown == wrong == locked_wrong == locked_right
    status, message = unknown
    assert status == 401
    assert "Usuario o contraseña incorrectos" in message and "se pausa 15 minutos" in message
    assert "restablezca" in message  # where to go from here
    assert _staff_attempt(client, "abierta", PASSWORD)[0] == 200  # on to the code


def _voter_attempt(client: TestClient, email: str, password: str, code: str
                   ) -> tuple[int, str]:
    r = sivei_setup.login(client, email, code, password)
    return r.status_code, _error(r.text) if r.status_code != 200 else ""


def test_voter_sign_in_answers_alike(db_url):
    app = create_app(db_url)
    voters = sivei_setup.make_voters(3)
    client = TestClient(app)
    secrets = [sivei_setup.activate_totp(client, sivei_setup.enrol(app.state.sessions, v),
                                         v.phone) for v in voters[:2]]
    sivei_setup.enrol(app.state.sessions, voters[2])  # invited, never activated
    open_one, locked_one = voters[0], voters[1]
    for _ in range(accounts.MAX_FAILURES):
        _voter_attempt(client, locked_one.email, "contraseña-equivocada", "123456")
    with app.state.sessions() as s:
        assert accounts.find(s, locked_one.email).locked_until is not None

    unknown = _voter_attempt(client, "nadie@example.org", sivei_setup.PASSWORD, "123456")
    invited = _voter_attempt(client, voters[2].email, sivei_setup.PASSWORD, "123456")
    wrong = _voter_attempt(client, open_one.email, "contraseña-equivocada", "123456")
    locked = _voter_attempt(client, locked_one.email, "contraseña-equivocada", "123456")
    # the lock holds against the right password and code too
    locked_right = _voter_attempt(client, locked_one.email, sivei_setup.PASSWORD,
                                  sivei_setup.next_code(secrets[1]))
    assert unknown == invited == wrong == locked == locked_right
    status, message = unknown
    assert status == 401
    assert "se pausa 15 minutos" in message and "Recuperar el acceso" in message
    assert "quedan" not in message  # no count of attempts left: that would confirm the user
    # the SMS request step answers alike too
    page = client.get("/voto/entrar")
    asks = [client.post("/voto/entrar", data={"username": email, "password": password,
                                              "action": "sms", "csrf": _csrf(page.text)})
            for email, password in (("nadie@example.org", sivei_setup.PASSWORD),
                                    (open_one.email, "contraseña-equivocada"),
                                    (locked_one.email, sivei_setup.PASSWORD))]
    assert {(r.status_code, _error(r.text)) for r in asks} == {unknown}
    ok = _voter_attempt(client, open_one.email, sivei_setup.PASSWORD,
                        sivei_setup.next_code(secrets[0]))
    assert ok[0] == 200
