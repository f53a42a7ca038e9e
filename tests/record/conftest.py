"""One small complete election record per test run; tests tamper with copies of it."""

from __future__ import annotations

import locale
import shutil

import pytest

from vmre.simulacro.run import run


@pytest.fixture(scope="session")
def pristine_record(tmp_path_factory):
    out = tmp_path_factory.mktemp("simulacro")
    outcome = run(voters=40, out=out, custodians=3, threshold=2, absent=1, seed=2027)
    assert outcome.report.ok, outcome.report.failures
    assert outcome.challenged >= 1 and outcome.second_attempts_refused >= 1
    return outcome


@pytest.fixture
def record_copy(tmp_path, pristine_record):
    target = tmp_path / "record"
    shutil.copytree(pristine_record.record, target)
    return target


@pytest.fixture
def ascii_locale():
    """A machine whose locale encoding is ASCII: the record is UTF-8 all the same."""
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)


def pytest_collection_finish(session) -> None:
    """Under --collect-only (how mutmut warms up before forking one process per mutant,
    docs/testing.md §2) the small election the writer's tests share is built here, once."""
    if session.config.option.collectonly and any(
            item.nodeid.startswith("tests/record/test_writer_quick.py")
            for item in session.items):
        import quick_election  # on the path once test_writer_quick.py is collected

        quick_election.warm()
