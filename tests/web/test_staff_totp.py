"""Staff sign-in has a second factor: the password alone opens nothing; the first sign-in
sets up the authenticator (QR code, otpauth URI, the key as text) and is confirmed with a
code; every later sign-in asks a fresh code; an administrator's `vmre staff reset-2fa`
ends the account's sessions and the next sign-in enrols again."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pyotp
from fastapi.testclient import TestClient

from staff_login import _CSRF, code, key_of, remember, sign_in
from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

PASSWORD = "contraseña-de-prueba"
VMRE = str(Path(sys.executable).with_name("vmre"))
BAD_CODE = text("core.staff.bad_code", "es", minutes=15)


def _app(sqlite_url):
    app = create_app(sqlite_url)
    with transaction(app.state.sessions) as s:
        create_user(s, "jefa", PASSWORD, [Role.ADMINISTRATOR])
    return app


def _password(client: TestClient, password: str = PASSWORD):
    page = client.get("/admin/login")
    return client.post("/admin/login", data={"username": "jefa", "password": password,
                                             "csrf": _CSRF.search(page.text).group(1)})


def _opens_admin(client: TestClient) -> bool:
    return client.get("/admin/", follow_redirects=False).status_code == 200


def _send_code(client: TestClient, page, value: str):
    return client.post("/admin/codigo", data={"code": value,
                                              "csrf": _CSRF.search(page.text).group(1)})


def test_first_sign_in_enrols_and_later_ones_need_a_fresh_code(sqlite_url):
    app = _app(sqlite_url)
    site = sqlite_url
    client = TestClient(app)
    enrol = _password(client)
    assert str(enrol.url).endswith("/admin/codigo")
    assert not _opens_admin(client)  # the password alone opens nothing
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol.text).group(1)
    uri = re.search(r'id="totp-uri">([^<]+)<', enrol.text).group(1).replace("&amp;", "&")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert 'src="data:image/svg+xml;base64,' in enrol.text  # the QR code
    wrong = _send_code(client, enrol, "000000" if pyotp.TOTP(secret).now() != "000000"
                       else "111111")
    assert wrong.status_code == 400 and BAD_CODE in wrong.text
    assert not _opens_admin(client)
    remember(site, "jefa", enrol.text)
    home = _send_code(client, wrong, code(site, "jefa"))
    assert str(home.url).endswith("/admin/") and _opens_admin(client)

    # A later sign-in: no key shown, and the code just used is refused.
    later = TestClient(app)
    prompt = _password(later)
    assert str(prompt.url).endswith("/admin/codigo") and "totp-secret" not in prompt.text
    used = pyotp.TOTP(secret).generate_otp(_last_used(site))
    replay = _send_code(later, prompt, used)
    assert replay.status_code == 400 and BAD_CODE in replay.text and not _opens_admin(later)
    assert str(_send_code(later, replay, code(site, "jefa")).url).endswith("/admin/")
    assert _opens_admin(later)


def _last_used(site: str) -> int:
    from staff_login import _last_step

    return _last_step[(site, "jefa")]


def test_the_code_page_needs_the_password_first(sqlite_url):
    client = TestClient(_app(sqlite_url))
    page = client.get("/admin/codigo")
    assert str(page.url).endswith("/admin/login")
    bad = _password(client, "no-es-la-contraseña")
    assert bad.status_code == 401 and not str(bad.url).endswith("/admin/codigo")


def test_five_wrong_codes_lock_the_account(sqlite_url):
    app = _app(sqlite_url)
    sign_in(TestClient(app), "jefa")  # enrolled
    client = TestClient(app)
    page = _password(client)
    secret = key_of(sqlite_url, "jefa")
    now = time.time()
    current = {pyotp.TOTP(secret).at(now + drift) for drift in (-60, -30, 0, 30, 60)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in current)
    for _ in range(5):
        page = _send_code(client, page, wrong)
        assert page.status_code == 400
    # locked: even the right code and the right password are refused now
    assert _send_code(client, page, code(sqlite_url, "jefa")).status_code == 400
    assert not _opens_admin(client)
    assert _password(TestClient(app)).status_code == 401


def test_reset_2fa_ends_the_sessions_and_the_next_sign_in_enrols_again(sqlite_url):
    app = _app(sqlite_url)
    signed = TestClient(app)
    sign_in(signed, "jefa")
    first_key = key_of(sqlite_url, "jefa")
    assert _opens_admin(signed)
    out = subprocess.run([VMRE, "staff", "reset-2fa", "jefa", "--db", sqlite_url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert text("core.staff.totp_reset", "es", username="jefa") in out.stdout
    assert not _opens_admin(signed)  # the session ended
    again = _password(TestClient(app))
    assert "totp-secret" in again.text  # enrolment again, with a new key
    assert re.search(r'id="totp-secret">([A-Z2-7]+)<', again.text).group(1) != first_key

    unknown = subprocess.run([VMRE, "staff", "reset-2fa", "nadie", "--db", sqlite_url],
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert text("core.staff.unknown_user", "es", username="nadie") in unknown.stderr


def test_an_administrator_resets_a_lost_second_factor_on_the_staff_page(sqlite_url):
    app = _app(sqlite_url)
    with transaction(app.state.sessions) as s:
        create_user(s, "revisora", PASSWORD, [Role.REVIEWER])
    reviewer = TestClient(app)
    sign_in(reviewer, "revisora")
    refused = reviewer.get("/admin/personal/", headers={"Accept": "text/html"})
    assert refused.status_code == 403
    assert text("core.role.administrator", "es") in refused.text

    boss = TestClient(app)
    sign_in(boss, "jefa")
    accounts = boss.get("/admin/personal/")
    assert text("web.staff.enrolled", "es") in accounts.text
    form = re.search(r'action="(/admin/personal/\d+/segundo-factor)"[^>]*>'
                     r'<input type="hidden" name="csrf" value="([^"]+)"', accounts.text)
    # user, roles, party (none for these accounts), second factor, the reset button
    forms = dict(re.findall(r'<td>(\w+)</td><td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>[^<]*</td>'
                            r'\s*<td><form method="post" '
                            r'action="(/admin/personal/\d+/segundo-factor)"', accounts.text))
    assert form and set(forms) == {"jefa", "revisora"}
    done = boss.post(forms["revisora"], data={"csrf": form.group(2)})
    assert text("core.staff.totp_reset", "es", username="revisora") in done.text
    assert not _opens_admin(reviewer)  # the reviewer's session ended
    assert _opens_admin(boss)
    page = reviewer.get("/admin/login")
    again = reviewer.post("/admin/login", data={"username": "revisora", "password": PASSWORD,
                                                "csrf": _CSRF.search(page.text).group(1)})
    assert "totp-secret" in again.text  # enrols anew


def test_no_enrolment_without_the_key_page(sqlite_url):
    """A code posted straight after the password, without the page that shows the key, is
    refused with the catalogue's message (no key to check it against), not a 500."""
    app = _app(sqlite_url)
    client = TestClient(app)
    page = client.get("/admin/login")
    client.post("/admin/login", data={"username": "jefa", "password": PASSWORD,
                                      "csrf": _CSRF.search(page.text).group(1)},
                follow_redirects=False)  # the code page is not opened
    token = _CSRF.search(client.get("/admin/login").text).group(1)
    answer = client.post("/admin/codigo", data={"code": "123456", "csrf": token})
    assert answer.status_code == 400 and BAD_CODE in answer.text
    assert not _opens_admin(client)


def test_a_code_that_is_not_digits_is_a_wrong_code(sqlite_url):
    app = _app(sqlite_url)
    sign_in(TestClient(app), "jefa")  # enrolled
    client = TestClient(app)
    page = _password(client)
    for hostile in ("ñ12345", "１２３４５６", "12 34 56", ""):
        page = _send_code(client, page, hostile)
        assert page.status_code == 400 and BAD_CODE in page.text, hostile
    assert not _opens_admin(client)


def test_the_code_step_leaves_an_office_its_sign_ins(sqlite_url):
    """Twelve people behind one address sign in within minutes: the per-address limit (20
    per 5 minutes) counts their passwords, not their codes as well."""
    app = _app(sqlite_url)
    with transaction(app.state.sessions) as s:
        for i in range(12):
            create_user(s, f"persona{i}", PASSWORD, [Role.AGENT])
    for i in range(12):
        home = sign_in(TestClient(app), f"persona{i}")
        assert str(home.url).endswith("/admin/"), (i, home.status_code)
