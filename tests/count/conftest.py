"""A migrated database and the sample manifest for the count's tests."""

from __future__ import annotations

import pytest

from vmre.core.database import make_engine, migrate, session_factory
from vmre.simulacro.run import default_manifest_text
from vmre.voting.manifest import parse_manifest


@pytest.fixture(scope="session")
def manifest():
    return parse_manifest(default_manifest_text())


@pytest.fixture
def sessions(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    yield session_factory(engine)
    engine.dispose()
