"""Shared fixtures: real databases (SQLite file and PostgreSQL), a real SMTP server."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest

PG_HOST = os.environ.get("VMRE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("VMRE_TEST_PG_PORT", "5432"))
PG_ADMIN_DB = os.environ.get("VMRE_TEST_PG_DB", "test")


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _no_database_from_an_earlier_test():
    """What is read outside any request (the institution's stored identity in a mail or a
    PDF made by a command) follows the database the process opened last: each test starts as
    a new process would, not on the database an earlier test left behind."""
    from vmre.core.database import forget_latest_engine

    forget_latest_engine()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'vmre.sqlite'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database per test; under CI a missing server fails the test."""
    yield from _fresh_postgres_database()


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """One fresh PostgreSQL database for a module's tests, which clean up after themselves
    (migrating a database costs more than the tests that share it)."""
    yield from _fresh_postgres_database()


def _fresh_postgres_database() -> Iterator[str]:
    """Under CI a missing server fails the test; elsewhere it is skipped."""
    if not _postgres_reachable():
        message = f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    import psycopg

    name = f"vmre_t_{uuid.uuid4().hex[:12]}"
    admin = f"host={PG_HOST} port={PG_PORT} dbname={PG_ADMIN_DB} user=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Storage tests run once on each backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


class SmtpSink:
    """What a real SMTP server on loopback received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse: set[str] = set()  # recipients answered "550", as a dead address would be
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


@contextlib.contextmanager
def loopback_smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on a free loopback port (`sink.port`) for as long as the block runs."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    with socket.socket() as probe:  # a free loopback port (the controller cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(monkeypatch) -> Iterator[SmtpSink]:
    with loopback_smtp() as sink:
        monkeypatch.setenv("VMRE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("VMRE_SMTP_PORT", str(sink.port))
        yield sink


@pytest.fixture(scope="module")
def module_smtp_server() -> Iterator[SmtpSink]:
    """One SMTP server for a module's shared scene. The environment is left alone: the
    commands and servers of the scene are given VMRE_SMTP_HOST and _PORT in their own."""
    with loopback_smtp() as sink:
        yield sink


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium (never a downloaded one), one per test process: Playwright's sync API
    cannot be started twice in one thread. Under CI a missing browser fails the test."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} not found (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
