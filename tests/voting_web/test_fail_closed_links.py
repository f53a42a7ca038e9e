"""The voting server's link tokens fail closed: a credential-mail or recovery token that is
truncated, lengthened, garbled or expired opens no activation (GET and POST answer the
catalogue's refusal), and an activation session that no longer names the link it came
through is sent back to recovery even when the account has no recovery link at all."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from fastapi.testclient import TestClient
from sivei_setup import csrf, enrol, voting_site
from sqlalchemy import select

from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.core.sessions import WebSession
from vmre.voting import accounts

BAD_LINK = text("sivei.activation.bad_link", "es")


@pytest.fixture
def site(sqlite_url, tmp_path):
    app, _, voters = voting_site(sqlite_url, tmp_path, 2)
    return app, voters


def _altered(token: str) -> dict[str, str]:
    flipped = token[:4] + ("A" if token[4] != "A" else "B") + token[5:]
    return {"truncated": token[:-1], "half": token[: len(token) // 2],
            "lengthened": token + "A", "garbled": flipped, "reversed": token[::-1]}


def _refused(client: TestClient, token: str, phone: str, name: str) -> None:
    page = client.get(f"/voto/activar/{token}")
    assert page.status_code == 404 and BAD_LINK in html.unescape(page.text), name
    form = csrf(client.get("/voto/recuperar").text)  # a live form token: CSRF is passed
    r = client.post(f"/voto/activar/{token}", data={"digits": phone[-4:], "csrf": form})
    assert r.status_code == 404 and BAD_LINK in html.unescape(r.text), name
    assert "/voto/activar/factor" not in str(r.url), name


def test_an_altered_activation_token_opens_nothing(site):
    app, voters = site
    token = enrol(app.state.sessions, voters[0])
    client = TestClient(app)
    for name, altered in _altered(token).items():
        _refused(client, altered, voters[0].phone, name)
    assert client.get(f"/voto/activar/{token}").status_code == 200  # the check is reached


def _expire(app, voter, column: str) -> None:
    with transaction(app.state.sessions) as s:
        account = accounts.find(s, voter.email)
        setattr(account, column, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))


def test_an_expired_activation_token_opens_nothing(site):
    app, voters = site
    token = enrol(app.state.sessions, voters[0])
    _expire(app, voters[0], "activation_expires")
    _refused(TestClient(app), token, voters[0].phone, "expired credential link")


def test_an_expired_or_altered_recovery_token_opens_nothing(site):
    app, voters = site
    enrol(app.state.sessions, voters[1])
    with transaction(app.state.sessions) as s:
        _, token = accounts.recover(s, voters[1].email)
    client = TestClient(app)
    for name, altered in _altered(token).items():
        _refused(client, altered, voters[1].phone, name)
    assert client.get(f"/voto/activar/{token}").status_code == 200
    _expire(app, voters[1], "recovery_expires")
    _refused(client, token, voters[1].phone, "expired recovery link")


def test_an_activation_session_without_its_link_goes_back_to_recovery(site):
    """The account has no recovery link (None): a session whose link hash is missing must
    not match that empty slot."""
    app, voters = site
    token = enrol(app.state.sessions, voters[0])
    client = TestClient(app)
    page = client.get(f"/voto/activar/{token}")
    r = client.post(f"/voto/activar/{token}", data={"digits": voters[0].phone[-4:],
                                                     "csrf": csrf(page.text)})
    assert "/voto/activar/factor" in str(r.url)  # the link worked: the session is armed
    with transaction(app.state.sessions) as s:
        row = s.scalars(select(WebSession)).one()
        assert '"activation_hash"' in row.data
        row.data = row.data.replace('"activation_hash"', '"otra_clave"')
    r = client.get("/voto/activar/factor?metodo=totp", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/voto/recuperar?enlace=1"
