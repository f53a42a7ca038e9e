"""A ready election on each database (one ceremony per test run, copied per test)."""

from __future__ import annotations

import pytest

from vmre.simulacro.election import ReadyElection, open_election
from vmre.simulacro.run import default_manifest_text, run_ceremony


@pytest.fixture(scope="session")
def ceremony_done(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ceremony")
    run_ceremony(folder, default_manifest_text(), 3, 2, seed=7)
    return folder


@pytest.fixture
def ready(tmp_path, db_url, ceremony_done) -> ReadyElection:
    return open_election(tmp_path, db_url, reuse_ceremony=ceremony_done)


@pytest.fixture
def ready_sqlite(tmp_path, sqlite_url, ceremony_done) -> ReadyElection:
    return open_election(tmp_path, sqlite_url, reuse_ceremony=ceremony_done)


def pytest_collection_finish(session) -> None:
    """Under --collect-only, which is how mutmut's fork server warms up before it forks one
    process per mutant (docs/testing.md §2), the small election of quick_election.py is built
    here: every mutant's process then inherits it instead of building it again."""
    if session.config.option.collectonly and any(
            item.nodeid.startswith("tests/voting/test_") and "_quick.py" in item.nodeid
            for item in session.items):
        import quick_election

        quick_election.warm()
