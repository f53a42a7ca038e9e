"""`vmre verify` counts grammatically in both languages ("1 auditada verificada", "1 check
failed"), while the fingerprint line that scripts read stays as it was."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from vmre.cli import app, register_parts

RECORDS = Path(__file__).resolve().parents[2] / "conformance" / "records"


def _verify(name: str):
    register_parts()
    return CliRunner().invoke(app, ["verify", str(RECORDS / name)])


def test_one_audited_ballot_is_singular_in_both_languages():
    result = _verify("single-all-present")
    assert result.exit_code == 0, result.output
    assert ("El registro es correcto: 4 boletas contadas (4 en el tablero) y 1 auditada "
            "verificada. / The record holds: 4 ballots counted (4 on the board) and 1 audited "
            "ballot verified.") in result.output
    fingerprint = [line for line in result.output.splitlines()
                   if line.startswith("Huella de la elección según el registro: ")]
    assert len(fingerprint) == 1
    assert fingerprint[0].split(": ")[1].split(" / ")[0] == (
        "8e80454110bb2d0adb392cfdab71a9f59e702c7c5234bcd423af95c5aa06cbeb")


def test_one_failed_check_is_singular():
    result = _verify("bad-option-proof")
    assert result.exit_code == 1
    assert "El registro NO es válido: 1 comprobación falló. / The record does NOT hold: 1 " \
           "check failed." in result.output


def test_superseded_ballots_under_the_last_policy_are_counted_grammatically():
    result = _verify("last-revote")
    assert result.exit_code == 0, result.output
    assert "3 boletas del tablero fueron reemplazadas" in result.output
    assert "y 0 auditadas verificadas" in result.output
