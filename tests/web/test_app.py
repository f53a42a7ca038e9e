"""The web shell: security headers on every page, staff sign-in with CSRF."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app


def _client(url: str) -> TestClient:
    app = create_app(url, secret_key="test")
    with transaction(app.state.sessions) as s:
        create_user(s, "admin", "contraseña-de-prueba", [Role.ADMINISTRATOR])
    return TestClient(app)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_headers_and_login_flow(sqlite_url):
    client = _client(sqlite_url)
    page = client.get("/admin/login")
    csp = page.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert client.get("/admin/", follow_redirects=False).status_code == 303
    bad = client.post("/admin/login", data={"username": "admin", "password": "x",
                                            "csrf": _csrf(page.text)})
    assert bad.status_code == 401 and "incorrectos" in bad.text
    no_csrf = client.post("/admin/login", data={"username": "admin",
                                                "password": "contraseña-de-prueba"})
    assert no_csrf.status_code == 403
    ok = sign_in(client, "admin", "contraseña-de-prueba")
    assert ok.status_code == 200 and "admin" in ok.text and str(ok.url).endswith("/admin/")


def test_english_pages(sqlite_url):
    client = _client(sqlite_url)
    assert "Staff sign-in" in client.get("/admin/login?lang=en").text
    assert "Acceso del personal" in client.get("/admin/login?lang=es").text


def test_home_links_only_the_areas_of_the_role(sqlite_url):
    app = create_app(sqlite_url, secret_key="test")
    with transaction(app.state.sessions) as s:
        create_user(s, "agente", "contraseña-de-prueba", [Role.AGENT])
        create_user(s, "jefa", "contraseña-de-prueba", [Role.ADMINISTRATOR])
    for name, present, absent in (("agente", ["/admin/service/", "/admin/cards/"],
                                   ["/admin/registry/", "/admin/sivei/"]),
                                  ("jefa", ["/admin/registry/", "/admin/sivei/",
                                            "/admin/reports/", "/admin/count/"], [])):
        client = TestClient(app)
        home = sign_in(client, name, "contraseña-de-prueba")
        assert home.status_code == 200
        for href in present:
            assert f'href="{href}"' in home.text, (name, href)
        for href in absent:
            assert f'href="{href}"' not in home.text, (name, href)
