"""Server-side sessions through HTTP on both databases: a copied cookie opens nothing after
logout, lifetimes are enforced by the server (the clock is moved by editing the session's
row), and a lockout, a new password or an account recovery ends the holder's sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from vmre.cli import app as cli_app
from vmre.core.database import transaction
from vmre.core.sessions import WebSession
from vmre.core.staff import Role, StaffUser, create_user
from vmre.voting.sms import FileSms
from vmre.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voting_web"))
import sivei_setup  # the voting tests' election and voter helpers

from staff_login import sign_in

PASSWORD = "contraseña-de-prueba"
NEW_PASSWORD = "otra-contraseña-más-larga"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture
def staff_app(db_url):
    app = create_app(db_url)
    with transaction(app.state.sessions) as s:
        create_user(s, "jefa", PASSWORD, [Role.ADMINISTRATOR])
    return app


def _staff_client(app, password: str = PASSWORD) -> TestClient:
    client = TestClient(app)
    home = sign_in(client, "jefa", password)
    assert home.status_code == 200 and "/admin/" in str(home.url) and "jefa" in home.text
    return client


def _with_cookie(app, value: str) -> TestClient:
    """Another browser that holds a copy of a session cookie."""
    client = TestClient(app)
    client.cookies.set("vmre_session", value)
    return client


def _opens_admin(client: TestClient) -> bool:
    r = client.get("/admin/", follow_redirects=False)
    assert r.status_code in (200, 303), r.status_code
    return r.status_code == 200


def _rows(app, kind: str) -> list[WebSession]:
    with app.state.sessions() as s:
        return list(s.scalars(select(WebSession).where(WebSession.kind == kind)))


def _shift(app, kind: str, **deltas: dt.timedelta) -> None:
    """Move a session's clock: subtract each delta from the named time columns."""
    with transaction(app.state.sessions) as s:
        for row in s.scalars(select(WebSession).where(WebSession.kind == kind)):
            for column, delta in deltas.items():
                setattr(row, column, getattr(row, column) - delta)


def test_staff_cookie_is_a_random_id_and_logout_ends_it(staff_app):
    client = _staff_client(staff_app)
    copied = client.cookies["vmre_session"]
    # the cookie carries no data: only a random id, and the server keeps only its hash
    assert "staff" not in copied and "." not in copied and len(copied) >= 40
    [row] = _rows(staff_app, "staff")
    assert row.id_hash == hashlib.sha256(copied.encode()).hexdigest() and copied not in row.data
    assert _opens_admin(_with_cookie(staff_app, copied))
    home = client.get("/admin/")
    out = client.post("/admin/logout", data={"csrf": _csrf(home.text)})
    assert "/admin/login" in str(out.url)
    assert not _opens_admin(_with_cookie(staff_app, copied))
    assert _rows(staff_app, "staff") == []


def test_staff_session_absolute_and_idle_limits(staff_app):
    client = _staff_client(staff_app)
    assert _opens_admin(client)
    # 7 h 59 min after sign-in, used a minute ago: still open
    _shift(staff_app, "staff", created_at=dt.timedelta(hours=7, minutes=59),
           expires_at=dt.timedelta(hours=7, minutes=59), last_seen=dt.timedelta(minutes=1))
    assert _opens_admin(client)
    # past 8 hours from sign-in, although used a minute ago: refused
    _shift(staff_app, "staff", created_at=dt.timedelta(minutes=2),
           expires_at=dt.timedelta(minutes=2))
    assert not _opens_admin(client)

    client = _staff_client(staff_app)
    _shift(staff_app, "staff", last_seen=dt.timedelta(minutes=31))  # 31 minutes idle
    assert not _opens_admin(client)


def test_a_request_keeps_an_idle_staff_session_alive(staff_app):
    client = _staff_client(staff_app)
    _shift(staff_app, "staff", last_seen=dt.timedelta(minutes=29))
    assert _opens_admin(client)  # this request counts as activity
    _shift(staff_app, "staff", last_seen=dt.timedelta(minutes=29))
    assert _opens_admin(client)


def test_staff_password_change_ends_the_other_sessions(staff_app):
    here, elsewhere = _staff_client(staff_app), _staff_client(staff_app)
    old_cookie = here.cookies["vmre_session"]
    page = here.get("/admin/password")
    wrong = here.post("/admin/password", data={
        "current": "no-es-la-actual", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf": _csrf(page.text)})
    assert wrong.status_code == 400 and "La contraseña actual no es correcta." in wrong.text
    assert _opens_admin(elsewhere)
    done = here.post("/admin/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf": _csrf(page.text)})
    assert done.status_code == 200 and "Contraseña cambiada" in done.text
    assert _opens_admin(here) and here.cookies["vmre_session"] != old_cookie  # a fresh id
    assert not _opens_admin(elsewhere)
    assert not _opens_admin(_with_cookie(staff_app, old_cookie))
    _staff_client(staff_app, NEW_PASSWORD)


def test_password_set_on_the_command_line_ends_every_session(staff_app, db_url):
    client = _staff_client(staff_app)
    from vmre.cli import register_parts

    register_parts()
    out = CliRunner().invoke(cli_app, ["staff", "password", "jefa", "--db", db_url],
                             input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert out.exit_code == 0, out.output
    assert "sus sesiones abiertas terminaron" in out.output
    assert not _opens_admin(client)
    _staff_client(staff_app, NEW_PASSWORD)


def test_staff_lockout_ends_the_sessions(staff_app):
    client = _staff_client(staff_app)
    guesser = TestClient(staff_app)
    for _ in range(5):
        guesser.post("/admin/login", data={"username": "jefa", "password": "adivinanza",
                                           "csrf": _csrf(guesser.get("/admin/login").text)})
    with staff_app.state.sessions() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == "jefa"))
        assert user.locked_until is not None
    assert not _opens_admin(client)


def test_ended_rows_are_pruned_at_sign_in(staff_app):
    _staff_client(staff_app)
    TestClient(staff_app).get("/admin/login")  # an anonymous session (its CSRF token)
    assert len(_rows(staff_app, "staff")) == 1 and len(_rows(staff_app, "anonymous")) >= 1
    _shift(staff_app, "staff", expires_at=dt.timedelta(hours=9))
    _shift(staff_app, "anonymous", last_seen=dt.timedelta(minutes=31))
    _staff_client(staff_app)
    assert len(_rows(staff_app, "staff")) == 1  # only the new one
    assert len(_rows(staff_app, "anonymous")) == 0


# -- voters -----------------------------------------------------------------------------------

@pytest.fixture
def site(db_url, tmp_path):
    app = create_app(db_url)
    app.state.sms = FileSms(tmp_path / "sms.jsonl")
    voters = sivei_setup.make_voters(2)
    sivei_setup.open_election(app.state.sessions, tmp_path / "ceremony", voters)
    return app, voters


def _opens_ballot(client: TestClient) -> bool:
    r = client.get("/voto/boleta", follow_redirects=False)
    assert r.status_code in (200, 303), r.status_code
    return r.status_code == 200


def test_voter_logout_ends_the_copied_cookie(site):
    app, voters = site
    client, _ = sivei_setup.signed_in(app, voters[0])
    copied = client.cookies["vmre_session"]
    assert _opens_ballot(_with_cookie(app, copied))
    home = client.get("/voto/")
    out = client.post("/voto/salir", data={"csrf": _csrf(home.text)})
    assert "/voto/entrar" in str(out.url)
    assert not _opens_ballot(_with_cookie(app, copied))
    assert not _opens_ballot(client)


def test_voter_session_ends_thirty_minutes_after_login_even_if_used(site):
    app, voters = site
    client, _ = sivei_setup.signed_in(app, voters[0])
    _shift(app, "voter", created_at=dt.timedelta(minutes=29),
           expires_at=dt.timedelta(minutes=29))
    assert _opens_ballot(client)
    _shift(app, "voter", created_at=dt.timedelta(minutes=1, seconds=1),
           expires_at=dt.timedelta(minutes=1, seconds=1))
    r = client.get("/voto/boleta")
    assert "/voto/entrar" in str(r.url) and "30 minutos" in r.text


def test_voter_recovery_and_new_password_end_the_sessions(site, smtp_server):
    app, voters = site
    voter = voters[1]
    client, _ = sivei_setup.signed_in(app, voter)
    other = TestClient(app)
    page = other.get("/voto/recuperar")
    other.post("/voto/recuperar", data={"email": voter.email, "csrf": _csrf(page.text)})
    body = smtp_server.messages[-1].get_payload(decode=True).decode("utf-8")
    token = re.search(r"/voto/activar/([\w-]+)", body).group(1)
    assert _opens_ballot(client)  # asking for a link alone signs nobody out
    sivei_setup.activate_totp(other, token, voter.phone)  # phone digits, factor, password
    assert not _opens_ballot(client)


def test_voter_lockout_ends_the_sessions(site):
    app, voters = site
    client, _ = sivei_setup.signed_in(app, voters[0])
    guesser = TestClient(app)
    for _ in range(5):
        r = sivei_setup.login(guesser, voters[0].email, "123456", "contraseña-equivocada")
        assert r.status_code == 401
    assert not _opens_ballot(client)


def test_migration_matches_the_session_model(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from vmre.core.database import Base, make_engine, migrate

    engine = make_engine(db_url)
    migrate(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert [d for d in diffs if "core_web_sessions" in str(d)] == []
