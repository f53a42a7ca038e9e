"""The biweekly card report for local electoral bodies, and the report pages."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pypdf
from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.cards import courier
from vmre.cards.imports import import_requests
from vmre.cards.service import activate, create_batch, ship
from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.core.staff import Role, create_user
from vmre.reports.biweekly import biweekly_rows, write_biweekly
from vmre.web.app import create_app

HEADER = ("request_id,consulate,country,appointment_date,entity,mechanism,"
          "third_party_consent,elector_key,email,phone\n")
REQUESTS = HEADER + """R1,Chicago,US,2020-02-03,JAL,home,sí,,r1@correo.example,
R2,Dallas,US,2020-02-20,JAL,alternate,,,,+12145550000
R3,Madrid,ES,2020-01-10,ZAC,home,,,,
R4,Montreal,CA,2020-02-25,MICH,po_box,,,,
"""


def _load(factory) -> None:
    with transaction(factory) as s:
        report = import_requests(s, REQUESTS + "R1,X,USA,2020-02-30,XX,drone,,,,\n"
                                 "R5,Phoenix,US,2020-02-21,JAL,po_box,sí,,,\n")
        assert [n for n, _ in report.refused] == [6, 7] and report.accepted == 0
    with transaction(factory) as s:
        assert import_requests(s, REQUESTS).accepted == 4
        create_batch(s, "L1", dt.date(2020, 2, 21), ["R1", "R3"])
        ship(s, "R1", "T1", dt.date(2020, 2, 22))
        ship(s, "R3", "T3", dt.date(2020, 2, 22))
    rows, report = courier.parse_csv(
        "tracking,event,occurred_at,third_party\n"
        "T1,picked_up,2020-02-23T09:00:00-06:00,\n"
        "T1,delivered,2020-02-24T09:00:00-06:00,yes\n"  # R1 consented to a third party
        "T3,picked_up,2020-02-23T09:00:00+01:00,\n")
    assert courier.apply_all(factory, rows, report).ok
    with transaction(factory) as s:
        activate(s, "R1", "phone", "ana")


def test_biweekly_rows_and_files(db_url, tmp_path):
    engine = make_engine(db_url)
    migrate(engine)
    factory = session_factory(engine)
    _load(factory)
    with factory() as s:
        rows = {r.entity: r for r in biweekly_rows(s, dt.date(2020, 2, 29))}
        only = biweekly_rows(s, dt.date(2020, 2, 29), "ZAC")
        before = {r.entity: r for r in biweekly_rows(s, dt.date(2020, 2, 15))}
        now = {r.entity: r for r in biweekly_rows(s, dt.date.today())}
    assert now["JAL"].activated_to_date == 1 and now["JAL"].requests_fortnight == 0
    assert len(rows) == 32
    jal = rows["JAL"]
    assert (jal.requests_fortnight, jal.requests_to_date, jal.delivered_to_date,
            jal.activated_to_date) == (1, 2, 1, 0)  # activated after the cut-off: not yet
    assert rows["ZAC"].requests_fortnight == 0 and rows["ZAC"].requests_to_date == 1
    assert [r.entity for r in only] == ["ZAC"]
    assert before["JAL"].requests_to_date == 1 and before["MICH"].requests_to_date == 0
    with factory() as s:
        csv_path, pdf_path = write_biweekly(s, dt.date(2020, 2, 29), tmp_path)
    table = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert table[-1] == ["TOTAL", "", "2", "4", "1", "0"]
    pdf_text = "\n".join(p.extract_text() for p in pypdf.PdfReader(pdf_path).pages)
    assert "Jalisco 1 2 1 0" in pdf_text and "Zacatecas 0 1 0 0" in pdf_text


def _client(app, username, roles, entity=None) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, username, "contraseña-de-prueba", roles, entity)
    client = TestClient(app)
    sign_in(client, username, "contraseña-de-prueba")
    return client


def test_report_pages_by_role(sqlite_url):
    app = create_app(sqlite_url, secret_key="test")
    _load(app.state.sessions)
    opl = _client(app, "opl-zac", [Role.OPL], "ZAC")
    assert opl.get("/admin/reports/").status_code == 200
    own = opl.get("/admin/reports/biweekly.csv?cutoff=2020-02-29&entity=JAL")
    lines = own.text.strip().splitlines()
    assert own.status_code == 200 and len(lines) == 3 and lines[1].startswith("ZAC,")
    assert opl.get("/admin/reports/quarterly.pdf?start=2020-01-01&end=2020-02-29"
                   ).status_code == 403
    sec = _client(app, "sec", [Role.SECRETARIAT])
    assert 'formaction="/admin/reports/quarterly.html"' in sec.get("/admin/reports/").text
    html = sec.get("/admin/reports/quarterly.html?start=2019-12-01&end=2020-02-29")
    assert html.status_code == 200 and "2.2.1.1. Servicios de Salida" in html.text
    pdf = sec.get("/admin/reports/quarterly.pdf?start=2019-12-01&end=2020-02-29")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert sec.get("/admin/reports/quarterly.pdf?start=2020-03-01&end=2020-02-01"
                   ).status_code == 422
    full = sec.get("/admin/reports/biweekly.csv?cutoff=2020-02-29")
    assert len(full.text.strip().splitlines()) == 34
    agent = _client(app, "ana", [Role.AGENT])
    assert agent.get("/admin/reports/biweekly.csv?cutoff=2020-02-29").status_code == 403
