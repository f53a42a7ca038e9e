"""Voter access and pages through HTTP: activation from the e-mailed link (real SMTP), phone
digits, TOTP or SMS, password strength, login with lockout and recovery, session expiry, the
ballot page's security (CSP, SRI, CSRF), casting with a receipt, and the public pages."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re

import pytest
from fastapi.testclient import TestClient
from sivei_setup import (
    ELECTION,
    PASSWORD,
    activate_totp,
    csrf,
    enrol,
    login,
    next_code,
    voting_site,
)
from sqlalchemy import select

from vmre.core.database import transaction
from vmre.core.sessions import WebSession
from vmre.crypto import credentials
from vmre.voting import accounts, router, voter_session
from vmre.voting import ballot as ballots
from vmre.web.app import create_app


@pytest.fixture
def site(db_url, tmp_path):
    return voting_site(db_url, tmp_path, 3)


def test_activation_link_by_real_email_then_totp_login(site, smtp_server, monkeypatch):
    monkeypatch.setenv("VMRE_PUBLIC_URL", "https://vmre.example")
    app, _, voters = site
    voter = voters[0]
    enrol(app.state.sessions, voter)
    with transaction(app.state.sessions) as s:
        account = accounts.find(s, voter.email)
        token = accounts.new_activation(account)
        link = accounts.send_activation(accounts.Mailer(), account, token,
                                        credential_secret=voter.secret)
    mail = smtp_server.messages[-1]
    body = mail.get_payload(decode=True).decode("utf-8")
    assert link in body and "#credencial=" + voter.secret in body
    assert link.startswith("https://vmre.example/voto/activar/")
    client = TestClient(app)
    wrong = client.get(f"/voto/activar/{token}")
    r = client.post(f"/voto/activar/{token}", data={"digits": "0000", "csrf": csrf(wrong.text)})
    assert r.status_code == 400 and "Le quedan 4 intentos" in r.text
    secret = activate_totp(client, token, voter.phone)
    # the link is single use
    assert client.get(f"/voto/activar/{token}").status_code == 404
    assert login(client, voter.email, "000000").status_code == 401
    home = login(client, voter.email, next_code(secret))
    assert home.status_code == 200 and "Votar" in home.text and "/voto/" in str(home.url)
    r = client.post("/voto/salir", data={"csrf": csrf(home.text)})
    assert "/voto/entrar" in str(r.url)
    assert "/voto/entrar" in str(client.get("/voto/").url)


def test_sms_factor_through_the_port(site):
    app, _, voters = site
    voter = voters[1]
    token = enrol(app.state.sessions, voter)
    client = TestClient(app)
    page = client.get(f"/voto/activar/{token}")
    factor = client.post(f"/voto/activar/{token}", data={"digits": voter.phone[-4:],
                                                          "csrf": csrf(page.text)})
    sent = client.post("/voto/activar/sms/enviar", data={"csrf": csrf(factor.text)})
    assert sent.status_code == 200
    sms = app.state.sms.messages()[-1]
    assert sms["to"] == voter.phone
    code = re.search(r"\b(\d{6})\b", sms["text"]).group(1)
    r = client.post("/voto/activar/sms", data={"code": code, "csrf": csrf(sent.text)})
    assert "/voto/activar/contrasena" in str(r.url)
    weak = client.post("/voto/activar/contrasena", data={
        "password": "abcdefghijkl", "confirm": "abcdefghijkl", "csrf": csrf(r.text)})
    assert weak.status_code == 400 and "demasiado común" in weak.text
    simple = client.post("/voto/activar/contrasena", data={
        "password": "solominusculas", "confirm": "solominusculas", "csrf": csrf(r.text)})
    assert simple.status_code == 400 and "tres tipos" in simple.text
    client.post("/voto/activar/contrasena", data={
        "password": PASSWORD, "confirm": PASSWORD, "csrf": csrf(r.text)})
    # login: user + password first sends the SMS code, then the code logs in
    page = client.get("/voto/entrar")
    asked = client.post("/voto/entrar", data={"username": voter.email, "password": PASSWORD,
                                              "action": "sms", "csrf": csrf(page.text)})
    assert asked.status_code == 200 and "SMS" in asked.text
    code = re.search(r"\b(\d{6})\b", app.state.sms.messages()[-1]["text"]).group(1)
    assert login(client, voter.email, code).status_code == 200
    assert "Votar" in client.get("/voto/").text


def test_lockout_message_and_recovery(site, smtp_server):
    app, _, voters = site
    voter = voters[2]
    token = enrol(app.state.sessions, voter)
    client = TestClient(app)
    secret = activate_totp(client, token, voter.phone)
    for _ in range(accounts.MAX_FAILURES - 1):
        assert login(client, voter.email, "123456", "contraseña-equivocada").status_code == 401
    locked = login(client, voter.email, "123456", "contraseña-equivocada")
    assert locked.status_code == 401  # the same answer as any failure (no enumeration)
    assert "se pausa 15 minutos" in locked.text and "Recuperar el acceso" in locked.text
    # locked: even the right password and code are refused
    assert login(client, voter.email, next_code(secret)).status_code == 401
    page = client.get("/voto/recuperar?lang=en")
    sent = client.post("/voto/recuperar?lang=en", data={"email": voter.email,
                                                        "csrf": csrf(page.text)})
    assert "on its way" in sent.text
    body = smtp_server.messages[-1].get_payload(decode=True).decode("utf-8")
    new_token = re.search(r"/voto/activar/([\w-]+)", body).group(1)
    secret = activate_totp(client, new_token, voter.phone)
    assert login(client, voter.email, next_code(secret)).status_code == 200
    # an unknown address gets the same answer (no account enumeration)
    page = client.get("/voto/recuperar?lang=en")
    same = client.post("/voto/recuperar?lang=en", data={"email": "nadie@example.org",
                                                        "csrf": csrf(page.text)})
    assert "on its way" in same.text


def test_session_ends_after_thirty_minutes(site):
    app, _, voters = site
    token = enrol(app.state.sessions, voters[0])
    client = TestClient(app)
    secret = activate_totp(client, token, voters[0].phone)
    assert login(client, voters[0].email, next_code(secret)).status_code == 200
    assert voter_session.SESSION_SECONDS == 30 * 60
    assert client.get("/voto/boleta").status_code == 200
    with transaction(app.state.sessions) as s:  # as if 30 minutes had passed since login
        row = s.scalars(select(WebSession).where(WebSession.kind == "voter")).one()
        row.created_at -= dt.timedelta(minutes=30, seconds=1)
        row.last_seen -= dt.timedelta(minutes=30, seconds=1)
        row.expires_at -= dt.timedelta(minutes=30, seconds=1)
    r = client.get("/voto/boleta")
    assert "/voto/entrar" in str(r.url) and "30 minutos" in r.text


def _logged_in(app, voter) -> TestClient:
    token = enrol(app.state.sessions, voter)
    client = TestClient(app)
    secret = activate_totp(client, token, voter.phone)
    assert login(client, voter.email, next_code(secret)).status_code == 200
    return client


def test_ballot_page_security_and_cast_with_receipt(site):
    app, ctx, voters = site
    voter = voters[0]
    client = _logged_in(app, voter)
    page = client.get("/voto/boleta")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert "<script>" not in page.text and " style=" not in page.text
    bundle = client.get("/static/vmre-ballot.js").content
    sri = "sha384-" + base64.b64encode(hashlib.sha384(bundle).digest()).decode()
    assert f'integrity="{sri}"' in page.text
    assert "Fuerza y Corazón" in page.text and "party-pan" in page.text
    css = client.get(f"/voto/partidos/{ELECTION}.css").text
    assert ".party-pan { --party: #06338E; }" in css

    key = credentials.signing_key(ELECTION, voter.secret)
    ballot, _ = ballots.encrypt_ballot(ctx, "JAL", key, {"gob-jal": "pvem+morena",
                                                          "dip-migrante-jal": "mc"})
    token = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
    assert client.post("/voto/emitir", json={"ballot": ballot}).status_code == 403  # no CSRF
    cast = client.post("/voto/emitir", json={"ballot": ballot}, headers={"X-CSRF-Token": token})
    assert cast.status_code == 201
    receipt = cast.json()
    shown = client.get("/voto/recibo")
    assert receipt["tracking_code"] in shown.text and "Posición en el tablero" in shown.text
    download = client.get("/voto/recibo.json")
    assert "attachment" in download.headers["content-disposition"]
    assert json.loads(download.text) == receipt

    refused = client.get("/voto/boleta")
    assert refused.status_code == 200 and "Ya se registró un voto" in refused.text
    # the same ballot again (the first answer was lost): the same receipt, no second entry
    again = client.post("/voto/emitir", json={"ballot": ballot}, headers={"X-CSRF-Token": token})
    assert again.status_code == 200 and again.json() == receipt
    other, _ = ballots.encrypt_ballot(ctx, "JAL", key, {"gob-jal": "mc",
                                                        "dip-migrante-jal": "mc"})
    second = client.post("/voto/emitir", json={"ballot": other},
                         headers={"X-CSRF-Token": token})
    assert second.status_code == 409 and second.json()["error"] == "voting.ballot.already_voted"

    board = client.get(f"/tablero/{ELECTION}?codigo={receipt['tracking_code']}")
    assert "en la posición 1" in board.text and voter.email not in board.text
    check_page = client.get("/recibo")
    ok = client.post("/recibo", data={"csrf": csrf(check_page.text)},
                     files={"upload": ("recibo.json", download.content, "application/json")})
    assert ok.status_code == 200 and "El recibo es auténtico" in ok.text
    forged = dict(receipt, position=7)
    bad = client.post("/recibo?lang=en", data={"csrf": csrf(check_page.text),
                                               "pasted": json.dumps(forged)})
    assert bad.status_code == 400 and "not valid" in bad.text


def test_public_pages_and_help_in_both_languages(site):
    app, _, _ = site
    client = TestClient(app)
    for topic in router.HELP_TOPICS:
        es = client.get(f"/ayuda/{topic}?lang=es")
        en = client.get(f"/ayuda/{topic}?lang=en")
        assert es.status_code == en.status_code == 200 and es.text != en.text
        assert 'lang="en"' in en.text
    assert client.get("/ayuda/nada").status_code == 404
    assert "Tablero público" in client.get("/tablero?lang=es").text
    assert "Results" in client.get("/resultados/internet?lang=en").text
    assert client.get("/actas").status_code == 200
    assert client.get("/voto/activar/token-que-no-existe").status_code == 404


def test_secure_cookie_flags(db_url, tmp_path):
    app = create_app(db_url, secret_key="test", https_only=True)
    client = TestClient(app, base_url="https://testserver")
    cookie = client.get("/voto/entrar").headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_rate_limit_per_address_with_clear_message(site):
    from vmre.core.ratelimit import RateLimiter

    app, _, _ = site
    app.state.sivei_limiters = {"login": RateLimiter(2, 300), "activation": RateLimiter(2, 300)}
    client = TestClient(app)
    for _ in range(2):
        assert login(client, "nadie@example.org", "123456").status_code == 401
    limited = login(client, "nadie@example.org", "123456")
    assert limited.status_code == 429 and "Espere cinco minutos" in limited.text
