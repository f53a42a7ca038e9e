"""Staff sign-in as a person does it: user name and password, then the six-digit code from
the authenticator app — set up from the page's key at the first sign-in. Every test that
signs staff in goes through here (`sign_in` over HTTP, `sign_in_page` in Chromium).

The authenticator is this module: it keeps each account's key per site (database) and,
like a phone, never gives the same code twice (the server refuses a used code)."""

from __future__ import annotations

import re
import time

import pyotp

PASSWORD = "contraseña-de-prueba"
_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_keys: dict[tuple[str, str], str] = {}
_last_step: dict[tuple[str, str], int] = {}


def _site(client) -> str:
    """The database behind a TestClient's app, else the server's address."""
    engine = getattr(getattr(getattr(client, "app", None), "state", None), "engine", None)
    if engine is not None:
        return engine.url.render_as_string(hide_password=False)
    return str(client.base_url)


def remember(site: str, username: str, html: str) -> None:
    """At the first sign-in the page shows the key: the app takes it."""
    found = _SECRET.search(html)
    if found:
        _keys[(site, username)] = found.group(1)
        _last_step.pop((site, username), None)


def code(site: str, username: str) -> str:
    """A code the server has not seen for this account: the current step's, else the next
    one's (one step of drift is allowed), else wait for a new step."""
    key = (site, username)
    secret = _keys[key]
    while True:
        now = int(time.time()) // 30
        step = max(now, _last_step.get(key, -1) + 1)
        if step <= now + 1:
            break
        time.sleep(max(0.05, step * 30 - 29.5 - time.time()))
    _last_step[key] = step
    return pyotp.TOTP(secret).generate_otp(step)


def key_of(site: str, username: str) -> str:
    return _keys[(site, username)]


def sign_in(client, username: str, password: str = PASSWORD, *, lang: str | None = None):
    """Password, then code; the response of the last step (the staff home on success, the
    page that refused otherwise). `client` follows redirects (TestClient, httpx)."""
    query = f"?lang={lang}" if lang else ""
    page = client.get(f"/admin/login{query}")
    answer = client.post(f"/admin/login{query}", data={
        "username": username, "password": password, "csrf": _CSRF.search(page.text).group(1)})
    if not str(answer.url).split("?")[0].endswith("/admin/codigo"):
        return answer  # the password was refused
    site = _site(client)
    remember(site, username, answer.text)
    return client.post(f"/admin/codigo{query}", data={
        "code": code(site, username), "csrf": _CSRF.search(answer.text).group(1)})


def sign_in_page(page, base_url: str, username: str, password: str = PASSWORD,
                 lang: str | None = None) -> None:
    """The same in a browser tab (Playwright): both forms filled and sent."""
    query = f"?lang={lang}" if lang else ""
    page.goto(f"{base_url}/admin/login{query}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action='/admin/login'] button[type=submit]")
    page.wait_for_url("**/admin/codigo*")
    remember(base_url, username, page.content())
    page.fill("#code", code(base_url, username))
    page.click("form[action='/admin/codigo'] button[type=submit]")
    page.wait_for_url("**/admin/")
