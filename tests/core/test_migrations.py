"""A part's migrations create exactly the tables and indexes its models describe."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from vmre.core.database import Base, make_engine, migrate


@pytest.mark.parametrize("parts", [("registry",), ("cards", "service")])
def test_migrations_match_models(db_url, parts):
    for part in parts:
        importlib.import_module(f"vmre.{part}.models")  # registers the part's tables
    engine = make_engine(db_url)
    migrate(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert [d for d in diffs if any(f"{part}_" in str(d) for part in parts)] == []
    tables = set(Base.metadata.tables)
    assert all(any(t.startswith(f"{part}_") for t in tables) for part in parts)
