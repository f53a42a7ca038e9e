"""Reminder campaigns one channel each, as the report's "sendas campañas" (docs/cards.md,
"Reminder campaigns"): an automated-call campaign through the telephony port (its file
adapter here) and an e-mail campaign through real SMTP, each with its own audience by a
cut-off given as a parameter, the outcomes the providers report, and its own figures — all
through `vmre cards campaign`."""

from __future__ import annotations

import csv
import datetime as dt

from typer.testing import CliRunner

from vmre.cards.cli import app as cards
from vmre.core.messages import text

REQUESTS = ("request_id,consulate,country,appointment_date,entity,mechanism,email,phone\n"
            "R1,Chicago,US,2017-03-01,JAL,home,r1@correo.example,+13125550001\n"
            "R2,Dallas,US,2018-11-30,JAL,home,,+12145550002\n"
            "R3,Madrid,ES,2018-06-01,ZAC,home,r3@correo.example,\n"
            "R4,Houston,US,2019-01-02,GTO,home,r4@correo.example,+17135550004\n"
            "R5,Denver,US,2016-05-05,MICH,po_box,,\n")


def test_a_call_campaign_and_an_email_campaign_each_with_audience_outcomes_and_figures(
        tmp_path, sqlite_url, smtp_server):
    def run(*args: str):
        return CliRunner().invoke(cards, [*args, "--db", sqlite_url])

    (tmp_path / "r.csv").write_text(REQUESTS, encoding="utf-8")
    assert run("import-requests", str(tmp_path / "r.csv")).exit_code == 0
    bad = run("campaign", "create", "x", "Aviso", "--requested-until", "2018-12-31",
              "--channel", "sms")
    assert bad.exception.key == "cards.error.campaign_channel"
    for code, channel in (("aviso-3-llamada", "call"), ("aviso-3-correo", "email")):
        assert run("campaign", "create", code, "Tercer aviso", "--requested-until",
                   "2018-12-31", "--channel", channel).exit_code == 0
    assert run("campaign", "create", "aviso-2017", "Aviso", "--requested-until", "2017-12-31",
               "--channel", "call").exit_code == 0
    calls = tmp_path / "llamadas.csv"
    by_phone = run("campaign", "run", "aviso-3-llamada", "--calls", str(calls))
    assert by_phone.exit_code == 0
    assert text("cards.cli.campaign_run", "es", emails=0, calls=2, unreachable=2) \
        in by_phone.output  # R1 and R2 by phone; R3 (mail only) and R5 (nothing) unreachable
    assert smtp_server.messages == []
    with calls.open(encoding="utf-8") as fh:
        assert [(r["phone"], r["request_id"]) for r in csv.DictReader(fh)] == [
            ("+13125550001", "R1"), ("+12145550002", "R2")]
    by_mail = run("campaign", "run", "aviso-3-correo", "--calls", str(calls))
    assert text("cards.cli.campaign_run", "es", emails=2, calls=0, unreachable=2) \
        in by_mail.output
    assert sorted(m["To"] for m in smtp_server.messages) == ["r1@correo.example",
                                                             "r3@correo.example"]
    # the cut-off is the campaign's parameter: 2017 reaches R1 only (R5 has no phone)
    early = run("campaign", "run", "aviso-2017", "--calls", str(calls))
    assert text("cards.cli.campaign_run", "es", emails=0, calls=1, unreachable=1) \
        in early.output

    # outcomes the providers report: all or none, each valid for its channel
    report = tmp_path / "resultados.csv"
    report.write_text("request_id,outcome\nR1,answered\nR2,opened\n", encoding="utf-8")
    refused = run("campaign", "outcomes", "aviso-3-llamada", str(report))
    assert refused.exit_code == 1 and "Línea 3" in refused.output
    report.write_text("request_id,outcome\nR1,answered\nR2,voicemail\n", encoding="utf-8")
    assert run("campaign", "outcomes", "aviso-3-llamada", str(report)).exit_code == 0
    report.write_text("request_id,outcome\nR1,opened\nR3,bounced\n", encoding="utf-8")
    assert run("campaign", "outcomes", "aviso-3-correo", str(report)).exit_code == 0

    today = dt.date.today()
    figures = run("campaign", "figures", "--from", (today - dt.timedelta(days=1)).isoformat(),
                  "--to", (today + dt.timedelta(days=1)).isoformat()).output.splitlines()
    assert figures == [
        "aviso-2017\tcanal call\taudiencia 2\tavisos 1\tsin medio de contacto 1\tqueued=1",
        "aviso-3-llamada\tcanal call\taudiencia 4\tavisos 2\tsin medio de contacto 2\t"
        "answered=1, voicemail=1",
        "aviso-3-correo\tcanal email\taudiencia 4\tavisos 2\tsin medio de contacto 2\t"
        "bounced=1, opened=1"]
