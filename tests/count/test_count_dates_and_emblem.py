"""`vmre count …` as the operator types it (a subprocess) over a copy of the simulacro's
database: the times it prints are Mexico City's, in the one format people read, and the
PDFs it produces — the postal packages, the list of late envelopes and the acta of their
destruction, the entity's acta of the count — draw the operator's emblem in the margin."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from support.emblem import emblem_drawn, identity_file
from vmre.core import identity
from vmre.count.acta_pdf import pdf_text
from vmre.count.postal import check_digit
from vmre.web.app import create_app

ELECTION = "pel-2024-extranjero"
VMRE = str(Path(sys.executable).with_name("vmre"))
ZONE = "(hora del centro de México)"


def _voter(folio: str, name: str, n: int) -> dict:
    digits = f"{n:014d}"
    return {"folio": folio, "entity": "PUE", "full_name": name, "address": ["55 King St W",
            "Toronto ON"], "country": "CA", "country_name": "Canadá",
            "envelope": "VMR" + digits + check_digit(digits)}


def test_count_prints_mexico_city_times_and_its_pdfs_draw_the_emblem(tmp_path, simulacro,
                                                                     monkeypatch):
    db = tmp_path / "count.sqlite"
    shutil.copy(simulacro.out / "simulacro.sqlite", db)
    url = f"sqlite:///{db}"
    monkeypatch.setenv(identity.ENV, str(identity_file(tmp_path)))
    env = dict(os.environ)

    def vmre(*args: str) -> str:
        done = subprocess.run([VMRE, *args, "--db", url], env=env, capture_output=True,
                              text=True, timeout=600)
        assert "Traceback" not in done.stderr, done.stderr
        return " ".join(done.stdout.split())  # table cells may wrap

    rows = [_voter("FECHA-1", "Rosa Méndez", 71), _voter("FECHA-2", "Juan Ortiz", 72)]
    head = {"format": "vmre/postal-lnere/v1", "election_id": ELECTION, "entity": "PUE",
            "addendum": False, "voters": 2}
    lnere = tmp_path / "lnere.jsonl"
    lnere.write_text("".join(json.dumps(o) + "\n" for o in [head, *rows]), encoding="utf-8")
    vmre("count", "packages", ELECTION, str(lnere), "--out", str(tmp_path / "p"))
    assert emblem_drawn((tmp_path / "p/paquetes-PUE.pdf").read_bytes())
    shipping = (tmp_path / "p/manifiesto-envio.csv").read_text().splitlines()
    rosa, juan = (next(line.split(",")[1] for line in shipping if name in line)
                  for name in ("Rosa", "Juan"))

    # 05:30 UTC on 20 May is still 19 May in Mexico City
    assert "en plazo" in vmre("count", "receive", ELECTION, rosa, "--at",
                              "2024-05-20T05:30:00+00:00")
    again = vmre("count", "receive", ELECTION, rosa, "--at", "2024-05-20T05:40:00+00:00")
    assert f"recibido 19 de mayo de 2024, 23:40 {ZONE}" in again
    assert f"19 de mayo de 2024, 23:40 {ZONE}" in vmre("count", "refused", ELECTION)
    listed = vmre("count", "lnere", ELECTION, "--entity", "PUE")
    assert f"19 de mayo de 2024, 23:30 {ZONE}" in listed and "2024-05-19" not in listed

    assert "FUERA de plazo" in vmre("count", "receive", ELECTION, juan, "--at",
                                    "2024-06-01T15:00:00+00:00")
    vmre("count", "late", ELECTION, "--entity", "PUE", "--out", str(tmp_path / "late.pdf"))
    late = (tmp_path / "late.pdf").read_bytes()
    assert emblem_drawn(late)
    assert f"1 de junio de 2024, 09:00 {ZONE}" in " ".join(pdf_text(late).split())

    # a new acta for PUE makes a new entity count, whose PDF is made when first asked for
    table = re.search(r"\(id (\d+)\)", vmre("count", "assign", ELECTION, "PUE")).group(1)
    counts = {o.id: 0 for o in simulacro.manifest.contest("gob-pue").options} | {"mc": 1}
    figures = tmp_path / "acta.json"
    figures.write_text(json.dumps({"counts": counts, "total": 1, "ballots_taken": 1}))
    for operator in ("a", "b"):
        vmre("count", "capture", table, "gob-pue", str(figures), "--operator", operator)
    acta = TestClient(create_app(url, secret_key="test")).get(
        f"/resultados/{ELECTION}/PUE/acta.pdf")
    assert acta.status_code == 200 and emblem_drawn(acta.content)

    deadline = vmre("count", "deadline", ELECTION, "--day", "2024-06-02")
    assert f"Plazo legal de recepción de sobres: 1 de junio de 2024, 08:00 {ZONE}" in deadline
