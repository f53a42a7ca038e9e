"""`vmre sivei demo` and `integrity` through the real command line entry point; `invite`
(an operator typing a voter's credential code) no longer exists."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sivei_setup import activate_totp, csrf, login, next_code
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.crypto import credentials
from vmre.voting import ballot as ballots
from vmre.voting.board import Board, loaded
from vmre.web.app import create_app

register_parts()


def test_demo_election_is_ready_to_activate_and_vote(sqlite_url, monkeypatch):
    monkeypatch.setenv("VMRE_PUBLIC_URL", "https://demo.vmre.example")
    runner = CliRunner()
    out = runner.invoke(app, ["sivei", "demo", "--voters", "2", "--db", sqlite_url])
    assert out.exit_code == 0, out.output
    links = re.findall(r"(\S+)\tphone …(\d{4})\thttps://demo.vmre.example(/voto/activar/[\w-]+)"
                       r"#credencial=([0-9A-Z-]+)", out.output)
    assert len(links) == 2
    email, digits, path, code = links[0]
    web = create_app(sqlite_url, secret_key="test")
    client = TestClient(web)
    secret = activate_totp(client, path.rsplit("/", 1)[1], "+1 415 555 " + digits)
    home = login(client, email, next_code(secret))
    assert "Votar" in home.text
    board = Board(web.state.sessions)
    election = next(iter(loaded(e).context for e in [board.election("pel-2024-extranjero")]))
    ballot, _ = ballots.encrypt_ballot(election, "JAL", credentials.signing_key(
        "pel-2024-extranjero", code), {"gob-jal": "mc", "dip-migrante-jal": "mc"})
    cast = client.post("/api/v1/elections/pel-2024-extranjero/ballots", json={"ballot": ballot},
                       headers={"X-CSRF-Token": csrf(home.text)})
    assert cast.status_code == 201, cast.text

    gone = runner.invoke(app, ["sivei", "invite", "pel-2024-extranjero", "JAL",
                               "nueva@example.org", "+34 600 123 456", "--db", sqlite_url],
                         input="7K2QM-9TX4B-HC3VN-8PW6R-ZD5FA\n")
    assert gone.exit_code != 0 and "No such command" in gone.output

    codes = runner.invoke(app, ["sivei", "integrity"])
    from vmre.voting.acts import integrity_codes

    assert integrity_codes()["application"] in codes.output
