"""Malformed identifiers — folios, election ids, entities, page numbers, tracking codes, table
ids, tokens — in the path and the query of every route of every router (registry, voting,
count, cards, service, reports, the shell) get an answer below 500, on SQLite and
PostgreSQL, for the audience each route serves."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from hostile_site import ELECTION, hostile_site, routes

# Each value goes into one identifier at a time, the others holding real ones, so the check of
# that identifier is reached.
JUNK = ("x" * 300, "-1", "99999999999999999999999", "1.5", "ñandú", "%FF", "..%2F..", "%00",
        "a%20b")
KNOWN = {"election_id": ELECTION, "election": ELECTION, "entity": "JAL",
         "contest_id": "gob-jal", "fmt": "csv", "kind": "apertura"}
PARAM = re.compile(r"{(\w+)(?::\w+)?}")
ROUTERS = ("/admin/registry", "/registro", "/api/v1/registry", "/voto", "/tablero",
           "/api/v1/elections", "/admin/sivei", "/admin/count", "/resultados", "/admin/cards",
           "/cards/activate", "/admin/service", "/admin/reports", "/admin/")


@pytest.fixture
def site(db_url, tmp_path):
    made = hostile_site(db_url, tmp_path)
    yield made
    made.close()


def _fill(path: str, junk_in: str | None, junk: str) -> str:
    return PARAM.sub(lambda m: junk if m.group(1) == junk_in else KNOWN.get(m.group(1), "1"),
                     path)


def test_malformed_identifiers_get_an_answer_below_500_on_every_route(site):
    failures, reached = [], set()
    for path, methods, route in routes(site.app):
        if path in ("/admin/logout", "/voto/salir"):
            continue  # signing out would end the sessions the walk goes on with
        if path.startswith(("/admin", "/api/v1/registry/requests/", "/api/v1/registry/lists",
                            "/api/v1/registry/credentials")):
            client, token = site.staff, site.staff_csrf
        elif path.startswith("/voto"):
            client, token = site.voter, site.voter_csrf
        else:
            client, token = site.anonymous, ""
        names = PARAM.findall(path)
        query = [q.name for q in route.dependant.query_params] if isinstance(route, APIRoute) \
            else []
        form = [b.name for b in route.dependant.body_params] if isinstance(route, APIRoute) \
            else []
        for method in sorted(methods):
            for junk in JUNK:
                urls = [_fill(path, name, junk) for name in names]
                if query:
                    urls.append(_fill(path, None, junk) + "?"
                                + "&".join(f"{q}={junk}" for q in query))
                if form and not urls:
                    urls.append(path)  # the identifiers come in the form
                data = {name: token if name == "csrf" else junk for name in form}
                for url in urls:
                    answer = client.request(method, url, data=data or None,
                                            headers={"X-CSRF-Token": token},
                                            follow_redirects=False)
                    reached.add(path)
                    if answer.status_code >= 500:
                        failures.append((method, url[:120], answer.status_code))
    assert failures == [], "\n".join(map(str, sorted(set(failures))))
    for prefix in ROUTERS:  # every router was walked
        assert any(p.startswith(prefix) for p in reached), prefix
