"""One small complete election record per test run; tests tamper with copies of it."""

from __future__ import annotations

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
