"""The election fingerprint where people read it (docs/record.md §2.4): the opening act, the
public integrity page, the election's API, the voter's receipt page and the public receipt
check."""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sivei_setup import (
    ELECTION,
    activate_totp,
    csrf,
    enrol,
    login,
    next_code,
    voting_site,
)

from vmre.crypto import credentials
from vmre.voting import ballot as ballots
from vmre.voting.board import Board


@pytest.fixture
def site(db_url, tmp_path):
    return voting_site(db_url, tmp_path, 1)


def test_fingerprint_on_act_integrity_page_and_receipts(site):
    app, ctx, voters = site
    fingerprint, inputs = Board(app.state.sessions).fingerprint(ELECTION)
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    assert inputs["base_hash"] == ctx.base_hash.hex()
    public = TestClient(app)

    act = public.get(f"/actas/{ELECTION}/inicio.pdf")
    flat = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(act.content)).pages)
                   .split())
    assert fingerprint in flat and "Huelladelaelección" in flat
    assert fingerprint in public.get("/integridad").text
    assert public.get(f"/api/v1/elections/{ELECTION}").json()["fingerprint"] == fingerprint

    voter = voters[0]
    client = TestClient(app)
    secret = activate_totp(client, enrol(app.state.sessions, voter), voter.phone)
    assert login(client, voter.email, next_code(secret)).status_code == 200
    page = client.get("/voto/boleta")
    ballot, _ = ballots.encrypt_ballot(ctx, "JAL", credentials.signing_key(ELECTION,
                                                                           voter.secret),
                                       {"gob-jal": "mc", "dip-migrante-jal": "mc"})
    token = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
    assert client.post("/voto/emitir", json={"ballot": ballot},
                       headers={"X-CSRF-Token": token}).status_code == 201
    shown = client.get("/voto/recibo")
    assert re.search(rf'id="election-fingerprint">{fingerprint}<', shown.text)
    download = client.get("/voto/recibo.json")

    check_page = public.get("/recibo")
    checked = public.post("/recibo", data={"csrf": csrf(check_page.text),
                                           "pasted": download.text})
    assert checked.status_code == 200 and fingerprint in checked.text
    assert json.loads(download.text)["tracking_code"] in client.get(
        f"/tablero/{ELECTION}?codigo={json.loads(download.text)['tracking_code']}").text
