"""A site with something behind every kind of identifier, and a browser of each audience:
an open election with voters (one signed in), a registry process, a staff member holding
every role. Shared by the tests that send hostile identifiers and NUL bytes to every route."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from fastapi import routing
from fastapi.testclient import TestClient
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).parents[1] / "voting_web"))

from sivei_setup import ELECTION, activate_totp, enrol, login, next_code, voting_site

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user

STAFF_PASSWORD = "contraseña-de-prueba"


@dataclass
class Site:
    app: object
    anonymous: TestClient
    voter: TestClient
    voter_csrf: str
    staff: TestClient
    staff_csrf: str

    def close(self) -> None:
        for client in (self.anonymous, self.voter, self.staff):
            client.close()
        self.app.state.engine.dispose()


def _csrf(html: str) -> str:
    found = re.search(r'(?:name="csrf" value|data-csrf)="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def hostile_site(db_url: str, folder: Path) -> Site:
    import datetime as dt

    from vmre.registry import service

    app, _ctx, voters = voting_site(db_url, folder, 2)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with transaction(app.state.sessions) as s:
        service.create_process(
            s, ELECTION, "Proceso", opens_at=now - dt.timedelta(days=3),
            closes_at=now + dt.timedelta(days=30), corrections_until=now + dt.timedelta(days=40),
            card_min_validity_year=2024, entities=["JAL"], timezone="America/Mexico_City",
            voting_url="https://votar.example/")
        create_user(s, "todo", STAFF_PASSWORD, list(Role), party="PRI")
    staff = TestClient(app, raise_server_exceptions=False)  # a 500 is an answer to assert on
    signed = sign_in(staff, "todo", STAFF_PASSWORD)
    assert signed.status_code == 200, signed.text[:300]
    voter = TestClient(app, raise_server_exceptions=False)
    secret = activate_totp(voter, enrol(app.state.sessions, voters[0]), voters[0].phone)
    assert login(voter, voters[0].email, next_code(secret)).status_code == 200
    return Site(app, TestClient(app, raise_server_exceptions=False), voter,
                _csrf(voter.get("/voto/boleta").text), staff,
                _csrf(staff.get("/admin/password").text))


def routes(app) -> list[tuple[str, set[str], Route]]:
    """(full path, methods, route as declared) of every route a request can reach (not the
    static files' mount)."""
    iterate = getattr(routing, "iter_route_contexts", None)
    if iterate is None:
        found = [(r.path, r.methods, r) for r in app.routes]
    else:
        found = [(c.path or "", c.methods, c.original_route) for c in iterate(app.routes)]
    return [(path, set(methods or {"GET"}) - {"HEAD"}, route) for path, methods, route in found
            if isinstance(route, Route)]
