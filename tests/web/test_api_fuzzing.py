"""Schemathesis against `/openapi.json` through a real server (uvicorn on loopback), with a
bounded number of examples per operation, as an anonymous visitor, a signed-in voter and a
signed-in staff member (who is served the whole API document), on SQLite and PostgreSQL: no
answer may be a 5xx.

The site holds an open election with voters and a registry process, so generated requests
that name them reach the handlers' own checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hostile_site import ELECTION, hostile_site

sys.path.insert(0, str(Path(__file__).parents[1] / "voting_web"))
from live_server import LiveServer

ST = str(Path(sys.executable).with_name("st"))
EXAMPLES = 4  # per operation and phase: each database's run stays near a minute
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


@pytest.fixture
def served(db_url, tmp_path):
    site = hostile_site(db_url, tmp_path)
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
