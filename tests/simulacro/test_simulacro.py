"""`vmre simulacro` end to end through the command line, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.database import make_engine, session_factory, transaction
from vmre.count.models import EnvelopeReturn, Package
from vmre.registry.models import Request, Status
from vmre.simulacro.registration import listed_folios
from vmre.simulacro.run import run
from vmre.voting.accounts import VoterAccount


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
    # names people read: parties, coalitions and candidates, never option or contest ids
    assert "Partido Acción Nacional" in result.output and "coalición" in result.output
    assert "pan+pri" not in result.output and "(gob-jal)" not in result.output
    assert "Verificación independiente: correcta" in result.output
    assert "De la solicitud al cómputo" in result.output
    assert "En la lista nominal (LNERE) al cierre" in result.output
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


def _nonzero(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if v}


def test_funnel_from_requests_to_count(tmp_path, db_url):
    """Seed 2 with 50 citizens holds every behaviour: a typo corrected, a typo never
    corrected, an expired card, a key the register does not know, a request sent twice."""
    out = tmp_path / "funnel"
    outcome = run(50, out, 3, 2, 1, database=db_url, seed=2)
    assert outcome.report.ok
    f = outcome.funnel
    assert f.requests == 50 and f.duplicates == 4 and f.submitted == 54
    assert f.confirmed == f.requests
    assert f.corrected == 2 and f.correction_asked == 3
    assert f.rejected == {"correction_not_made": 1, "card_expired": 1, "not_in_register": 1}
    assert f.accepted == f.requests - sum(f.rejected.values()) == f.first_review + f.corrected
    assert sum(f.listed.values()) == f.accepted

    # Every accepted internet voter got a credential by mail, and only they are on the list
    # the voting server loaded (the record's credential list).
    credentials = json.loads((out / "record" / "credentials.json").read_text())
    assert f.listed["internet"] == f.credentials_mailed == f.handed_over == f.accounts \
        == len(credentials["credentials"])
    assert outcome.cast + outcome.abstained == f.handed_over
    assert outcome.web_cast == 12 and outcome.cast > outcome.web_cast  # and the bulk intake

    engine = make_engine(db_url)
    try:
        with transaction(session_factory(engine)) as s:
            postal = listed_folios(s, outcome.election_id, "postal")
            internet = listed_folios(s, outcome.election_id, "internet")
            counted = set(s.scalars(select(Package.voter_ref).where(
                Package.table_id.is_not(None))))
            shipped = set(s.scalars(select(Package.voter_ref)))
            stored = s.scalar(select(Request.id).where(Request.credential_public != "",
                                                       Request.status != Status.INCLUDED))
            # the web voters' accounts: activated with TOTP and a password, marked voted
            web = s.execute(select(VoterAccount.state, VoterAccount.second_factor,
                                   VoterAccount.voted_at.is_not(None))
                            .where(VoterAccount.voted_at.is_not(None))).all()
            returns = {r.outcome for r in s.scalars(select(EnvelopeReturn))}
    finally:
        engine.dispose()
    assert len(postal) == f.listed["postal"] and len(internet) == f.listed["internet"]
    # A package for each voter of the postal list, and no one else; every counted envelope
    # belongs to an accepted postal request; no credential for anyone off the list.
    assert shipped == postal and counted <= postal and not counted & internet
    assert len(counted) == outcome.postal["on_time"] and outcome.postal["late"] >= 1
    assert outcome.postal["late_listed"] == outcome.postal["late"]
    assert returns == {"on_time", "late", "duplicate"}  # one envelope scanned twice, refused
    assert (out / "postal" / "sobres-extemporaneos.pdf").read_bytes().startswith(b"%PDF")
    assert stored is None
    assert web == [("active", "totp", True)] * outcome.web_cast

    # The record's results are the votes the simulacro's voters chose: internet ballots in
    # the tally and in each entity count, postal ballots at the counting tables.
    results = json.loads((out / "record" / "results.json").read_text())
    for contest, data in results["contests"].items():
        assert _nonzero(data["counts"]) == dict(outcome.chosen.get(contest, {})), contest
    for acta in Path(out / "record" / "actas" / "computo").glob("*.json"):
        for contest, data in json.loads(acta.read_text())["figures"]["contests"].items():
            assert _nonzero(data["electronic"]["counts"]) == dict(outcome.chosen[contest])
            assert _nonzero(data["postal"]["counts"]) \
                == dict(outcome.postal["chosen"].get(contest, {})), contest
