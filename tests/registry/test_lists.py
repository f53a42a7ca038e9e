"""Closing the list per entity and modality, its figures, the addendum for reinstatements
after the close, and the CSV exports for each audience."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.registry import lists, service
from vmre.registry.models import Closure, Request

from .conftest import ELECTION, csrf_of, submit_direct


def _accept_all(env, folios):
    with transaction(env.app.state.sessions) as s:
        for folio in folios:
            service.accept(s, service.request_by_folio(s, folio), "revisor")


def _records_in(env, entity_id, n):
    return [r for r in env.good_records() if r.entity_id == entity_id][:n]


def test_close_figures_addendum_and_exports(env, smtp_server):
    jal = _records_in(env, "JAL", 3)
    other = [r for r in env.good_records() if r.entity_id not in ("JAL",)][:2]
    f_jal = [submit_direct(env, jal[0]),
             submit_direct(env, jal[1], modality="postal", street="=HYPERLINK(\"x\")"),
             submit_direct(env, jal[2])]
    f_other = [submit_direct(env, r, country="ES", postal_code="28001", region="Madrid",
                             city="Madrid") for r in other]
    _accept_all(env, f_jal[:2] + f_other)
    with transaction(env.app.state.sessions) as s:
        service.reject(s, service.request_by_folio(s, f_jal[2]), "revisor", "signature")

    env.login("admin")
    page = env.client.get(f"/admin/registry/lists?election={ELECTION}")
    r = env.client.post("/admin/registry/lists/close",
                        data={"election": ELECTION, "csrf": csrf_of(page.text)})
    assert r.status_code == 200
    with transaction(env.app.state.sessions) as s:
        closed = {(c.entity_id, c.modality): c.included for c in lists.closures(s, ELECTION)}
        assert closed[("JAL", "internet")] == 1 and closed[("JAL", "postal")] == 1
        assert sum(closed.values()) == 4 and len(closed) == 31 * 2
        figures = lists.figures(s, ELECTION)
        assert figures["country"] == {"ES": 2, "US": 2}
        assert figures["modality"] == {"internet": 3, "postal": 1}
        assert figures["status"] == {"included": 4, "rejected": 1}
        assert events(s, "registry.list_closed")
    # Everyone on the list heard about it.
    assert sum("Incluida en la lista nominal" in m.get_payload(decode=True).decode()
               for m in smtp_server.messages) == 4

    # Closing again changes nothing.
    again = env.client.post("/admin/registry/lists/close",
                            data={"election": ELECTION, "csrf": csrf_of(page.text)})
    assert again.status_code == 200
    # Reinstated after the close: into the addendum, kept apart and logged.
    env.client.post("/admin/logout", data={"csrf": csrf_of(page.text)})
    env.login("super")
    detail = env.client.get(f"/admin/registry/requests/{f_jal[2]}")
    env.client.post(f"/admin/registry/requests/{f_jal[2]}/decision",
                    data={"decision": "reverse", "note": "Firma verificada",
                          "csrf": csrf_of(detail.text)})
    with transaction(env.app.state.sessions) as s:
        req = s.scalar(select(Request).where(Request.folio == f_jal[2]))
        assert (req.status, req.addendum) == ("included", True)
        closure = s.get(Closure, req.closure_id)
        assert (closure.entity_id, closure.included, closure.addendum) == ("JAL", 1, 1)
        assert "addendum=1" in events(s, "registry.reinstated")[0].detail

    env.client.post("/admin/logout", data={"csrf": csrf_of(detail.text)})
    env.login("admin")
    full = env.client.get(f"/admin/registry/lists/export?election={ELECTION}&audience=full")
    rows = list(csv.DictReader(io.StringIO(full.text)))
    assert len(rows) == 5 and {"email", "phone", "street"} <= set(rows[0])
    assert sum(r["addendum"] == "True" for r in rows) == 1
    # A formula typed as an address never runs in a spreadsheet.
    assert any(r["street"] == "'=HYPERLINK(\"x\")" for r in rows)
    opl = env.client.get(f"/admin/registry/lists/export?election={ELECTION}&audience=opl")
    opl_rows = list(csv.DictReader(io.StringIO(opl.text)))
    assert len(opl_rows) == 5
    assert not {"email", "phone", "street", "city", "postal_code", "region"} & set(opl_rows[0])
    only_addendum = env.client.get(
        f"/admin/registry/lists/export?election={ELECTION}&audience=opl&addendum=true")
    assert [r["folio"] for r in csv.DictReader(io.StringIO(only_addendum.text))] == [f_jal[2]]
    shipping = env.client.get(
        f"/admin/registry/lists/export?election={ELECTION}&audience=shipping")
    ship_rows = list(csv.DictReader(io.StringIO(shipping.text)))
    assert [r["folio"] for r in ship_rows] == [f_jal[1]] and ship_rows[0]["postal_code"]


def test_opl_sees_only_its_entity_and_no_contact_data(env):
    jal = _records_in(env, "JAL", 1)[0]
    other = next(r for r in env.good_records() if r.entity_id != "JAL")
    folios = [submit_direct(env, jal), submit_direct(env, other)]
    _accept_all(env, folios)
    with transaction(env.app.state.sessions) as s:
        lists.close(s, ELECTION, "admin")
    env.login("opl_jal")
    page = env.client.get(f"/admin/registry/lists?election={ELECTION}")
    assert page.status_code == 200 and "Cerrar la lista" not in page.text
    export = env.client.get(f"/admin/registry/lists/export?election={ELECTION}&audience=opl")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["folio"] for r in rows] == [folios[0]]
    assert env.client.get(
        f"/admin/registry/lists/export?election={ELECTION}&audience=full").status_code == 403
    assert env.client.get("/admin/registry/").status_code == 403  # no review queue
    api = env.client.get(f"/api/v1/registry/lists/{ELECTION}").json()
    assert api["figures"]["entity"] == {"JAL": 1}
    assert {c["entity_id"] for c in api["closures"]} == {"JAL"}


def test_first_review_after_close_goes_to_addendum(env, smtp_server):
    early, late = [r for r in env.good_records() if r.entity_id == "JAL"][:2]
    folio_early = submit_direct(env, early)
    with transaction(env.app.state.sessions) as s:
        service.accept(s, service.request_by_folio(s, folio_early), "revisor")
        lists.close(s, ELECTION, "admin", ["JAL"], ["internet"])
    folio_late = submit_direct(env, late)
    with transaction(env.app.state.sessions) as s:
        counts = service.run_validation(s, env.padron, ELECTION)
        assert counts == {"accepted": 0, "in_review": 0, "included": 1}
        req = service.request_by_folio(s, folio_late)
        assert (req.status, req.addendum) == ("included", True)
        closure = s.get(Closure, req.closure_id)
        assert (closure.included, closure.addendum) == (1, 1)
        assert lists.figures(s, ELECTION)["addendum"] == 1
