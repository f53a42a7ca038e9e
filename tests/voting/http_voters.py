"""Voters of a `ReadyElection` signed in to a running server over HTTP (the login page:
password and a TOTP code), each from its own address as seen through the deployment's proxy;
and their ballots sent the two ways a voter casts: the JSON API and the ballot page's script.

The accounts are left as an activation leaves them (TOTP set up, password chosen), all with
one Argon2id hash of the password made with light parameters: the server verifies it with
the parameters the hash names, as it would any stored hash, and hundreds of logins with the
production parameters would be most of a test about something else. The activation walk
itself is tested through its pages (tests/voting_web/, tests/registry/test_handover.py)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
from argon2 import PasswordHasher

from vmre.core.database import transaction
from vmre.simulacro.election import ReadyElection
from vmre.voting import accounts

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voting_web"))
from sivei_setup import PASSWORD, csrf, login, next_code


@dataclass
class HttpVoter:
    index: int
    cookies: dict[str, str]
    headers: dict[str, str]  # the page's CSRF token and the voter's own address


def activated_accounts(ready: ReadyElection, count: int) -> list[str]:
    """Accounts bound to voters 0..count-1's public credentials, activated with TOTP and
    PASSWORD; their TOTP secrets."""
    secrets = []
    password_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(
        PASSWORD)
    with transaction(ready.board.sessions) as s:
        for i in range(count):
            credential, entity = ready.voters[i]
            account = accounts.enrol(s, ready.ctx.election_id, entity, _email(i), _phone(i),
                                     credential.public.hex())
            account.second_factor, account.totp_secret = "totp", pyotp.random_base32()
            account.password_hash, account.state = password_hash, "active"
            account.activation_hash = None  # the link is spent once the password is chosen
            secrets.append(account.totp_secret)
    return secrets


def _email(i: int) -> str:
    return f"votante{i}@correo.example"


def _phone(i: int) -> str:
    return f"+1 415 555 {1000 + i:04d}"


def sign_in(server: str, i: int, totp_secret: str) -> HttpVoter:
    """Voter i's browser after the login: its cookies and headers."""
    address = f"10.{i // 250}.{i % 250}.7"
    with httpx.Client(base_url=server, timeout=120, follow_redirects=True,
                      headers={"X-Forwarded-For": address}) as client:
        home = login(client, _email(i), next_code(totp_secret))
        assert home.status_code == 200 and "/voto/entrar" not in str(home.url), home.text
        return HttpVoter(i, dict(client.cookies),
                         {"X-CSRF-Token": csrf(home.text), "X-Forwarded-For": address})


def cast_path(election_id: str, i: int) -> str:
    """Even voters cast through the JSON API, odd ones through the ballot page's script."""
    return f"/api/v1/elections/{election_id}/ballots" if i % 2 == 0 else "/voto/emitir"


def send(server: str, voter: HttpVoter, path: str, ballot: dict) -> httpx.Response | None:
    """The ballot posted once; None when no answer came back (connection refused or cut)."""
    try:
        with httpx.Client(base_url=server, timeout=120, cookies=voter.cookies,
                          headers=voter.headers) as client:
            return client.post(path, json={"ballot": ballot})
    except httpx.TransportError:
        return None
