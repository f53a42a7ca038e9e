"""`vmre count …` over a copy of the simulacro's database, and the printed postal package."""

from __future__ import annotations

import io
import json
import re
import shutil

from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.database import make_engine
from vmre.count.ballot_paper import ballot_layout
from vmre.count.models import VoterModality
from vmre.count.postal import check_digit

ELECTION = "pel-2024-extranjero"


def test_postal_flow_on_the_command_line(tmp_path, simulacro):
    db = tmp_path / "count.sqlite"
    shutil.copy(simulacro.out / "simulacro.sqlite", db)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    with engine.connect() as c:  # the folio of one of the simulacro's internet voters
        internet = c.scalar(select(VoterModality.voter_ref).where(
            VoterModality.modality == "internet").limit(1))
    engine.dispose()

    def voter(folio, name, address, country, n):
        digits = f"{n:014d}"
        return {"folio": folio, "entity": "PUE", "full_name": name, "address": address,
                "country": country[0], "country_name": country[1],
                "envelope": "VMR" + digits + check_digit(digits)}

    rows = [voter("CLI-1", "Rosa Méndez", ["55 King St W", "Toronto ON"], ("CA", "Canadá"), 1),
            voter("CLI-2", "Juan Ortiz", ["Calle Mayor 1", "Madrid"], ("ES", "España"), 2),
            voter(internet, "Ya por internet", ["X"], ("US", "Estados Unidos"), 3)]
    head = {"format": "vmre/postal-lnere/v1", "election_id": ELECTION, "entity": "PUE",
            "addendum": False, "voters": 3}
    voters = tmp_path / "lnere.jsonl"
    voters.write_text("".join(json.dumps(o) + "\n" for o in [head, *rows]), encoding="utf-8")
    register_parts()
    runner = CliRunner()

    def vmre(*args: str):
        return runner.invoke(app, [*args, "--db", url], catch_exceptions=False)

    # An internet voter on the postal list gets no package: listed, the others go out.
    made = vmre("count", "packages", ELECTION, str(voters), "--out", str(tmp_path / "p"))
    assert made.exit_code == 0, made.output
    assert f"Línea 4, folio {internet}" in made.output
    shipping = (tmp_path / "p/manifiesto-envio.csv").read_text().splitlines()
    mine = [line.split(",") for line in shipping if "Rosa" in line or "Juan" in line]
    assert len(mine) == 2
    reader = PdfReader(io.BytesIO((tmp_path / "p/paquetes-PUE.pdf").read_bytes()))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(pages) == 4  # per voter: label and instructions, one ballot (gob-pue)
    assert "Rosa Méndez" in pages[0] and mine[0][1] in pages[0]
    assert "Coalición Fuerza y Corazón" in pages[1] and "Gabriela Solís Mendoza" in pages[1]
    assert "Rosa Méndez" not in pages[1] and mine[0][1] not in pages[1]  # the ballot is anonymous

    received = vmre("count", "receive", ELECTION, mine[0][1], "--at",
                    "2024-05-20T12:00:00+00:00")
    assert received.exit_code == 0 and "en plazo" in received.output
    late = vmre("count", "receive", ELECTION, mine[1][1], "--at", "2024-06-01T15:00:00+00:00")
    assert "FUERA de plazo" in late.output
    assigned = vmre("count", "assign", ELECTION, "PUE")
    newest = assigned.output.strip().splitlines()[-1]  # earlier tables are closed to it
    tables_before = simulacro.postal["entities"]["PUE"]["tables"]
    assert f"PUE-{tables_before + 1:02d}" in newest and "1 sobre." in newest
    table_id = newest.split("(id ")[-1].split(")")[0]
    figures = tmp_path / "acta.json"
    counts = {o.id: 0 for o in simulacro.manifest.contest("gob-pue").options} | {"mc": 1}
    figures.write_text(json.dumps({"counts": counts, "total": 1, "ballots_taken": 1}))
    vmre("count", "capture", table_id, "gob-pue", str(figures), "--operator", "a")
    captured = vmre("count", "capture", table_id, "gob-pue", str(figures), "--operator", "b")
    assert "v1: válida" in captured.output
    before = simulacro.postal["entities"]["PUE"]["contests"]["gob-pue"]["candidates"]["pue-c"]
    shown = vmre("count", "show", ELECTION, "PUE")
    assert re.search(rf"Daniela Ochoa Fuentes\s+│ {before + 1}\s", shown.output)


def test_ballot_layout_groups_coalition_parties(simulacro):
    manifest = simulacro.manifest
    blocks = ballot_layout(manifest, manifest.contest("gob-jal"))
    assert [b["coalition"] for b in blocks] == ["Fuerza y Corazón", "Sigamos Haciendo Historia",
                                                None]
    assert [box["party"] for box in blocks[0]["boxes"]] == ["pan", "pri", "prd"]
    assert {box["candidate"] for box in blocks[1]["boxes"]} == {"José Ángel Núñez Ortiz"}
    solo = ballot_layout(manifest, manifest.contest("dip-migrante-jal"))
    assert all(b["coalition"] is None and len(b["boxes"]) == 1 for b in solo)
