"""The registry migrations create exactly the tables and indexes its models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import vmre.registry.models  # noqa: F401  (registers the registry tables)
from vmre.core.database import Base, make_engine, migrate


def test_migrations_match_models(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert [d for d in diffs if "registry_" in str(d)] == []
