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


@pytest.fixture(scope="session")
def simulacro(tmp_path_factory):
    """A small mock election with the postal vote; its database and record are read-only."""
    from vmre.simulacro.run import run

    out = tmp_path_factory.mktemp("simulacro-count")
    outcome = run(voters=16, out=out, custodians=3, threshold=2, absent=1, seed=11)
    assert outcome.report.ok, outcome.report.failures
    return outcome
