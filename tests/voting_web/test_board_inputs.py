"""Hostile input to the ballot endpoints and the board's finality, over HTTP on SQLite and
PostgreSQL: NaN, Infinity, 1e999, deep nesting, huge bodies and repeated keys get a 4xx with
the catalogue's key; an audited ballot posted again is refused; the same ballot sent again
gets its first receipt; an administrator cannot reopen a closed election; audit disclosures
hold option ids only; the audited ballots are listed a page at a time."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sivei_setup import (
    ELECTION,
    activate_totp,
    csrf,
    enrol,
    login,
    next_code,
    voting_site,
)

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.core.staff import Role, create_user
from vmre.crypto import credentials
from vmre.voting import accounts
from vmre.voting import ballot as ballots
from vmre.voting.board import Board

CHOICE = {"gob-jal": "pan+pri", "dip-migrante-jal": "nulo"}
API_CAST = f"/api/v1/elections/{ELECTION}/ballots"
API_AUDIT = f"/api/v1/elections/{ELECTION}/spoiled"


@pytest.fixture
def site(db_url, tmp_path):
    return voting_site(db_url, tmp_path, 3)


def _ballot(ctx, voter, choice=CHOICE):
    key = credentials.signing_key(ELECTION, voter.secret)
    ballot, nonces = ballots.encrypt_ballot(ctx, voter.entity, key, choice)
    return ballot, ballots.reveal(ballot, choice, nonces)


def _voter(app, voter) -> tuple[TestClient, dict]:
    """A signed-in voter's browser and the headers its ballot page's script sends."""
    token = enrol(app.state.sessions, voter)
    client = TestClient(app)
    secret = activate_totp(client, token, voter.phone)
    assert login(client, voter.email, next_code(secret)).status_code == 200
    page = client.get("/voto/boleta")
    return client, {"X-CSRF-Token": re.search(r'data-csrf="([^"]+)"', page.text).group(1),
                    "Content-Type": "application/json"}


DEEP = 50_000
NUMBER, DEPTH = "web.json.number", "web.json.too_deep"
HOSTILE = {  # body, status, key, the message's parameters
    "nan": ('{"ballot": {"version": NaN}, "disclosure": {}}', 400, NUMBER, {"value": "NaN"}),
    "infinity": ('{"ballot": {"version": -Infinity}, "disclosure": {}}', 400, NUMBER,
                 {"value": "-Infinity"}),
    "huge_float": ('{"ballot": {"version": 1e999}, "disclosure": {}}', 400, NUMBER,
                   {"value": "1e999"}),
    "deep": ('{"ballot": ' + "[" * DEEP + "]" * DEEP + "}", 400, DEPTH, {"limit": 32}),
    "deep_objects": ('{"ballot": ' + '{"a":' * DEEP + "1" + "}" * DEEP + "}", 400, DEPTH,
                     {"limit": 32}),
    "repeated_key": ('{"ballot": {}, "ballot": {"version": 1}}', 400, "web.json.duplicate_key",
                     {"key": "ballot"}),
    "huge_int": ('{"ballot": {"version": ' + "9" * 5000 + "}}", 400, NUMBER,
                 {"value": "9" * 24 + "…"}),
    "not_utf8": (b'{"ballot": "\xff"}', 400, "web.json.malformed", {"reason": "UTF-8"}),
    "too_large": ('{"ballot": "' + "a" * (2 * 1024 * 1024) + '"}', 413, "web.json.too_large",
                  {"limit": 1024}),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_json_gets_the_catalogue_refusal_on_every_ballot_endpoint(site, case):
    app, _, voters = site
    body, status, key, params = HOSTILE[case]
    voter_client, headers = _voter(app, voters[0])
    api = TestClient(app)
    for client, path, extra in ((voter_client, API_CAST, headers), (api, API_AUDIT, {}),
                                (voter_client, "/voto/emitir", headers),
                                (voter_client, "/voto/auditar", headers)):
        r = client.post(path, content=body, headers={"Content-Type": "application/json",
                                                     **extra})
        assert r.status_code == status, (path, r.text[:300])
        assert r.json() == {"error": key, "message": text(key, "es", **params)}, path
    assert Board(app.state.sessions).election(ELECTION).ballot_count == 0


def test_refusal_messages_name_the_value(site):
    app, _, voters = site
    client, headers = _voter(app, voters[0])
    r = client.post(API_CAST + "?lang=en", content='{"ballot": {"version": NaN}}',
                    headers=headers)
    assert r.json() == {"error": "web.json.number",
                        "message": text("web.json.number", "en", value="NaN")}


def test_an_audited_ballot_posted_again_is_refused(site):
    app, ctx, voters = site
    api = TestClient(app)
    ballot, disclosure = _ballot(ctx, voters[0])
    assert api.post(API_AUDIT, json={"ballot": ballot, "disclosure": disclosure}
                    ).status_code == 201
    again = api.post(API_AUDIT, json={"ballot": ballot, "disclosure": disclosure})
    assert again.status_code == 409 and again.json()["error"] == "voting.ballot.audited"
    client, headers = _voter(app, voters[0])
    page = client.post("/voto/auditar", json={"ballot": ballot, "disclosure": disclosure},
                       headers=headers)
    assert page.status_code == 409 and page.json()["error"] == "voting.ballot.audited"
    cast = client.post(API_CAST, json={"ballot": ballot}, headers=headers)
    assert cast.status_code == 409 and cast.json()["error"] == "voting.ballot.audited"


def test_the_same_ballot_again_gets_its_first_receipt(site):
    app, ctx, voters = site
    api = TestClient(app)
    voter, headers = _voter(app, voters[0])
    ballot, _ = _ballot(ctx, voters[0])
    first = voter.post(API_CAST, json={"ballot": ballot}, headers=headers)
    assert first.status_code == 201
    again = voter.post(API_CAST, json={"ballot": ballot}, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    page = api.get(f"/api/v1/elections/{ELECTION}/board").json()
    assert page["total"] == 1
    assert api.post("/api/v1/receipts/check", json=again.json()).json()["entry_matches"]
    other, _ = _ballot(ctx, voters[0], {"gob-jal": "mc", "dip-migrante-jal": "mc"})
    refused = voter.post(API_CAST, json={"ballot": other}, headers=headers)
    assert refused.status_code == 409 and refused.json()["error"] == "voting.ballot.already_voted"


def test_free_text_in_an_audit_is_refused_and_never_shown(site):
    app, ctx, voters = site
    client, headers = _voter(app, voters[0])
    ballot, disclosure = _ballot(ctx, voters[0])
    notice = "AVISO OFICIAL: elección anulada"
    forged = {**disclosure, "selections": {**disclosure["selections"], "aviso": notice}}
    r = client.post("/voto/auditar", json={"ballot": ballot, "disclosure": forged},
                    headers=headers)
    assert r.status_code == 422 and r.json()["error"] == "voting.ballot.bad_disclosure"
    tracking = ballots.tracking_code(ballot)
    assert client.get(f"/tablero/{ELECTION}/auditada/{tracking}").status_code == 404
    ok = client.post("/voto/auditar", json={"ballot": ballot, "disclosure": disclosure},
                     headers=headers)
    assert ok.status_code == 201
    shown = client.get(ok.json()["url"])
    assert shown.status_code == 200 and notice not in shown.text


def test_audited_ballots_are_listed_a_page_at_a_time(site):
    app, ctx, voters = site
    api = TestClient(app)
    codes = []
    for i in range(26):  # page size 25; at most 10 audits per voter
        ballot, disclosure = _ballot(ctx, voters[i % 3])
        assert api.post(API_AUDIT, json={"ballot": ballot, "disclosure": disclosure}
                        ).status_code == 201
        codes.append(ballots.tracking_code(ballot))
    first = api.get(f"/tablero/{ELECTION}")
    assert "26 boletas verificadas" in first.text
    assert all(c in first.text for c in codes[:25]) and codes[25] not in first.text
    assert "auditadas=2" in first.text
    second = api.get(f"/tablero/{ELECTION}?auditadas=2")
    assert codes[25] in second.text and codes[0] not in second.text
    assert f'/tablero/{ELECTION}/auditada/{codes[25]}' in second.text


def _staff(app) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, "administrador", "contraseña-de-prueba", [Role.ADMINISTRATOR])
    client = TestClient(app)
    sign_in(client, "administrador", "contraseña-de-prueba")
    return client


def test_an_administrator_cannot_reopen_a_closed_election(site, smtp_server):
    app, ctx, voters = site
    api = TestClient(app)
    first, first_headers = _voter(app, voters[0])
    late_voter, late_headers = _voter(app, voters[1])
    ballot, _ = _ballot(ctx, voters[0])
    assert first.post(API_CAST, json={"ballot": ballot}, headers=first_headers
                      ).status_code == 201
    admin = _staff(app)
    page = admin.get(f"/admin/sivei/{ELECTION}")
    assert page.status_code == 200
    admin.post(f"/admin/sivei/{ELECTION}/cerrar", data={"csrf": csrf(page.text)})
    closed = Board(app.state.sessions).election(ELECTION)
    assert closed.state == "closed"

    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    reopen = admin.post(f"/admin/sivei/{ELECTION}/ventana", data={
        "opens": f"{today}T00:00", "closes": f"{day}T23:00", "csrf": csrf(page.text)})
    assert reopen.status_code == 400
    assert text("voting.board.closed_final", "es") in reopen.text
    after = Board(app.state.sessions).election(ELECTION)
    assert (after.state, after.opens_at, after.closes_at, after.ballot_count) == (
        "closed", closed.opens_at, closed.closes_at, 1)

    # nor change the credential list through the practice tools
    admin.post(f"/admin/sivei/{ELECTION}/simulacro", data={"csrf": csrf(page.text)})
    volunteers = admin.post(f"/admin/sivei/{ELECTION}/voluntarios", data={
        "csrf": csrf(page.text),
        "pasted": "email,phone,entity\nvol1@example.org,+52 55 1234 5678,JAL\n"})
    assert volunteers.status_code == 400
    assert text("voting.board.closed_final", "es") in volunteers.text
    assert smtp_server.messages == []
    with transaction(app.state.sessions) as s:
        assert accounts.find(s, "vol1@example.org") is None
    assert Board(app.state.sessions).election(ELECTION).credentials == closed.credentials

    late, _ = _ballot(ctx, voters[1])
    refused = late_voter.post(API_CAST, json={"ballot": late}, headers=late_headers)
    assert refused.status_code == 409 and refused.json()["error"] == "voting.board.closed"
    assert "tracking_code" not in refused.json()
    assert api.get(f"/api/v1/elections/{ELECTION}/board").json()["total"] == 1


def test_receipt_check_refuses_hostile_json(site):
    app, _, _ = site
    r = TestClient(app).post("/api/v1/receipts/check",
                             content='{"election_id": "pel-2024-extranjero", "position": NaN, '
                                     '"signature": ["' + "00" * 32 + '", "' + "00" * 32 + '"]}',
                             headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"error": "web.json.number",
                        "message": text("web.json.number", "es", value="NaN")}
