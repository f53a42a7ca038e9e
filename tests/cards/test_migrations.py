"""The cards and service migrations create exactly the tables their models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import vmre.cards.models
import vmre.service.models  # registers the service tables in the metadata
from vmre.core.database import Base, make_engine, migrate


def test_migrations_match_models(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    ours = [d for d in diffs if "cards_" in str(d) or "service_" in str(d)]
    assert ours == []
    assert {"cards_requests", "service_contacts"} <= set(vmre.cards.models.Base.metadata.tables)
