"""Changing a request needs the one-time link mailed to its confirmed address: folio and
date of birth (no secret) only ask for that mail, and the status page shows no address."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.registry.models import Request

from .conftest import csrf_of, submit_direct

STREET = "1200 W Cermak Rd"  # conftest.form_for's street


def _row(env, folio):
    with transaction(env.app.state.sessions) as s:
        return s.scalar(select(Request).where(Request.folio == folio))


def _ask_correction(env, folio, items=("address",), deadline=""):
    env.login("revisor")
    csrf = csrf_of(env.client.get("/admin/registry/").text)
    r = env.client.post(f"/admin/registry/requests/{folio}/decision",
                        data={"decision": "correct", "items": list(items), "deadline": deadline,
                              "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    env.client.post("/admin/logout", data={"csrf": csrf})


def _change_links(smtp_server) -> list[str]:
    bodies = [m.get_payload(decode=True).decode() for m in smtp_server.messages]
    return [m for b in bodies for m in re.findall(r"\S+/registro/corregir/[A-Za-z0-9_-]+\S*", b)]


def _stranger_post(env, folio, birth_date, **fields):
    return env.client.post("/registro/corregir", data={
        "folio": folio, "birth_date": birth_date, "csrf": env.csrf(), **fields})


def test_stranger_with_folio_and_birth_date_cannot_change_the_address(env, smtp_server,
                                                                      monkeypatch):
    monkeypatch.setenv("VMRE_PUBLIC_URL", "https://registro.example.org")
    record = env.good_records()[0]
    folio = submit_direct(env, record)
    _ask_correction(env, folio)
    birth = record.birth_date.isoformat()

    # The status page tells the status, never the street (nor any other personal field).
    page = env.client.post("/registro/estado", data={"folio": folio, "birth_date": birth,
                                                     "csrf": env.csrf()})
    assert page.status_code == 200
    assert text("registry.status.to_correct", "es") in page.text
    assert STREET not in html.unescape(page.text) and "Chicago" not in page.text
    assert 'name="street"' not in page.text and record.given_names not in page.text

    # A stranger posting fields with folio + date of birth changes nothing: it only mails a
    # link to the request's own confirmed address, built from VMRE_PUBLIC_URL, not the Host.
    before = len(smtp_server.messages)
    r = env.client.post("/registro/corregir", headers={"Host": "evil.example"}, data={
        "folio": folio, "birth_date": birth, "csrf": env.csrf(),
        "street": "666 Attacker Ave", "city": "Elsewhere", "country": "US",
        "region": "Nevada", "postal_code": "89101"})
    assert r.status_code == 200
    assert html.unescape(r.text).count(text("registry.change.link_sent", "es")) == 1
    row = _row(env, folio)
    assert (row.status, row.street, row.city) == ("to_correct", STREET, "Chicago")
    assert len(smtp_server.messages) == before + 1
    mail = smtp_server.messages[-1]
    assert mail["To"] == row.email
    assert mail["Subject"] == text("registry.mail.change.subject", "es", folio=folio)
    links = _change_links(smtp_server)
    assert len(links) == 1 and links[0].startswith("https://registro.example.org/registro/corregir/")
    assert "evil.example" not in mail.get_payload(decode=True).decode()
    token = re.search(r"/corregir/([A-Za-z0-9_-]+)", links[0]).group(1)
    # Only the token's hash is stored.
    assert row.change_token_hash and token not in row.change_token_hash

    # A guessed link is refused with the catalogue's message.
    wrong = env.client.get("/registro/corregir/" + "A" * len(token))
    assert wrong.status_code == 404
    assert text("registry.change.invalid", "es") in html.unescape(wrong.text)

    # The owner follows the mailed link and changes the address.
    form = env.client.get(f"/registro/corregir/{token}")
    assert form.status_code == 200 and STREET in html.unescape(form.text)
    done = env.client.post(f"/registro/corregir/{token}", data={
        "csrf": csrf_of(form.text), "street": "742 Evergreen Terrace", "city": "Springfield",
        "region": "Oregón", "postal_code": "97403", "country": "US", "given_names": "Otro"})
    assert done.status_code == 200
    assert text("registry.status.corrected", "es") in html.unescape(done.text)
    row = _row(env, folio)
    assert (row.status, row.street, row.region) == ("in_review", "742 Evergreen Terrace",
                                                    "Oregón")
    assert row.given_names == record.given_names  # not asked, not changed
    assert row.change_token_hash == "" and row.change_token_expires_at is None

    # Single use: the same link changes nothing more.
    again = env.client.post(f"/registro/corregir/{token}", data={
        "csrf": env.csrf(), "street": "1 Otra", "city": "X", "region": "Y",
        "postal_code": "10001", "country": "US"})
    assert again.status_code == 404
    assert text("registry.change.invalid", "es") in html.unescape(again.text)
    assert _row(env, folio).street == "742 Evergreen Terrace"
    with transaction(env.app.state.sessions) as s:
        assert [e.subject for e in events(s, "registry.change_link_sent")] == [folio]


def test_a_new_link_voids_the_old_one_and_links_are_limited_per_request(env, smtp_server):
    record = env.good_records()[1]
    folio = submit_direct(env, record)
    _ask_correction(env, folio)
    birth = record.birth_date.isoformat()
    for _ in range(3):
        assert _stranger_post(env, folio, birth).status_code == 200
    first, *_, last = [re.search(r"/corregir/([A-Za-z0-9_-]+)", u).group(1)
                       for u in _change_links(smtp_server)]
    assert env.client.get(f"/registro/corregir/{first}").status_code == 404
    assert env.client.get(f"/registro/corregir/{last}").status_code == 200
    # A fourth within the hour: no mail, 429 with the catalogue's message.
    sent = len(smtp_server.messages)
    r = _stranger_post(env, folio, birth)
    assert r.status_code == 429
    assert text("registry.change.rate_limited", "es") in html.unescape(r.text)
    assert len(smtp_server.messages) == sent


def test_no_link_for_an_unconfirmed_address_nor_without_a_correction_asked(env, smtp_server):
    records = env.good_records()
    unconfirmed = submit_direct(env, records[2], confirmed=False)
    _ask_correction(env, unconfirmed)
    r = _stranger_post(env, unconfirmed, records[2].birth_date.isoformat())
    assert r.status_code == 422
    assert text("registry.change.unconfirmed", "es") in html.unescape(r.text)
    plain = submit_direct(env, records[3])
    r = _stranger_post(env, plain, records[3].birth_date.isoformat(), street="Nueva 1")
    assert r.status_code == 422
    assert text("registry.correct.not_asked", "es") in html.unescape(r.text)
    assert _change_links(smtp_server) == []


def test_link_after_the_deadline_is_refused(env, smtp_server):
    record = env.good_records()[4]
    folio = submit_direct(env, record)
    _ask_correction(env, folio, deadline="2020-01-01")
    assert _stranger_post(env, folio, record.birth_date.isoformat()).status_code == 200
    token = re.search(r"/corregir/([A-Za-z0-9_-]+)", _change_links(smtp_server)[0]).group(1)
    form = env.client.get(f"/registro/corregir/{token}")
    late = env.client.post(f"/registro/corregir/{token}", data={
        "csrf": csrf_of(form.text), "street": "Nueva 1", "city": "X", "region": "Y",
        "postal_code": "10001", "country": "US"})
    assert late.status_code == 422
    assert text("registry.correct.late", "es") in html.unescape(late.text)
    assert _row(env, folio).status == "to_correct" and _row(env, folio).street == STREET
