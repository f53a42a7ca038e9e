"""Reviewer side: first review against the register, the queue and its filters, decisions
and bulk decisions, corrections, supervisor reversal, role checks, and a notice by e-mail
on every status change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy import select

from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.registry.models import Request

from .conftest import PNG, csrf_of, submit_direct


def _status(env, folio):
    with transaction(env.app.state.sessions) as s:
        return s.scalar(select(Request).where(Request.folio == folio))


def _admin_csrf(env):
    return csrf_of(env.client.get("/admin/registry/").text)


def _decide(env, folio, **data):
    return env.client.post(f"/admin/registry/requests/{folio}/decision",
                           data={**data, "csrf": _admin_csrf(env)}, follow_redirects=False)


def _bodies(smtp_server):
    return [m.get_payload(decode=True).decode() for m in smtp_server.messages]


def test_first_review_against_the_register(env, smtp_server):
    good = env.good_records()
    ok = submit_direct(env, good[0])
    mismatch = submit_direct(env, good[1], birth_date="1970-01-01")
    expired_record = next(r for r in env.padron if r.validity_year < 2024)
    expired = submit_direct(env, expired_record)
    unknown = submit_direct(env, dataclasses.replace(good[2], elector_key="ZZZZZZ80010101H999"))
    unconfirmed = submit_direct(env, good[3], confirmed=False)
    env.login("super")
    r = env.client.post("/admin/registry/validate", data={"election": "PEL-2024",
                                                          "csrf": _admin_csrf(env)})
    assert r.status_code == 200
    assert _status(env, ok).status == "accepted"
    assert (_status(env, mismatch).status, _status(env, mismatch).finding) == (
        "in_review", "data_mismatch")
    assert _status(env, expired).finding == "card_expired"
    assert _status(env, unknown).finding == "not_in_register"
    assert _status(env, unconfirmed).status == "received"  # waits for its e-mail
    subjects = [m["To"] for m in smtp_server.messages]
    assert len(subjects) == 4  # one notice per status change, none for the unconfirmed one
    assert any("Aceptada" in b for b in _bodies(smtp_server))


def test_queue_filters_and_decisions_are_logged_and_mailed(env, smtp_server):
    good = env.good_records()
    a = submit_direct(env, good[0])
    b = submit_direct(env, good[1], modality="postal", country="CA", postal_code="K1A 0B1",
                      lang="en")
    c = submit_direct(env, good[2])
    env.login("revisor")
    page = env.client.get("/admin/registry/?country=CA")
    assert b in page.text and a not in page.text and c not in page.text
    page = env.client.get("/admin/registry/?modality=internet&status=received")
    assert a in page.text and c in page.text and b not in page.text
    assert _decide(env, a, decision="accept").status_code == 303
    assert _decide(env, b, decision="reject", reason="proof_of_address").status_code == 303
    bad = _decide(env, c, decision="reject", reason="porque-sí")
    assert bad.status_code == 422 and "catálogo" in bad.text
    assert (_status(env, a).status, _status(env, b).status) == ("accepted", "rejected")
    assert _status(env, a).decided_by == "revisor"
    with transaction(env.app.state.sessions) as s:
        rejected = events(s, "registry.rejected")
        assert [(e.actor, e.subject, e.detail) for e in rejected] == [
            ("revisor", b, "reason=proof_of_address")]
    bodies = _bodies(smtp_server)
    # The English speaker reads the reason in plain English.
    assert any("Rejected" in x and "proof of address is not valid" in x for x in bodies)
    assert any("Aceptada" in x for x in bodies)
    # A decided request cannot be decided again by a reviewer.
    again = _decide(env, b, decision="accept")
    assert again.status_code == 422


def test_bulk_accept(env, smtp_server):
    folios = [submit_direct(env, r) for r in env.good_records()[:4]]
    env.login("revisor")
    r = env.client.post("/admin/registry/bulk", data={
        "folio": folios[:3], "decision": "accept", "csrf": _admin_csrf(env)})
    assert r.status_code == 200 and "3 solicitudes actualizadas" in r.text
    assert [_status(env, f).status for f in folios] == ["accepted"] * 3 + ["received"]
    # One unknown folio leaves the whole batch untouched.
    r = env.client.post("/admin/registry/bulk", data={
        "folio": [folios[3], "SRVE-NOEXISTE00"], "decision": "accept",
        "csrf": _admin_csrf(env)})
    assert r.status_code == 422 and _status(env, folios[3]).status == "received"


def test_correction_in_place_before_deadline(env, smtp_server):
    record = env.good_records()[0]
    folio = submit_direct(env, record)
    env.login("revisor")
    assert _decide(env, folio, decision="correct", items=["address", "card_images"]
                   ).status_code == 303
    req = _status(env, folio)
    assert req.status == "to_correct" and req.correction_deadline > dt.datetime.now()
    assert any("domicilio en el extranjero" in b and "Plazo" in b for b in _bodies(smtp_server))
    page = env.client.post("/registro/estado", data={
        "folio": folio, "birth_date": record.birth_date.isoformat(), "csrf": env.csrf()})
    assert "Corrija lo siguiente" in page.text and 'name="street"' not in page.text
    # The form is behind the link mailed to the confirmed address (tests/registry/
    # test_change_link.py walks the refusals).
    env.client.post("/registro/corregir", data={
        "folio": folio, "birth_date": record.birth_date.isoformat(), "csrf": env.csrf()})
    token = re.search(r"/registro/corregir/([A-Za-z0-9_-]+)", _bodies(smtp_server)[-1]).group(1)
    form = env.client.get(f"/registro/corregir/{token}")
    assert 'name="street"' in form.text and 'name="given_names"' not in form.text
    fixed = env.client.post(f"/registro/corregir/{token}", data={
        "csrf": csrf_of(form.text),
        "street": "742 Evergreen Terrace", "city": "Springfield", "region": "Oregón",
        "postal_code": "97403", "country": "US", "given_names": "Otro"},
        files={"card_front": ("x.png", PNG + b"1", "image/png"),
               "card_back": ("y.png", PNG + b"2", "image/png")})
    assert fixed.status_code == 200 and "vuelve a revisión" in fixed.text
    req = _status(env, folio)
    assert (req.status, req.street, req.region) == ("in_review", "742 Evergreen Terrace",
                                                    "Oregón")
    assert req.given_names == record.given_names  # not asked, not changed


def test_reviewer_cannot_do_supervisor_or_administrator_actions(env):
    folio = submit_direct(env, env.good_records()[0])
    env.login("revisor")
    _decide(env, folio, decision="reject", reason="signature")
    refused = _decide(env, folio, decision="reverse", note="quiero")
    assert refused.status_code == 403 and "quedó registrado" in refused.text
    close = env.client.post("/admin/registry/lists/close", data={
        "election": "PEL-2024", "csrf": _admin_csrf(env)})
    assert close.status_code == 403
    full = env.client.get("/admin/registry/lists/export?election=PEL-2024&audience=full")
    assert full.status_code == 403
    with transaction(env.app.state.sessions) as s:
        forbidden = [(e.actor, e.subject) for e in events(s, "forbidden")]
    assert ("revisor", "/admin/registry/lists/close") in forbidden
    assert any(actor == "revisor" and "decision" in subject for actor, subject in forbidden)
    assert _status(env, folio).status == "rejected"
    # Nobody signed in: sent to the login page.
    env.client.post("/admin/logout", data={"csrf": _admin_csrf(env)})
    assert env.client.get("/admin/registry/", follow_redirects=False).status_code == 303


def test_supervisor_reverses_with_reason(env, smtp_server):
    folio = submit_direct(env, env.good_records()[0])
    env.login("revisor")
    _decide(env, folio, decision="reject", reason="signature")
    env.client.post("/admin/logout", data={"csrf": _admin_csrf(env)})
    env.login("super")
    no_note = _decide(env, folio, decision="reverse", note="  ")
    assert no_note.status_code == 422
    ok = _decide(env, folio, decision="reverse", note="La firma sí coincide.")
    assert ok.status_code == 303 and _status(env, folio).status == "accepted"
    back = _decide(env, folio, decision="reverse", reason="duplicate", note="Ya tenía otra.")
    assert back.status_code == 303
    req = _status(env, folio)
    assert (req.status, req.reason) == ("rejected", "duplicate")
    with transaction(env.app.state.sessions) as s:
        reinstated = events(s, "registry.reinstated")
        assert reinstated[0].actor == "super" and "firma sí coincide" in reinstated[0].detail
        assert events(s, "registry.reversed")[0].detail.startswith("reason=duplicate")


def test_card_issued_abroad_must_be_activated_before_acceptance(env, smtp_server):
    """Only an activated card (CPVE) lets its holder register from abroad."""
    from vmre.cards.service import NewRequest, create_request

    waiting_record, ready_record = env.good_records(issued_abroad=True)[:2]
    with transaction(env.app.state.sessions) as s:
        cards = [create_request(s, NewRequest(f"CPVE-T-{n}", "Consulado en Los Ángeles", "US",
                                              dt.date(2023, 5, 2), record.entity_id, "home",
                                              elector_key=record.elector_key))
                 for n, record in enumerate((waiting_record, ready_record))]
        # The second holder confirmed receipt (the card part's own tests cover how).
        cards[1].activated_at = dt.datetime(2023, 7, 1, tzinfo=dt.UTC)
    waiting = submit_direct(env, waiting_record)
    ready = submit_direct(env, ready_record)
    env.login("super")
    env.client.post("/admin/registry/validate", data={"election": "PEL-2024",
                                                      "csrf": _admin_csrf(env)})
    assert (_status(env, waiting).status, _status(env, waiting).finding) == (
        "in_review", "card_not_activated")
    assert _status(env, ready).status == "accepted"
