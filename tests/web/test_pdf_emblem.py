"""The operator's emblem is drawn in the margin of every PDF the system produces, beside the
institution's name and contact; an emblem that refers to a network address makes the server
fetch nothing, and the PDF is still produced (docs/identity.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from fastapi.testclient import TestClient

from support.emblem import EMBLEM, emblem_drawn, identity_file
from vmre.core import identity
from vmre.count.acta_pdf import pdf_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voting_web"))
from sivei_setup import ELECTION, voting_site

VMRE = str(Path(sys.executable).with_name("vmre"))


def _act(tmp_path: Path, kind: str = "inicio") -> bytes:
    app, _ctx, _voters = voting_site(f"sqlite:///{tmp_path / 'vmre.sqlite'}", tmp_path, 1)
    pdf = TestClient(app).get(f"/actas/{ELECTION}/{kind}.pdf?lang=es")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    return pdf.content


def test_the_act_of_the_ceremony_draws_the_operators_emblem_beside_the_name(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv(identity.ENV, str(identity_file(tmp_path)))
    act = _act(tmp_path)
    assert emblem_drawn(act)
    printed = pdf_text(act)
    assert "Autoridad Electoral de Ejemplo" in printed and "Aviso de privacidad:" in printed


def test_without_the_operators_emblem_its_colour_is_not_in_the_act(tmp_path, monkeypatch):
    """The check above can fail: the shipped placeholder emblem draws no #123456."""
    monkeypatch.delenv(identity.ENV, raising=False)
    assert not emblem_drawn(_act(tmp_path))


class _Recorder(BaseHTTPRequestHandler):
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.end_headers()
        self.wfile.write(EMBLEM.encode())

    def log_message(self, *args: object) -> None:
        pass


def test_an_emblem_referring_to_a_network_address_fetches_nothing(tmp_path, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    hostile = EMBLEM.replace("</svg>", (
        f'<style>@import url("{base}/estilo.css");</style>'
        f'<image href="{base}/imagen.svg" x="0" y="0" width="8" height="8"/>'
        f'<use href="{base}/simbolo.svg#s"/></svg>'))
    monkeypatch.setenv(identity.ENV, str(identity_file(tmp_path, hostile)))
    try:
        act = _act(tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.asked == []
    assert emblem_drawn(act)  # drawn without what it referred to


def _vmre(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([VMRE, *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done


def test_the_reports_draw_the_emblem_and_their_days_in_peoples_format(tmp_path):
    env = {**os.environ, identity.ENV: str(identity_file(tmp_path))}
    db = f"sqlite:///{tmp_path / 'vmre.sqlite'}"
    _vmre(env, "report", "quarterly", "--from", "2019-12-01", "--to", "2020-02-29",
          "--out", str(tmp_path / "trimestral"), "--sample", "--db", db)
    quarterly = (tmp_path / "trimestral/informe-trimestral.pdf").read_bytes()
    assert emblem_drawn(quarterly)
    assert "1 de diciembre de 2019 al 29 de febrero de 2020" in pdf_text(quarterly)
    _vmre(env, "report", "biweekly", "--to", "2020-02-15", "--out", str(tmp_path / "q"),
          "--db", db)
    [biweekly] = (tmp_path / "q").glob("*.pdf")
    assert emblem_drawn(biweekly.read_bytes())
    printed = " ".join(pdf_text(biweekly.read_bytes()).split())
    assert "Quincena del 2 de febrero de 2020 al 15 de febrero de 2020" in printed
    assert "2020-02-15" not in printed
