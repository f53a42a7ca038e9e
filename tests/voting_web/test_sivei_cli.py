"""`vmre sivei demo`, `invite` and `integrity` through the real command line entry point."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sivei_setup import activate_totp, login, next_code
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.voting.acts import integrity_codes
from vmre.web.app import create_app

register_parts()


def test_demo_election_is_ready_to_activate_and_invite_sends_mail(sqlite_url, smtp_server):
    runner = CliRunner()
    out = runner.invoke(app, ["sivei", "demo", "--voters", "2", "--db", sqlite_url])
    assert out.exit_code == 0, out.output
    links = re.findall(r"(\S+)\tphone …(\d{4})\thttp://127.0.0.1:8000(/voto/activar/[\w-]+)"
                       r"#credencial=([0-9A-Z-]+)", out.output)
    assert len(links) == 2
    email, digits, path, _code = links[0]
    client = TestClient(create_app(sqlite_url, secret_key="test"))
    secret = activate_totp(client, path.rsplit("/", 1)[1], "+1 415 555 " + digits)
    assert "Votar" in login(client, email, next_code(secret)).text

    invited = runner.invoke(app, ["sivei", "invite", "pel-2024-extranjero", "JAL",
                                  "nueva@example.org", "+34 600 123 456", "--db", sqlite_url],
                            input="7K2QM-9TX4B-HC3VN-8PW6R-ZD5FA\n")
    assert invited.exit_code == 0, invited.output
    body = smtp_server.messages[-1].get_payload(decode=True).decode("utf-8")
    assert "#credencial=7K2QM-9TX4B-HC3VN-8PW6R-ZD5FA" in body
    refused = runner.invoke(app, ["sivei", "invite", "pel-2024-extranjero", "JAL",
                                  "otra@example.org", "+34 600 123 457", "--db", sqlite_url],
                            input="no-es-un-codigo\n")
    assert refused.exit_code != 0

    codes = runner.invoke(app, ["sivei", "integrity"])
    assert integrity_codes()["application"] in codes.output
