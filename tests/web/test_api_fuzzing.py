"""Schemathesis against `/openapi.json` through a real server (uvicorn on loopback), with a
bounded number of examples per operation, as an anonymous visitor, a signed-in voter and a
signed-in staff member (who is served the whole API document), on PostgreSQL (SQLite where
no server runs): no answer may be a 5xx.

The site holds an open election with voters and a registry process, so generated requests
that name them reach the handlers' own checks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_site import ELECTION, hostile_site

sys.path.insert(0, str(Path(__file__).parents[1] / "voting_web"))
from live_server import LiveServer

ST = str(Path(sys.executable).with_name("st"))
EXAMPLES = 4  # per operation and phase: the three runs take about a minute
CONFIG = f"""
[parameters]
"path.election_id" = {{ dictionary = "elections", probability = 0.6 }}
"path.election" = {{ dictionary = "elections", probability = 0.6 }}
"path.entity" = {{ dictionary = "entities", probability = 0.6 }}

[dictionaries.elections]
values = ["{ELECTION}"]

[dictionaries.entities]
values = ["JAL", "PUE"]
"""


def _postgres_reachable() -> bool:
    host = os.environ.get("VMRE_TEST_PG_HOST", "127.0.0.1")
    port = int(os.environ.get("VMRE_TEST_PG_PORT", "5432"))
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def served(request, tmp_path):
    # PostgreSQL, the production database (it refuses what SQLite stores, NUL for one); the
    # embedded SQLite where no server runs. Both are walked by the other hostile-input tests.
    url = (request.getfixturevalue("postgres_url") if _postgres_reachable()
           else f"sqlite:///{tmp_path / 'fuzz.sqlite'}")
    site = hostile_site(url, tmp_path)
    with LiveServer(site.app) as server:
        yield site, server
    site.close()


def _fuzz(server, tmp_path: Path, name: str, headers: dict[str, str]) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    args = [ST, "--config-file", str(config), "run", f"{server.url}/openapi.json",
            "--checks", "not_a_server_error", "--max-examples", str(EXAMPLES),
            "--phases", "examples,coverage,fuzzing", "--seed", "2024",
            "--generation-deterministic", "--no-shrink", "--request-timeout", "20",
            "--warnings", "off", "--no-color", "--max-failures", "20"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, f"{name}:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
    assert "Tested:" in done.stdout


def test_no_operation_answers_5xx_anonymous_voter_or_staff(served, tmp_path):
    site, server = served

    def cookie(client) -> str:
        return f"vmre_session={client.cookies.get('vmre_session')}"

    _fuzz(server, tmp_path, "anonymous", {})
    _fuzz(server, tmp_path, "voter", {"Cookie": cookie(site.voter),
                                      "X-CSRF-Token": site.voter_csrf})
    _fuzz(server, tmp_path, "staff", {"Cookie": cookie(site.staff),
                                      "X-CSRF-Token": site.staff_csrf})
