"""Days are Mexico City's: the clock's helpers, and a contact near midnight counted in the
month a person there lived it, from the CSV upload to the figures page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core import clock
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.service.periods import Period
from vmre.web.app import create_app

MINUS6 = dt.timezone(dt.timedelta(hours=-6))


def test_mexico_day_of_instants_near_midnight():
    late = dt.datetime(2020, 2, 29, 23, 30, tzinfo=MINUS6)
    assert late.astimezone(dt.UTC) == dt.datetime(2020, 3, 1, 5, 30, tzinfo=dt.UTC)
    assert clock.mexico_day(late) == dt.date(2020, 2, 29)
    assert clock.mexico_month(late) == dt.date(2020, 2, 1)
    assert clock.mexico_day(dt.datetime(2020, 3, 1, 6, 0, tzinfo=dt.UTC)) == dt.date(2020, 3, 1)
    with pytest.raises(ValueError):
        clock.mexico_day(dt.datetime(2020, 3, 1, 6, 0))


def test_day_bounds_follow_the_zone_rules_of_the_day():
    start, end = clock.day_bounds(dt.date(2020, 2, 29))
    assert (start, end) == (dt.datetime(2020, 2, 29, 6, tzinfo=dt.UTC),
                            dt.datetime(2020, 3, 1, 6, tzinfo=dt.UTC))
    # Mexico City kept summer time until 2022: 5 April 2020 lasted 23 hours.
    start, end = clock.day_bounds(dt.date(2020, 4, 5))
    assert start == dt.datetime(2020, 4, 5, 6, tzinfo=dt.UTC)
    assert end - start == dt.timedelta(hours=23)
    first, after = Period(dt.date(2019, 12, 1), dt.date(2020, 2, 29)).instants()
    assert first == dt.datetime(2019, 12, 1, 6, tzinfo=dt.UTC)
    assert after == dt.datetime(2020, 3, 1, 6, tzinfo=dt.UTC)
    assert clock.people_text(dt.datetime(2020, 3, 1, 5, 30, tzinfo=dt.UTC)) == (
        "29 de febrero de 2020, 23:30 (hora del centro de México)")


def _total(page: str) -> int:
    return int(re.search(r"Total de atenciones: (\d+)", page).group(1))


def test_contact_at_2330_on_29_february_counts_in_february(db_url):
    app = create_app(db_url, secret_key="test")
    with transaction(app.state.sessions) as s:
        create_user(s, "agente", "contraseña-de-prueba", [Role.AGENT])
    client = TestClient(app)
    sign_in(client, "agente", "contraseña-de-prueba")
    page = client.get("/admin/service/contacts")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    csv = ("occurred_at,channel,origin,topic,card_request,notes\n"
           "2020-02-29T23:30:00-06:00,phone,us,card,,tarde\n"
           "2020-03-01T00:10:00-06:00,email,us,card,,temprano\n")
    upload = client.post("/admin/service/contacts/import", data={"csrf": token},
                         files={"file": ("atenciones.csv", csv.encode(), "text/csv")})
    assert upload.status_code == 200, upload.text
    february = client.get("/admin/service/figures?start=2020-02-01&end=2020-02-29").text
    march = client.get("/admin/service/figures?start=2020-03-01&end=2020-03-31").text
    assert _total(february) == 1 and _total(march) == 1
    listed = client.get("/admin/service/contacts").text
    # the staff table in the one format people read, on Mexico City's clock
    assert "29 de febrero de 2020, 23:30 (hora del centro de México)" in listed
    assert "1 de marzo de 2020, 00:10 (hora del centro de México)" in listed
    assert "2020-02-29" not in listed
