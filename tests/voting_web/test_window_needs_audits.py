"""The staff page opens a real election's window only after its two published audits
(docs/ceremony.md); the refusal is a page that says why."""

from __future__ import annotations

import datetime as dt

import pytest
from sivei_setup import ELECTION, csrf, publish_two_audits, voting_site
from test_sivei_admin import staff_client

from vmre.core.messages import text
from vmre.voting.board import Board


@pytest.fixture
def site(sqlite_url, tmp_path):
    return voting_site(sqlite_url, tmp_path, 1, open_now=False)


def test_the_staff_page_refuses_a_window_without_published_audits(site):
    app, _ctx, _voters = site
    client = staff_client(app)
    page = client.get(f"/admin/sivei/{ELECTION}")
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    form = {"opens": f"{day}T08:00", "closes": f"{day}T18:00", "csrf": csrf(page.text)}
    refused = client.post(f"/admin/sivei/{ELECTION}/ventana", data=form)
    assert refused.status_code == 400
    assert text("voting.audits.missing", "es", election=ELECTION, firms=0, needed=2) \
        .split(":")[0] in refused.text
    assert "décimo tercero transitorio" in refused.text
    assert Board(app.state.sessions).election(ELECTION).state != "scheduled"
    publish_two_audits(app.state.sessions)
    assert client.post(f"/admin/sivei/{ELECTION}/ventana", data=form).status_code == 200
    assert Board(app.state.sessions).election(ELECTION).state == "scheduled"
