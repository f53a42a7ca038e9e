"""Every script a voter page loads carries Subresource Integrity: the SHA-384 of the file the
server serves, so a script changed on its way (or on disk after start-up) does not run."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from sivei_setup import (
    ELECTION,
    activate_totp,
    enrol,
    login,
    make_voters,
    next_code,
    open_election,
)

from vmre.crypto import credentials
from vmre.voting import ballot as ballots
from vmre.voting.sms import FileSms
from vmre.web.app import create_app

SCRIPT = re.compile(r"<script\b[^>]*>")


@pytest.fixture
def site(db_url, tmp_path):
    app = create_app(db_url, secret_key="test")
    app.state.sms = FileSms(tmp_path / "sms.jsonl")
    voters = make_voters(2)
    ctx = open_election(app.state.sessions, tmp_path / "ceremony", voters)
    return app, ctx, voters


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def _check_scripts(client: TestClient, html: str) -> set[str]:
    """Every script tag of the page: its integrity is the served file's SHA-384."""
    tags = SCRIPT.findall(html)
    assert tags
    names = set()
    for tag in tags:
        src = _attribute(tag, "src")
        assert src and src.startswith("/static/"), tag  # no inline script either
        served = client.get(src)
        assert served.status_code == 200
        digest = base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert _attribute(tag, "integrity") == f"sha384-{digest}", tag
        assert _attribute(tag, "crossorigin") == "anonymous", tag
        names.add(src.removeprefix("/static/"))
    return names


def test_every_script_of_the_voter_pages_has_integrity(site):
    app, ctx, voters = site
    voter = voters[0]
    token = enrol(app.state.sessions, voter)
    client = TestClient(app)
    activation = client.get(f"/voto/activar/{token}")
    assert activation.status_code == 200
    assert _check_scripts(client, activation.text) == {"sivei-fragment.js"}
    secret = activate_totp(client, token, voter.phone)
    assert login(client, voter.email, next_code(secret)).status_code == 200
    page = client.get("/voto/boleta")
    assert page.status_code == 200
    assert _check_scripts(client, page.text) == {"vmre-ballot.js", "sivei-ballot.js"}

    # The public page of an audited (spoiled) ballot.
    choice = {"gob-jal": "pan+pri", "dip-migrante-jal": "nulo"}
    key = credentials.signing_key(ELECTION, voters[1].secret)
    ballot, nonces = ballots.encrypt_ballot(ctx, voters[1].entity, key, choice)
    audited = TestClient(app).post(f"/api/v1/elections/{ELECTION}/spoiled", json={
        "ballot": ballot, "disclosure": ballots.reveal(ballot, choice, nonces)})
    assert audited.status_code == 201
    tracking = audited.json()["tracking_code"]
    spoiled = TestClient(app).get(f"/tablero/{ELECTION}/auditada/{tracking}")
    assert spoiled.status_code == 200
    assert _check_scripts(client, spoiled.text) == {"vmre-ballot.js", "sivei-spoiled.js"}
