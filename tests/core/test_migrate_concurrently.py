"""Two `vmre` commands started at once on a brand-new database both migrate it and succeed:
the upgrade runs under a lock (a file lock beside a SQLite file, an advisory lock on
PostgreSQL), so the second finds the tables made instead of creating them again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from vmre.core.database import make_engine

VMRE = str(Path(sys.executable).with_name("vmre"))
ROUNDS = 2  # fresh databases; each round starts both processes together


def _together(url: str) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen([VMRE, "count", "refused", "nada", "--db", url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=300), *p.communicate())
            for p in procs]


def _check(url: str) -> None:
    for done in _together(url):
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Ningún sobre rechazado" in done.stdout
    engine = make_engine(url)
    with engine.connect() as c:
        heads = sorted(c.execute(text("SELECT version_num FROM alembic_version")).scalars())
        tables = set(inspect(c).get_table_names())
    engine.dispose()
    assert len(heads) == len(set(heads)) and len(heads) >= 4  # one head per part, once each
    assert {"count_packages", "registry_requests", "staff_users"} <= tables


def test_two_commands_at_once_on_a_fresh_sqlite_file(tmp_path):
    for n in range(ROUNDS):
        _check(f"sqlite:///{tmp_path / f'fresh-{n}.sqlite'}")


@pytest.mark.postgres
def test_two_commands_at_once_on_a_fresh_postgresql_database(postgres_url):
    _check(postgres_url)
