"""Other parts add figures to a report section through registered providers."""

from __future__ import annotations

import datetime as dt

from vmre.core.database import make_engine, migrate, session_factory
from vmre.reports import providers
from vmre.reports.document import render_document
from vmre.reports.quarterly import gather, month_label
from vmre.service.periods import Period


def test_registered_provider_reaches_section_2_4(sqlite_url, monkeypatch):
    monkeypatch.setattr(providers, "_PROVIDERS", {})
    monkeypatch.setattr(providers, "_discovered", True)  # only the providers registered here
    seen = []

    def registry_figures(session, period):
        seen.append(period)
        return [("reports.q.contacts", 42)]

    providers.register("electronic_voting", registry_figures)
    providers.register("coordination", lambda session, period: [("reports.q.notices", 7)])
    engine = make_engine(sqlite_url)
    migrate(engine)
    period = Period(dt.date(2020, 1, 1), dt.date(2020, 1, 31))
    with session_factory(engine)() as session:
        data = gather(session, period)
    assert data.provided["electronic_voting"] == [("reports.q.contacts", 42)]
    assert data.provided["coordination"] == [("reports.q.notices", 7)] and seen == [period]
    html = render_document("quarterly.html", d=data, month_label=month_label, period_label="")
    assert "<td>Atenciones</td><td class=\"n\">42</td>" in html
    assert "<td>AVISOS</td><td class=\"n\">7</td>" in html
