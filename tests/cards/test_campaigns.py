"""Reminder campaigns: rule-based targets, real SMTP, the call list, never twice."""

from __future__ import annotations

import csv
import datetime as dt

from sqlalchemy import select

from vmre.cards.campaigns import (
    campaign_by_code,
    campaign_figures,
    create_campaign,
    record_outcome,
    run_campaign,
)
from vmre.cards.models import Notice
from vmre.cards.service import NewRequest, activate, create_batch, create_request, ship
from vmre.cards.telephony import CallListFile
from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.core.email import Mailer
from vmre.service.periods import Period


def _request(s, rid, year, email=None, phone=None):
    return create_request(s, NewRequest(rid, "Chicago", "US", dt.date(year, 6, 1), "JAL",
                                        "home", email=email, phone=phone))


def test_campaign_reaches_each_person_once(db_url, smtp_server, tmp_path):
    engine = make_engine(db_url)
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as s:
        _request(s, "A", 2017, email="a@correo.example", phone="+13125550001")
        _request(s, "B", 2018, phone="+13125550002")
        _request(s, "C", 2018, email="c@correo.example")  # activated below: excluded
        _request(s, "D", 2019, email="d@correo.example")  # too recent: excluded
        _request(s, "E", 2016)  # no way to reach
        create_batch(s, "L1", dt.date(2018, 7, 1), ["C"])
        ship(s, "C", "TC", dt.date(2018, 7, 2))
        activate(s, "C", "phone", "ana")
        create_campaign(s, "aviso-3", "Tercer aviso", dt.date(2018, 12, 31), "email")
        create_campaign(s, "aviso-3-tel", "Tercer aviso", dt.date(2018, 12, 31), "call")
    calls = tmp_path / "llamadas.csv"
    with transaction(factory) as s:
        result = run_campaign(s, campaign_by_code(s, "aviso-3"), Mailer(), CallListFile(calls))
        by_phone = run_campaign(s, campaign_by_code(s, "aviso-3-tel"), Mailer(),
                                CallListFile(calls))
    assert (result.emails, result.calls, result.unreachable) == (1, 0, 2)  # B and E: no mail
    assert (by_phone.emails, by_phone.calls, by_phone.unreachable) == (0, 2, 1)  # E: none
    assert [m["To"] for m in smtp_server.messages] == ["a@correo.example"]
    assert "(solicitud A)" in smtp_server.messages[0].get_payload(decode=True).decode()
    with calls.open(encoding="utf-8") as fh:
        assert [r["phone"] for r in csv.DictReader(fh)] == ["+13125550001", "+13125550002"]

    # Running again reaches nobody twice; a newly matching request is reached.
    with transaction(factory) as s:
        _request(s, "F", 2018, email="f@correo.example")
    with transaction(factory) as s:
        again = run_campaign(s, campaign_by_code(s, "aviso-3"), Mailer(), CallListFile(calls))
        record_outcome(s, campaign_by_code(s, "aviso-3-tel"), "B", "answered")
    assert (again.emails, again.calls) == (1, 0)
    assert [m["To"] for m in smtp_server.messages] == ["a@correo.example", "f@correo.example"]
    today = dt.date.today()
    with factory() as s:
        calls_figures, figures = campaign_figures(s, Period(today - dt.timedelta(days=1), today))
        outcomes = sorted(s.scalars(select(Notice.outcome)))
        none = campaign_figures(s, Period(dt.date(2020, 1, 1), dt.date(2020, 1, 31)))
    assert figures.by_channel == {"email": 2, "call": 0} and figures.total == 2
    assert calls_figures.by_channel == {"email": 0, "call": 2} and calls_figures.total == 2
    assert calls_figures.outcomes == {"answered": 1, "queued": 1}
    assert outcomes == ["answered", "queued", "sent", "sent"] and none == []
