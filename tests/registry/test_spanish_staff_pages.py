"""What the Spanish staff pages show is Spanish: counts agree with their number ("1
solicitud"), the list's figures name statuses and modalities in words, countries come in
the order of their Spanish names (not of their codes), roles are named, and one date
format serves every staff page."""

from __future__ import annotations

import re

from vmre.core.messages import plural, text

from .conftest import ELECTION, csrf_of, submit_direct

HTML = {"Accept": "text/html"}


def test_counts_agree_with_their_number(env):
    records = env.good_records()
    submit_direct(env, records[0])
    env.login("revisor")
    one = env.client.get("/admin/registry/?lang=es")
    assert "<p>1 solicitud</p>" in one.text and "1 solicitudes" not in one.text
    submit_direct(env, records[1])
    two = env.client.get("/admin/registry/?lang=es")
    assert "<p>2 solicitudes</p>" in two.text
    assert "<p>2 requests</p>" in env.client.get("/admin/registry/?lang=en").text
    assert plural("web.names.ballots", 1, "es") == "1 boleta"
    assert plural("web.names.ballots", 0, "es") == "0 boletas"
    assert plural("web.names.ballots", 18425, "es") == "18,425 boletas"


def test_list_figures_in_words_and_countries_in_spanish_order(env):
    # Codes sort AT, CA, DE, US; Spanish names sort Alemania, Austria, Canadá, Estados Unidos.
    places = {"DE": ("Berlin", "10115"), "AT": ("Wien", "1010"), "CA": ("Toronto", "M5V 2T6"),
              "US": ("Chicago", "60601")}
    for record, (country, (city, code)) in zip(env.good_records(), places.items(),
                                               strict=False):
        submit_direct(env, record, country=country, city=city, region=city, postal_code=code)
    env.login("super")
    queue = env.client.get("/admin/registry/")
    env.client.post("/admin/registry/validate", data={"election": ELECTION,
                                                      "csrf": csrf_of(queue.text)})
    page = env.client.get(f"/admin/registry/lists?election={ELECTION}&lang=es")
    assert page.status_code == 200, page.text
    names = ["Alemania", "Austria", "Canadá", "Estados Unidos"]
    found = [n for n in re.findall(r"<tr><td>([^<]+)</td><td>\d+</td></tr>", page.text)
             if n in names]
    assert found == names
    assert f"<td>{text('registry.status.accepted', 'es')}</td>" in page.text
    assert "<td>accepted</td>" not in page.text and "<td>internet</td>" not in page.text
    assert f"<td>{text('registry.modality.internet', 'es')}</td>" in page.text


def test_roles_are_named_and_dates_take_one_form(env):
    folio = submit_direct(env, env.good_records()[0])
    env.login("revisor")
    home = env.client.get("/admin/?lang=es")
    assert f"revisor ({text('core.role.reviewer', 'es')})" in home.text
    assert "(reviewer)" not in home.text
    detail = env.client.get(f"/admin/registry/requests/{folio}")
    # every moment in people's one format (docs/web.md §2.2), none as ISO digits
    zone = re.escape(text("web.time_zone", "es"))
    moments = re.findall(rf"<td>([^<]*\({zone}\))</td>", detail.text)
    assert moments and all(re.fullmatch(rf"\d{{1,2}} de [a-z]+ de \d{{4}}, \d\d:\d\d \({zone}\)", m)
                           for m in moments), moments
    assert not re.search(r"<td>\d{4}-\d\d-\d\d", detail.text)
    # the history says what happened in words, not as logged
    assert f"<td>{text('registry.action.submitted', 'es')}</td>" in detail.text
    assert "<td>registry.submitted</td>" not in detail.text
