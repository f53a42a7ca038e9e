"""The simulacro with the postal vote: its record holds the actas and passes `vmre verify`;
every change to an acta is caught by the §12 checks even when the digest list is redone."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.count.acta_pdf import pdf_text
from vmre.count.actas import figures_hash
from vmre.count.verification import verify_actas
from vmre.record import layout
from vmre.record.verifier import verify_record


@pytest.fixture
def record(tmp_path, simulacro) -> Path:
    target = tmp_path / "record"
    shutil.copytree(simulacro.record, target)
    return target


def _redo_sums(folder: Path) -> None:
    """Rewrites SHA256SUMS as a forger would, so the deeper checks must catch the change."""
    files = sorted(p.relative_to(folder).as_posix() for p in (folder / "actas").rglob("*")
                   if p.is_file())
    (folder / "SHA256SUMS").write_text("".join(
        f"{hashlib.sha256((folder / f).read_bytes()).hexdigest()}  {f}\n" for f in files))


def _edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(layout.file_text(data))


def _sections(folder: Path) -> set[str]:
    report = verify_record(folder)
    assert not report.ok
    return {f.section for f in report.failures}


def _actas_failures(folder: Path, outcome) -> list[tuple[str, str, str, str]]:
    """The §12 checks alone (what `vmre verify` runs after §11 holds), to keep tests quick."""
    return verify_actas(folder, outcome.results, outcome.manifest)


def test_record_holds_the_actas_and_verifies(simulacro):
    record = simulacro.record
    assert (record / "actas/electronica.json").exists()
    for entity in ("JAL", "GTO", "CDMX", "PUE"):
        assert (record / f"actas/computo/{entity}.pdf").read_bytes().startswith(b"%PDF")
    listed = [line.split("  ")[1] for line in (record / "SHA256SUMS").read_text().splitlines()]
    assert listed == sorted(simulacro.postal["files"])
    assert any(c.startswith("§12") for c in simulacro.report.checks)
    assert verify_record(simulacro.archive).ok  # the zip holds the actas too
    register_parts()
    result = CliRunner().invoke(app, ["verify", str(record)])
    assert result.exit_code == 0, result.output
    assert "§12 actas" in result.output


def test_electronic_acta_equals_the_decrypted_tally(simulacro):
    acta = json.loads((simulacro.record / "actas/electronica.json").read_text())
    for cid, data in simulacro.results["contests"].items():
        assert acta["contests"][cid]["counts"] == data["counts"]
        assert acta["contests"][cid]["total"] == data["ballots"]


def test_late_envelopes_are_not_counted(simulacro):
    entities = simulacro.postal["entities"]
    assert sum(e["late"] for e in entities.values()) >= 1
    for entity, data in entities.items():
        doc = json.loads((simulacro.record / f"actas/computo/{entity}.json").read_text())
        assert doc["figures"]["envelopes"] == data["received"]
        for cid, contest in doc["figures"]["contests"].items():
            assert contest["postal"]["ballots"] == data["received"]
            assert contest["electronic"]["ballots"] == simulacro.results["contests"][cid][
                "ballots"]
            assert contest["total"] == data["received"] + contest["electronic"]["ballots"]
    assert sum(e["sent"] for e in entities.values()) > sum(e["received"]
                                                           for e in entities.values())


def test_pdf_prints_the_figures_hash(simulacro):
    doc = json.loads((simulacro.record / "actas/computo/GTO.json").read_text())
    flat = "".join(pdf_text((simulacro.record / doc["pdf"]).read_bytes()).split())
    assert doc["figures_sha256"] == figures_hash(doc["figures"]) and doc["figures_sha256"] in flat


def test_changed_electronic_acta(record, simulacro):
    def change(d):
        d["contests"]["gob-gto"]["counts"]["mc"] += 1
        d["contests"]["gob-gto"]["total"] += 1
    _edit(record, "actas/electronica.json", change)
    assert {"12.1", "12.2", "12.3"} == _sections(record)
    _redo_sums(record)
    assert {f[0] for f in _actas_failures(record, simulacro)} == {"12.3"}


def test_changed_table_acta(record, simulacro):
    name = "actas/mesas/JAL-01.json"

    def change(d):
        d["contests"]["gob-jal"]["counts"]["pan"] += 1
    _edit(record, name, change)
    _redo_sums(record)
    failures = _actas_failures(record, simulacro)
    assert {f[0] for f in failures} == {"12.4", "12.5"}
    assert any(f[2] == f"{name}:gob-jal" and "sum_mismatch" in f[3] for f in failures)


def test_changed_entity_count_even_with_its_hash_redone(record, simulacro):
    name = "actas/computo/PUE.json"

    def change(d):
        d["figures"]["contests"]["gob-pue"]["parties"]["mc"] += 1
        d["figures_sha256"] = figures_hash(d["figures"])
    _edit(record, name, change)
    _redo_sums(record)
    sections = {f[0] for f in _actas_failures(record, simulacro)}
    assert sections == {"12.5", "12.6"}  # and the PDF no longer prints its hash


def test_swapped_pdf(record, simulacro):
    shutil.copy(record / "actas/computo/GTO.pdf", record / "actas/computo/PUE.pdf")

    def change(d):
        d["pdf_sha256"] = hashlib.sha256((record / d["pdf"]).read_bytes()).hexdigest()
    _edit(record, "actas/computo/PUE.json", change)
    _redo_sums(record)
    assert ("12.6", "acta PDF integrity hash", "actas/computo/PUE.pdf",
            "the PDF does not print it") in _actas_failures(record, simulacro)


def test_unlisted_file_and_flipped_pdf_byte(record, simulacro):
    (record / "actas/mesas/JAL-99.json").write_text("{}\n")
    assert "12.2" in {f[0] for f in _actas_failures(record, simulacro)}
    (record / "actas/mesas/JAL-99.json").unlink()
    assert _actas_failures(record, simulacro) == []
    pdf = record / "actas/computo/CDMX.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x10
    pdf.write_bytes(bytes(data))
    assert {"12.1", "12.2", "12.6"} <= _sections(record)
