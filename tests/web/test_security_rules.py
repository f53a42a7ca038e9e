"""vmre.web.security on a bare app (no database, so that each rule is checked in
milliseconds, which mutation testing needs): the strict headers and who may override them,
HSTS only when asked, CSRF tokens made once per session and compared exactly, the language
choice and the client address. The whole site's pages are checked in test_fail_closed.py
and test_app.py."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request as StarletteRequest

from vmre.core.messages import text
from vmre.web import security
from vmre.web.security import CONTENT_SECURITY_POLICY, SecurityHeaders


def _app(hsts: bool = False) -> FastAPI:
    app = FastAPI()

    @app.get("/plain")
    def plain() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/own-headers")
    def own() -> PlainTextResponse:
        return PlainTextResponse("ok", headers={
            "Cache-Control": "public, max-age=60", "X-Frame-Options": "ALLOWALL",
            "Content-Security-Policy": "default-src *", "Referrer-Policy": "unsafe-url",
            "X-Content-Type-Options": "none", "Strict-Transport-Security": "max-age=1"})

    @app.get("/token")
    def token(request: Request) -> dict:
        return {"csrf": security.csrf_token(request)}

    @app.post("/check")
    def check(request: Request, csrf: str | None = None) -> dict:
        security.check_csrf(request, csrf)
        return {"ok": True}

    @app.get("/lang")
    def lang(request: Request) -> dict:
        return {"lang": security.language(request), "ip": security.client_ip(request)}

    app.add_middleware(SessionMiddleware, secret_key="x" * 32)
    app.add_middleware(SecurityHeaders, hsts=hsts)
    return app


def test_every_response_carries_the_strict_headers_and_no_store():
    r = TestClient(_app()).get("/plain")
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in r.headers


def test_a_handler_may_set_its_cache_but_never_weaken_the_security_headers():
    r = TestClient(_app(hsts=True)).get("/own-headers")
    assert r.headers["cache-control"] == "public, max-age=60"
    for name, value in {"content-security-policy": CONTENT_SECURITY_POLICY,
                        "x-frame-options": "DENY", "referrer-policy": "no-referrer",
                        "x-content-type-options": "nosniff",
                        "strict-transport-security":
                            "max-age=31536000; includeSubDomains"}.items():
        assert r.headers.get_list(name) == [value], name


def test_hsts_only_when_served_over_https():
    r = TestClient(_app(hsts=True)).get("/plain")
    assert r.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert r.headers["x-frame-options"] == "DENY"


def test_the_csrf_token_is_made_once_per_session_and_compared_exactly():
    client = TestClient(_app())
    token = client.get("/token").json()["csrf"]
    assert len(token) >= 40 and client.get("/token").json()["csrf"] == token
    assert client.post("/check", params={"csrf": token}).json() == {"ok": True}
    refusal = text("web.csrf", "es")
    for bad in ("", token[:-1], token + "x", token.upper(), None):
        params = {} if bad is None else {"csrf": bad}
        r = client.post("/check", params=params)
        assert r.status_code == 403 and r.json()["detail"] == refusal, bad
    other = TestClient(_app())
    assert other.get("/token").json()["csrf"] != token


@pytest.mark.parametrize("given", [None, "", "ficha"])
def test_no_session_means_no_token_matches(given):
    client = TestClient(_app())
    params = {"lang": "en"} if given is None else {"lang": "en", "csrf": given}
    r = client.post("/check", params=params)
    assert r.status_code == 403 and r.json()["detail"] == text("web.csrf", "en")


def test_language_from_query_then_cookie_then_header():
    client = TestClient(_app())
    assert client.get("/lang").json()["lang"] == "es"
    assert client.get("/lang?lang=en").json()["lang"] == "en"
    assert client.get("/lang?lang=fr").json()["lang"] == "es"
    assert client.get("/lang", headers={"Accept-Language": "en-GB,en"}).json()["lang"] == "en"
    assert client.get("/lang", headers={"Accept-Language": "EN"}).json()["lang"] == "en"
    assert client.get("/lang", headers={"Accept-Language": "fr, en"}).json()["lang"] == "es"
    client.cookies.set("lang", "en")
    assert client.get("/lang").json()["lang"] == "en"
    assert client.get("/lang?lang=es").json()["lang"] == "es"


def test_client_address_is_the_connection_peer():
    assert TestClient(_app()).get("/lang").json()["ip"] == "testclient"


def test_the_middleware_leaves_hsts_off_unless_told():
    app = FastAPI()

    @app.get("/")
    def root() -> dict:
        return {}

    app.add_middleware(SecurityHeaders)
    r = TestClient(app).get("/")
    assert "strict-transport-security" not in r.headers and r.headers["x-frame-options"] == "DENY"


def test_the_token_has_32_random_bytes():
    token = TestClient(_app()).get("/token").json()["csrf"]
    assert len(token) == 43  # base64url of 32 bytes, no padding


def test_other_scopes_and_request_bodies_pass_through_untouched():
    started: list[bool] = []

    @asynccontextmanager
    async def lifespan(_app):
        started.append(True)
        yield

    app = FastAPI(lifespan=lifespan)

    @app.post("/echo")
    async def echo(request: Request) -> dict:
        return {"body": (await request.body()).decode()}

    app.add_middleware(SecurityHeaders)
    with TestClient(app) as client:  # the lifespan scope goes through the middleware
        r = client.post("/echo", content=b"cuerpo")
        assert r.json() == {"body": "cuerpo"} and r.headers["x-frame-options"] == "DENY"
    assert started == [True]


def test_a_response_start_without_headers_gets_them_all():
    async def bare(scope, receive, send):
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body", "body": b""})

    r = TestClient(SecurityHeaders(bare)).get("/")
    assert r.status_code == 204 and r.headers["cache-control"] == "no-store"
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_a_request_without_a_peer_address_is_unknown():
    request = StarletteRequest({"type": "http", "method": "GET", "path": "/", "headers": [],
                                "query_string": b""})
    assert security.client_ip(request) == "unknown"
