"""Citizen-service contacts and outreach figures: use cases, CSV imports, staff pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from staff_login import sign_in
from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.core.messages import UserError
from vmre.core.staff import Role, create_user
from vmre.service import imports
from vmre.service.models import Contact, MediaNote, SocialFigures
from vmre.service.outreach import social_tables
from vmre.service.periods import Period
from vmre.service.service import contact_figures, find_contacts, log_contact
from vmre.web.app import create_app

UTC = dt.UTC


def _factory(url: str):
    engine = make_engine(url)
    migrate(engine)
    return session_factory(engine)


def test_contacts_lookup_and_figures(db_url):
    factory = _factory(db_url)
    with transaction(factory) as s:
        log_contact(s, agent="ana", channel="phone", origin="us", topic="card",
                    card_request="M20180000042", notes="reenvío",
                    occurred_at=dt.datetime(2020, 1, 31, 23, 59, tzinfo=UTC))
        # Midnight UTC of 1 February is still 31 January (18:00) in Mexico City: January.
        log_contact(s, agent="ana", channel="email", origin="mexico", topic="registration",
                    registration_folio="F-7", occurred_at=dt.datetime(2020, 2, 1, tzinfo=UTC))
        # 06:00 UTC of 1 March is 00:00 of 1 March in Mexico City: outside the quarter.
        log_contact(s, agent="ana", channel="twitter", origin="other", topic="consulates",
                    occurred_at=dt.datetime(2020, 3, 1, 6, 0, tzinfo=UTC))
        # 23:30 in Mexico City on 29 February is 1 March in UTC: a February contact.
        log_contact(s, agent="ana", channel="phone", origin="mexico", topic="card",
                    occurred_at=dt.datetime(2020, 2, 29, 23, 30,
                                            tzinfo=dt.timezone(dt.timedelta(hours=-6))))
        with pytest.raises(UserError) as err:
            log_contact(s, agent="ana", channel="fax", origin="us", topic="card")
        assert (err.value.key, err.value.params) == ("service.error.channel", {"value": "fax"})
    with factory() as s:
        assert [c.notes for c in find_contacts(s, " M20180000042 ")] == ["reenvío"]
        assert len(find_contacts(s, "F-7")) == 1 and find_contacts(s, "") == []
        jan = contact_figures(s, Period(dt.date(2020, 1, 1), dt.date(2020, 1, 31)))
        q = contact_figures(s, Period(dt.date(2019, 12, 1), dt.date(2020, 2, 29)))
    assert jan.total == 2 and jan.by_channel["phone"] == 1 and jan.by_channel["email"] == 1
    assert q.total == 3 and q.by_origin == {"us": 1, "other": 0, "mexico": 2}
    assert list(q.by_month.values()) == [0, 2, 1]
    with factory() as s:
        march = contact_figures(s, Period(dt.date(2020, 3, 1), dt.date(2020, 3, 31)))
    assert march.total == 1 and march.by_channel["twitter"] == 1


CONTACTS_CSV = """occurred_at,channel,origin,topic,card_request,notes
2020-01-10T10:00:00-06:00,phone,us,card,M1,primera
2020-01-11T10:00:00-06:00,fax,us,card,M2,
2020-01-12T10:00:00,phone,narnia,card,M3,
2020-01-13T10:00:00-06:00,voicemail,other,consulates,,
"""


def test_contact_import_is_all_or_nothing(db_url):
    factory = _factory(db_url)
    with transaction(factory) as s:
        report = imports.import_contacts(s, CONTACTS_CSV, "ana")
    assert not report.ok and report.accepted == 0
    lines = [line for line, _ in report.refused]
    assert lines == [3, 4]  # the first problem of each refused row
    assert "fax" in report.refused[0][1]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 0
    good = "\n".join(line for n, line in enumerate(CONTACTS_CSV.splitlines()) if n not in (2, 3))
    with transaction(factory) as s:
        report = imports.import_contacts(s, good, "ana")
    assert report.ok and report.accepted == 2
    with pytest.raises(UserError) as err:
        imports.import_contacts(None, "channel,origin\nphone,us\n", "ana")
    assert err.value.key == "service.import.columns"


SOCIAL_CSV = """account,platform,month,period_start,period_end,publications,impressions,interactions
civic,twitter,2019-12,,,12,"5,047",83
civic,facebook,2019-12,,,6,1215,10
linkage,facebook,,2019-12-01,2020-02-29,45,,1168
"""


def test_social_and_media_imports(db_url):
    factory = _factory(db_url)
    with transaction(factory) as s:
        bad = imports.import_social(s, SOCIAL_CSV + "civic,tiktok,2020-13,,,1,-2,3\n", "en")
        assert [n for n, _ in bad.refused] == [5] and "2020-13" in bad.refused[0][1]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(SocialFigures)) == 0
    with transaction(factory) as s:
        assert imports.import_social(s, SOCIAL_CSV).accepted == 3
        # Re-importing a month replaces it rather than doubling it.
        assert imports.import_social(s, SOCIAL_CSV).accepted == 3
    with factory() as s:
        tables = social_tables(s, "civic", Period(dt.date(2019, 12, 1), dt.date(2020, 2, 29)))
    assert len(tables) == 1 and tables[0].total("impressions") == 6262
    media = ("published_on,outlet,medium,summary,link\n"
             "2020-02-13,Canal 50,television,Conferencia,\n2020-02-31,X,press,,\n")
    with transaction(factory) as s:
        report = imports.import_media(s, media)
    assert [n for n, _ in report.refused] == [3]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(MediaNote)) == 0


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _login(app, username: str, roles: list[Role]) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, username, "contraseña-de-prueba", roles)
    client = TestClient(app)
    sign_in(client, username, "contraseña-de-prueba")
    return client


def test_service_pages_and_roles(sqlite_url):
    app = create_app(sqlite_url, secret_key="test")
    agent = _login(app, "ana", [Role.AGENT])
    page = agent.get("/admin/service/contacts")
    assert page.status_code == 200
    saved = agent.post("/admin/service/contacts", data={
        "channel": "phone", "origin": "us", "topic": "card", "card_request": "M77",
        "notes": "confirmó recepción", "resolution": "resolved", "csrf": _csrf(page.text)})
    assert saved.status_code == 200 and "confirmó recepción" in saved.text
    assert agent.post("/admin/service/contacts", data={
        "channel": "fax", "origin": "us", "topic": "card", "csrf": _csrf(page.text)}
    ).status_code == 422
    found = agent.get("/admin/service/contacts?ref=M77").text
    assert "confirmó recepción" in found and 'href="/admin/cards/requests?ref=M77"' in found
    upload = agent.post("/admin/service/contacts/import", data={"csrf": _csrf(page.text)},
                        files={"file": ("a.csv", CONTACTS_CSV, "text/csv")})
    assert upload.status_code == 422 and "Línea 3" in upload.text

    # Outreach staff: figures yes, contacts (personal references and notes) no.
    staff = _login(app, "olga", [Role.OUTREACH])
    assert staff.get("/admin/service/contacts").status_code == 403
    today = dt.date.today().isoformat()
    figures = staff.get(f"/admin/service/figures?start={today}&end={today}")
    assert figures.status_code == 200 and "M77" not in figures.text
    page = staff.get("/admin/service/outreach")
    assert page.status_code == 200
    posted = staff.post("/admin/service/outreach/social", data={
        "account": "civic", "platform": "twitter", "month": "2020-01", "publications": "10",
        "impressions": "4876", "csrf": _csrf(page.text)})
    assert posted.status_code == 200 and "4876" in posted.text
    # the month's first and last days, the one way people read days
    assert "<td>1 de enero de 2020</td><td>31 de enero de 2020</td>" in posted.text
    refused = staff.post("/admin/service/outreach/media/import", data={"csrf": _csrf(page.text)},
                         files={"file": ("m.csv", "published_on,outlet,medium\nayer,X,tv\n",
                                         "text/csv")})
    assert refused.status_code == 422 and "Línea 2" in refused.text
    assert agent.get("/admin/service/outreach").status_code == 403
