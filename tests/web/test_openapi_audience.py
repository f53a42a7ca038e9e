"""/openapi.json describes the public API (citizens, voters, anyone) to everyone and the staff
API only to signed-in staff."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

PUBLIC = {("/api/v1/registry/status", "post"), ("/api/v1/registry/requests", "post"),
          ("/api/v1/elections/{election_id}/ballots", "post"),
          ("/api/v1/elections/{election_id}/board", "get"), ("/api/v1/receipts/check", "post")}
STAFF = {("/api/v1/registry/requests", "get"),
         ("/api/v1/registry/requests/{folio}/decision", "post"),
         ("/api/v1/registry/lists/{election}/close", "post"),
         ("/api/v1/registry/credentials/{election}/issue", "post"),
         ("/api/v1/registry/csrf", "get")}


def _operations(document: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


def test_strangers_see_only_the_public_api(sqlite_url):
    app = create_app(sqlite_url)
    with transaction(app.state.sessions) as s:
        create_user(s, "jefa", "contraseña-de-prueba", [Role.ADMINISTRATOR])
    client = TestClient(app)
    anonymous = client.get("/openapi.json")
    assert anonymous.status_code == 200 and anonymous.json()["openapi"].startswith("3.")
    seen = _operations(anonymous.json())
    assert seen >= PUBLIC
    assert not STAFF & seen
    assert not any(path.startswith("/admin") or path.endswith("/courier-events")
                   for path, _ in seen)
    assert "/admin/" not in anonymous.text

    sign_in(client, "jefa", "contraseña-de-prueba")
    full = _operations(client.get("/openapi.json").json())
    assert full >= PUBLIC | STAFF and any(path.startswith("/admin") for path, _ in full)
    # signed out again: the public part only
    home = client.get("/admin/")
    client.post("/admin/logout", data={"csrf": re.search(
        r'name="csrf" value="([^"]+)"', home.text).group(1)})
    assert _operations(client.get("/openapi.json").json()) == seen
