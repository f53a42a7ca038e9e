"""The `vmre cards` and `vmre service` commands end to end on one database."""

from __future__ import annotations

from typer.testing import CliRunner

from vmre.cards.cli import app as cards
from vmre.service.cli import app as service

REQUESTS = ("request_id,consulate,country,appointment_date,entity,mechanism,email,phone\n"
            "C1,Chicago,US,2018-05-01,JAL,home,,+13125550000\n"
            "C2,Madrid,ES,2019-05-01,ZAC,home,,\n")
EVENTS = ("tracking,event,occurred_at\n"
          "TC2,picked_up,2019-06-01T10:00:00+02:00\n"
          "TC2,attempt_failed,2019-06-01T18:00:00+02:00\n"
          "TC2,arrived_ocurre,2019-06-02T10:00:00+02:00\n")


def test_card_commands(sqlite_url, tmp_path, smtp_server):
    run = CliRunner().invoke
    db = ["--db", sqlite_url]
    (tmp_path / "r.csv").write_text(REQUESTS, encoding="utf-8")
    (tmp_path / "e.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "bad.csv").write_text(EVENTS + "TC9,picked_up,2019-06-01T10:00:00Z\n")
    assert run(cards, ["import-requests", str(tmp_path / "r.csv"), *db]).exit_code == 0
    assert run(cards, ["batch", "L1", "2019-05-20", "C2", *db]).exit_code == 0
    assert run(cards, ["ship", "C2", "TC2", "2019-05-31", *db]).exit_code == 0
    bad = run(cards, ["import-events", str(tmp_path / "bad.csv"), *db])
    assert bad.exit_code == 1 and "Línea 5" in bad.output
    assert run(cards, ["import-events", str(tmp_path / "e.csv"), *db]).exit_code == 0
    expired = run(cards, ["expire-ocurre", "--today", "2019-07-02", *db])
    assert expired.exit_code == 0 and ": 1" in expired.output
    status = run(cards, ["figures", "--by", "status", *db])
    assert "Enviada\t1" in status.output and "Solicitada\t1" in status.output
    assert run(cards, ["campaign", "create", "c1", "Aviso", "--requested-until", "2018-12-31",
                       "--channel", "call", *db]).exit_code == 0
    calls = tmp_path / "calls.csv"
    sent = run(cards, ["campaign", "run", "c1", "--calls", str(calls), *db])
    assert sent.exit_code == 0 and "+13125550000" in calls.read_text(encoding="utf-8")

    contacts = tmp_path / "contacts.csv"
    contacts.write_text("occurred_at,channel,origin,topic,card_request\n"
                        "2020-01-05T10:00:00-06:00,phone,us,card,C1\n", encoding="utf-8")
    assert run(service, ["import-contacts", str(contacts), "--agent", "ana", *db]).exit_code == 0
    figures = run(service, ["figures", "--from", "2020-01-01", "--to", "2020-01-31", *db])
    assert "Telefónica: 1" in figures.output and "Estados Unidos de América: 1" in figures.output
