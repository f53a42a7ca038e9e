"""Fail-closed plumbing of the web layer: a session cookie, a CSRF token or a courier's bearer
token that is missing, truncated, garbled or lengthened opens nothing, on every reader.

- the session cookie (vmre.web.sessions, vmre.core.sessions): an altered copy of a live
  cookie, an over-long value, an ended row and a row whose contents no longer parse all
  leave the browser signed out, and the server tells it to drop the cookie;
- CSRF (vmre.web.security.check_csrf): every form POST of the site, sent by a client with
  NO session at all (no token, an empty token, a token of its own invention), is refused
  with the catalogue's message or sent to sign in; with a session, a missing, empty,
  truncated, garbled, lengthened or foreign token is refused; the voter's JSON cast takes
  its token from a header, refused the same way;
- the courier's bearer token (cards and count APIs): refused when missing, empty, altered,
  or when the server has no token configured at all (an empty one must not match).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.core.sessions import WebSession
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app
from vmre.web.sessions import COOKIE

PASSWORD = "contraseña-de-prueba"
CSRF_ES = text("web.csrf", "es")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _routes(routes, prefix: str = ""):
    """(path, method) of every state-changing route, included routers walked through."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes,
                               prefix + route.include_context.prefix)
        elif hasattr(route, "include_context"):  # pragma: no cover - other FastAPI versions
            continue
        else:
            for method in sorted((getattr(route, "methods", None) or set())
                                 & {"POST", "PUT", "PATCH", "DELETE"}):
                yield prefix + route.path, method


@pytest.fixture
def app(sqlite_url):
    app = create_app(sqlite_url, secret_key="test")
    with transaction(app.state.sessions) as s:
        create_user(s, "jefa", PASSWORD, [Role.ADMINISTRATOR])
    return app


def _signed_in(app) -> TestClient:
    client = TestClient(app)
    home = sign_in(client, "jefa", PASSWORD)
    assert home.status_code == 200 and str(home.url).endswith("/admin/")
    return client


def _opens_admin(app, cookie: str | None) -> tuple[bool, str]:
    """Does a browser holding `cookie` reach the staff home? (and the Set-Cookie it gets)"""
    client = TestClient(app)
    if cookie is not None:
        client.cookies.set(COOKIE, cookie)
    r = client.get("/admin/", follow_redirects=False)
    assert r.status_code in (200, 303), r.status_code
    if r.status_code == 303:
        assert r.headers["location"].endswith("/admin/login")
    return r.status_code == 200, r.headers.get("set-cookie", "")


# -- session cookie ---------------------------------------------------------------------------

def _altered(value: str) -> dict[str, str]:
    flipped = ("A" if value[5] != "A" else "B")
    return {
        "truncated": value[:-1],
        "half": value[: len(value) // 2],
        "lengthened": value + "A",
        "garbled": value[:5] + flipped + value[6:],
        "upper-cased": value.upper() if value.upper() != value else value.lower(),
        "empty": "",
        "over-long": value * 4,  # past the 100 characters a cookie id may have
        "not base64": "%%%;,\"",
    }


def test_an_altered_session_cookie_opens_nothing(app):
    client = _signed_in(app)
    value = client.cookies[COOKIE]
    assert _opens_admin(app, value)[0]  # the copy itself works: the check below is reached
    for name, altered in _altered(value).items():
        opened, _ = _opens_admin(app, altered)
        assert not opened, name
    assert _opens_admin(app, value)[0]  # and none of them ended the real session


def test_a_cookie_the_server_does_not_know_is_dropped(app):
    opened, set_cookie = _opens_admin(app, "x" * 43)
    assert not opened
    assert set_cookie.startswith(f"{COOKIE}=") and "Max-Age=0" in set_cookie


def test_an_ended_session_row_opens_nothing(app):
    client = _signed_in(app)
    value = client.cookies[COOKIE]
    with transaction(app.state.sessions) as s:
        row = s.scalars(select(WebSession).where(WebSession.kind == "staff")).one()
        row.expires_at = row.created_at  # ended at the moment it began
    assert not _opens_admin(app, value)[0]
    with app.state.sessions() as s:  # the ended row is deleted when read
        assert s.scalars(select(WebSession).where(WebSession.kind == "staff")).first() is None


@pytest.mark.parametrize("contents", ["{not json", "[1, 2]", "\"staff_id\"", "null"])
def test_a_session_row_whose_contents_do_not_parse_holds_nobody(app, contents):
    client = _signed_in(app)
    value = client.cookies[COOKIE]
    with transaction(app.state.sessions) as s:
        s.scalars(select(WebSession).where(WebSession.kind == "staff")).one().data = contents
    assert not _opens_admin(app, value)[0]


# -- CSRF -------------------------------------------------------------------------------------

def _form_routes(app) -> list[tuple[str, str]]:
    """Every form POST of the site (the JSON API under /api/ is checked below)."""
    found = [(path, method) for path, method in _routes(app.routes)
             if not path.startswith("/api/")]
    assert len(found) >= 40  # the walk reached the included routers
    return found


def _refused_or_sent_to_sign_in(r, where: str) -> None:
    if r.status_code == 303:  # a staff or voter page: nobody is signed in
        # (a client that sent no session is not told that one ended)
        assert r.headers["location"] in ("/admin/login", "/voto/entrar"), where
        return
    assert r.status_code == 403, (where, r.status_code, r.text[:200])
    assert r.json()["detail"] == CSRF_ES, where


@pytest.mark.parametrize("form", [{}, {"csrf": ""}, {"csrf": "ficha-inventada-por-el-atacante"}],
                         ids=["no-token", "empty-token", "invented-token"])
def test_every_form_post_from_a_client_with_no_session_is_refused(app, form):
    client = TestClient(app)
    routes = _form_routes(app)
    refused = 0
    for path, method in routes:
        url = re.sub(r"\{[^}]+\}", "x", path)
        r = client.request(method, url, data=form, follow_redirects=False)
        _refused_or_sent_to_sign_in(r, f"{method} {path}")
        assert COOKIE not in client.cookies  # still no session: nothing was created for it
        refused += r.status_code == 403
    assert refused >= 15  # the public forms reached the CSRF check itself


def _staff_login_post(client: TestClient, csrf: str | None):
    data = {"username": "jefa", "password": PASSWORD}
    if csrf is not None:
        data["csrf"] = csrf
    return client.post("/admin/login", data=data, follow_redirects=False)


def test_a_missing_or_altered_csrf_token_is_refused_with_a_session(app):
    other = TestClient(app)
    foreign = _csrf(other.get("/admin/login").text)
    client = TestClient(app)
    token = _csrf(client.get("/admin/login").text)
    assert COOKIE in client.cookies
    flipped = token[:3] + ("A" if token[3] != "A" else "B") + token[4:]
    for name, given in {"missing": None, "empty": "", "truncated": token[:-1],
                        "half": token[: len(token) // 2], "lengthened": token + "A",
                        "garbled": flipped, "another session's": foreign,
                        "with a space": f" {token}"}.items():
        r = _staff_login_post(client, given)
        assert r.status_code == 403, name
        assert r.json()["detail"] == CSRF_ES, name
    ok = _staff_login_post(client, token)  # the right one passes: the check is reached
    assert ok.status_code == 303 and ok.headers["location"] == "/admin/codigo"  # then the code


def test_a_session_without_a_token_refuses_an_empty_token(app):
    """A live session that never showed a form holds no token: '' must not match it."""
    client = _signed_in(app)
    with transaction(app.state.sessions) as s:
        row = s.scalars(select(WebSession).where(WebSession.kind == "staff")).one()
        row.data = re.sub(r',?"csrf":"[^"]*"', "", row.data)
        assert '"csrf"' not in row.data and '"staff_id"' in row.data
    for given in ({}, {"csrf": ""}):
        r = client.post("/admin/logout", data=given, follow_redirects=False)
        assert r.status_code == 403 and r.json()["detail"] == CSRF_ES
    assert _opens_admin(app, client.cookies[COOKIE])[0]  # still signed in: nothing happened


def test_a_json_change_without_its_csrf_header_is_refused(app):
    """The staff JSON API reads the token from X-CSRF-Token: absent is None, not ''."""
    client = _signed_in(app)
    token = client.get("/api/v1/registry/csrf").json()["csrf"]
    url = "/api/v1/registry/requests/SRVE-NOEXISTE/decision"
    for name, headers in {"missing": {}, "empty": {"X-CSRF-Token": ""},
                          "truncated": {"X-CSRF-Token": token[:-1]},
                          "garbled": {"X-CSRF-Token": token[::-1]}}.items():
        r = client.post(url, json={"decision": "accept"}, headers=headers)
        assert r.status_code == 403 and r.json()["detail"] == CSRF_ES, name
    r = client.post(url, json={"decision": "accept"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 422  # past the check: the folio does not exist
    assert r.json() != {"detail": CSRF_ES}


# -- courier bearer tokens --------------------------------------------------------------------

COURIER_APIS = {
    "/api/v1/cards/courier-events": ([], text("cards.api.unauthorised", "es")),
    "/api/v1/count/courier-events": ({"events": []}, text("count.courier.bad_token", "es")),
}


def _courier(client: TestClient, path: str, authorization: str | None):
    headers = {} if authorization is None else {"Authorization": authorization}
    return client.post(path, json=COURIER_APIS[path][0], headers=headers)


@pytest.mark.parametrize("path", sorted(COURIER_APIS))
def test_courier_token_missing_or_altered_is_refused(app, path, monkeypatch):
    token = "ficha-del-mensajero-0123456789abcdef"
    monkeypatch.setenv("VMRE_COURIER_TOKEN", token)
    client = TestClient(app)
    for name, header in {"missing": None, "empty": "", "bearer only": "Bearer ",
                         "truncated": f"Bearer {token[:-1]}", "lengthened": f"Bearer {token}x",
                         "garbled": f"Bearer {token.upper()}",
                         "another scheme": f"Basic {token}"}.items():
        r = _courier(client, path, header)
        assert r.status_code == 401, name
        assert r.json()["detail"] == COURIER_APIS[path][1], name
    assert _courier(client, path, f"Bearer {token}").status_code == 200  # the check is reached


@pytest.mark.parametrize("path", sorted(COURIER_APIS))
def test_courier_api_without_a_configured_token_refuses_everyone(app, path, monkeypatch):
    monkeypatch.delenv("VMRE_COURIER_TOKEN", raising=False)
    client = TestClient(app)
    for header in (None, "", "Bearer ", "Bearer x"):
        r = _courier(client, path, header)
        assert r.status_code == 401 and r.json()["detail"] == COURIER_APIS[path][1], header
