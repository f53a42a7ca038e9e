"""Core infrastructure against real parts: both databases, a loopback SMTP server."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from vmre.core import audit
from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.core.email import Mail, Mailer
from vmre.core.messages import UserError, bilingual, catalogue, text
from vmre.core.staff import Role, authenticate, create_user


def test_every_catalogue_entry_has_both_languages():
    entries = catalogue()
    assert entries, "the catalogue is empty"
    for key, value in entries.items():
        assert value["es"].strip() and value["en"].strip(), key


def test_text_fills_placeholders_and_falls_back_per_language():
    assert "7" in text("core.staff.bad_login", "en", minutes=7)
    assert bilingual("web.csrf").count(" / ") == 1
    with pytest.raises(KeyError):
        text("core.no.such.key")


def test_migrations_create_tables_and_staff_login(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    migrate(engine)  # idempotent
    assert {"staff_users", "audit_events"} <= set(inspect(engine).get_table_names())
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        create_user(s, "revisora", "una contraseña larga ñ", [Role.REVIEWER])
    with transaction(sessions) as s:
        user = authenticate(s, "revisora", "una contraseña larga ñ")
        assert not isinstance(user, UserError)
        assert user.has(Role.REVIEWER) and not user.has(Role.SUPERVISOR)
        audit.record(s, user.username, "login")
    with transaction(sessions) as s:
        assert [e.action for e in audit.events(s)] == ["login"]


def test_lockout_after_repeated_failures(sqlite_url):
    engine = make_engine(sqlite_url)
    migrate(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        create_user(s, "agente", "contraseña-segura-1", [Role.AGENT])
    for _ in range(5):
        with transaction(sessions) as s:
            result = authenticate(s, "agente", "equivocada")
        assert isinstance(result, UserError) and result.key == "core.staff.bad_login"
    with transaction(sessions) as s:  # the lock holds against the right password, and the
        result = authenticate(s, "agente", "contraseña-segura-1")  # answer says nothing more
    assert isinstance(result, UserError) and result.key == "core.staff.bad_login"


def test_weak_password_refused(sqlite_url):
    engine = make_engine(sqlite_url)
    migrate(engine)
    with pytest.raises(UserError) as err, transaction(session_factory(engine)) as s:
        create_user(s, "x", "corta", [Role.AGENT])
    assert err.value.key == "core.staff.weak_password"


def test_mail_reaches_a_real_smtp_server(smtp_server):
    Mailer().send(Mail(to="ana@example.org", subject="Folio MX-1", text="Hola, Ñandú"))
    assert len(smtp_server.messages) == 1
    msg = smtp_server.messages[0]
    assert msg["To"] == "ana@example.org"
    assert "Ñandú" in msg.get_payload(decode=True).decode()
