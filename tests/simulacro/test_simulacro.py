"""`vmre simulacro` end to end through the command line, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.simulacro.run import run


@pytest.fixture(scope="module")
def cli():
    register_parts()
    return CliRunner()


def test_simulacro_command_prints_results_and_verified_record(cli, tmp_path):
    out = tmp_path / "sim"
    result = cli.invoke(app, ["simulacro", "--voters", "25", "--custodians", "4",
                              "--threshold", "2", "--absent", "2", "--out", str(out),
                              "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "Gubernatura de Jalisco" in result.output
    assert "Verificación independiente: correcta" in result.output
    assert (out / "record.zip").exists() and (out / "record" / "board.jsonl").exists()
    results = json.loads((out / "record" / "results.json").read_text())
    assert len(results["custodians_used"]) == 2
    verify = cli.invoke(app, ["verify", str(out / "record.zip")])
    assert verify.exit_code == 0, verify.output


def test_same_seed_same_results(tmp_path, db_url):
    a = run(20, tmp_path / "a", 3, 2, 1, database=db_url, seed=5)
    b = run(20, tmp_path / "b", 3, 2, 1, seed=5)
    assert a.report.ok and b.report.ok
    assert a.results["contests"] == b.results["contests"]
    assert a.absent == b.absent
    c = run(20, tmp_path / "c", 3, 2, 1, seed=6)
    assert c.results["contests"] != a.results["contests"]


def test_too_many_absent_custodians_is_a_clear_error(cli, tmp_path):
    result = cli.invoke(app, ["simulacro", "--voters", "5", "--custodians", "3",
                              "--threshold", "2", "--absent", "2", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert "a lo sumo" in str(result.exception) or "a lo sumo" in result.output


def test_cheating_custodian_in_the_ceremony_is_excluded(tmp_path):
    outcome = run(10, tmp_path / "cheat", 4, 2, 1, seed=3, cheater=2)
    assert "2" in outcome.disqualified
    assert outcome.report.ok
