"""One storage layer: SQLAlchemy 2 over SQLite (embedded default) or PostgreSQL.

The schema is owned by Alembic migrations shipped inside the package; `migrate()` brings
any database to the newest revision of every part (each part is its own migration branch).
"""

from __future__ import annotations

import datetime as dt
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from vmre.core.config import database_url

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


POOL_SIZE = 20  # kept connections per engine (PostgreSQL); as many more while busy


class UtcDateTime(TypeDecorator):
    """An instant, stored in UTC on every database and read back as an aware UTC datetime.

    SQLite keeps no offset: without this, 09:00-06:00 would be stored as 09:00 and read as
    09:00 UTC. An aware value is converted to UTC before it is stored (and before it is
    compared in a query); a naive one is refused, since nobody can tell which clock it is."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect):
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UtcDateTime takes a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("UtcDateTime refuses a naive datetime: give its offset")
        value = value.astimezone(dt.UTC)
        # SQLite stores the bare digits: store UTC's, so text order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect):
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite: the digits are UTC's (written above)
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class WallClock(TypeDecorator):
    """A wall-clock time in a zone that the same row names (a deadline "at 23:59 Mexico City
    time"), stored as its bare digits. Only naive values are taken: an aware one belongs in a
    UtcDateTime column."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect):
        if value is not None and value.tzinfo is not None:
            raise ValueError("WallClock takes a naive local time; an instant is a UtcDateTime")
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect):
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


_latest: weakref.ref[Engine] | None = None


def latest_engine() -> Engine | None:
    """The engine this process made last, while it lives: the database a command works on,
    for what is read outside any request (the institution's stored identity in a mail)."""
    return _latest() if _latest is not None else None


def forget_latest_engine() -> None:
    """No database opened yet, as at a process's start (a test that starts afresh)."""
    global _latest
    _latest = None


def make_engine(url: str | None = None) -> Engine:
    global _latest
    engine = _make_engine(database_url(url))
    _latest = weakref.ref(engine)
    return engine


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL: readers never block the board writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **_pool_settings())


def _pool_settings() -> dict:
    """Pool size (VMRE_DB_POOL_SIZE, default POOL_SIZE) and psycopg's server-side statement
    preparation (VMRE_DB_PREPARE_THRESHOLD: executions before a statement is prepared, `none`
    never; unset, psycopg's default)."""
    # As many kept connections as request threads that may hold one at once: past the pool
    # size every connection is opened and closed per request (a new server process).
    size = int(os.environ.get("VMRE_DB_POOL_SIZE") or POOL_SIZE)
    settings: dict = {"pool_size": size, "max_overflow": size}
    threshold = os.environ.get("VMRE_DB_PREPARE_THRESHOLD")
    if threshold:
        value = None if threshold.lower() == "none" else int(threshold)
        settings["connect_args"] = {"prepare_threshold": value}
    return settings


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("vmre.core") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Apply every pending migration of every part.

    Safe when several `vmre` processes start at once on the same database: the upgrade runs
    under a lock that every one of them takes (a file lock beside a SQLite file, an advisory
    lock on PostgreSQL, taken in the migrations' environment), so the second finds the schema
    already made instead of creating the same tables again."""
    with _migration_lock(engine):
        command.upgrade(alembic_config(engine), "heads")


MIGRATION_LOCK_KEY = 0x766D7265  # "vmre": PostgreSQL advisory lock held while migrating


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield  # PostgreSQL: locked inside the migration's transaction (migrations/env.py)
        return
    import fcntl  # POSIX; a SQLite file shared by processes on one machine

    with open(f"{database}.migrate-lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: committed when the block ends, rolled back on any error."""
    with factory() as session, session.begin():
        yield session
