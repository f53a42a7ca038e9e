"""Instants keep their offset on both databases: an aware time is stored in UTC, read back
aware in UTC, compared as the instant it is; a naive one is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from vmre.core.audit import AuditEvent
from vmre.core.database import make_engine, migrate, session_factory, transaction

MINUS6 = dt.timezone(dt.timedelta(hours=-6))


def test_aware_times_are_stored_as_utc_and_read_back_aware(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        s.add(AuditEvent(actor="ana", action="prueba",
                         at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=MINUS6)))
    with sessions() as s:
        at = s.scalar(select(AuditEvent.at))
        assert at == dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
        assert at.utcoffset() == dt.timedelta(0)
        # Compared in SQL as instants, whatever offset the bound value carries.
        assert s.scalar(select(AuditEvent.id).where(
            AuditEvent.at > dt.datetime(2026, 11, 30, 8, 59, tzinfo=MINUS6))) is not None
        assert s.scalar(select(AuditEvent.id).where(
            AuditEvent.at > dt.datetime(2026, 11, 30, 14, 59, tzinfo=dt.UTC))) is not None
        assert s.scalar(select(AuditEvent.id).where(
            AuditEvent.at > dt.datetime(2026, 11, 30, 9, 1, tzinfo=MINUS6))) is None
    with pytest.raises(StatementError, match="naive"), transaction(sessions) as s:
        s.add(AuditEvent(actor="ana", action="prueba", at=dt.datetime(2026, 11, 30, 9, 0)))
    engine.dispose()
