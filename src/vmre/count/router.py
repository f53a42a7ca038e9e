"""HTTP handlers of the count, by audience: public results, the local electoral body's and
staff's read-only entity pages, acta capture, and the courier's event endpoint."""

from __future__ import annotations

import hmac
import os

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from vmre.core.entities import BY_ID
from vmre.core.messages import UserError, text
from vmre.core.staff import Role, StaffUser
from vmre.count import postal, service, tables
from vmre.count.acta_pdf import late_acta_pdf
from vmre.count.schemas import CourierEvents, chart
from vmre.web.deps import DB, require_roles
from vmre.web.security import check_csrf, language
from vmre.web.templating import render

public = APIRouter(prefix="/resultados")
admin = APIRouter(prefix="/admin/count")
api = APIRouter(prefix="/api/v1/count")


def _manifest(session: Session, election_id: str):
    manifest = service.manifest_of(session, election_id)
    if manifest is None:
        raise HTTPException(404)
    return manifest


def _count(session: Session, election_id: str, entity: str, pdf: bool = False):
    manifest = _manifest(session, election_id)
    row = service.current_count(session, manifest, election_id, entity, pdf=pdf)
    if row is None:
        raise HTTPException(404)
    return manifest, row


def _table(session: Session, table_id: int, contest_id: str):
    """The table and its manifest; 404 unless the contest is one of the table's entity."""
    try:
        tbl = tables.table(session, table_id)
        manifest = _manifest(session, tbl.election_id)
        service.contest_of_table(manifest, tbl, contest_id)
    except UserError:
        raise HTTPException(404) from None
    return tbl, manifest


def _results_context(manifest, row) -> dict:
    figures = service.figures_of(row)
    contests = []
    for contest in manifest.contests_for(row.entity):
        data = figures["contests"][contest.id]
        names = {c["id"]: c["name"] for c in contest.candidates}
        colors = {c["id"]: service.candidate_color(manifest, contest, c["id"])
                  for c in contest.candidates}
        contests.append({
            "id": contest.id, "data": data,
            "candidates": [(names[k], v) for k, v in data["candidates"].items()],
            "parties": [(manifest.parties[p].get("name", p), data["parties"][p])
                        for p in manifest.parties if p in data["parties"]],
            "chart": chart([(names[k], v, colors[k]) for k, v in data["candidates"].items()]),
        })
    return {"figures": figures, "contests": contests, "row": row, "manifest": manifest}


@public.get("")
def results_index(request: Request, session: Session = DB):
    """Every published result: each election's internet tally (however it was combined) and
    each entity's latest count, each linking to its page."""
    return render(request, "count_results_index.html", counts=service.published(session),
                  internet=service.published_internet(session), entities=BY_ID)


@public.get("/{election_id}/{entity}")
def results_page(request: Request, election_id: str, entity: str,
                 session: Session = DB):
    manifest, row = _count(session, election_id, entity)
    return render(request, "count_results.html", **_results_context(manifest, row))


@public.get("/{election_id}/{entity}/acta.pdf")
def acta_pdf(election_id: str, entity: str, session: Session = DB):
    _, row = _count(session, election_id, entity, pdf=True)
    name = f"acta-computo-{row.entity}-v{row.version}.pdf"
    return Response(row.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"',
                             "X-Acta-SHA256": row.pdf_sha256})


@admin.get("/")
def admin_index(request: Request, session: Session = DB,
                user: StaffUser = Depends(require_roles(Role.OPL, Role.SUPERVISOR,
                                                        Role.REVIEWER))):
    """The staff's way in to the count: each election the voting server holds and, per entity
    of its manifest the user may read, the link to that entity's tables and actas."""
    from sqlalchemy import select

    from vmre.voting.models import Election

    elections = []
    for election_id in session.scalars(select(Election.id).order_by(Election.id)):
        manifest = _manifest(session, election_id)
        entities = [e for e in manifest.entities if service.may_read_entity(user, e)]
        if entities:
            elections.append({"id": election_id, "name": manifest.name, "entities": entities})
    return render(request, "count_admin_index.html", elections=elections)


@admin.get("/{election_id}/{entity}")
def entity_page(request: Request, election_id: str, entity: str,
                session: Session = DB,
                user: StaffUser = Depends(require_roles(Role.OPL, Role.SUPERVISOR,
                                                        Role.REVIEWER))):
    """Read-only for the local electoral body (its entity only) and staff."""
    if not service.may_read_entity(user, entity):
        raise HTTPException(403, text("core.staff.forbidden", language(request)))
    manifest = _manifest(session, election_id)
    row = service.current_count(session, manifest, election_id, entity)
    context = _results_context(manifest, row) if row else {"figures": None, "contests": []}
    return render(request, "count_entity.html", entity=entity, election_id=election_id,
                  returns=postal.return_summary(session, election_id, entity),
                  late=len(postal.late_envelopes(session, election_id, entity)),
                  tables=service.table_rows(session, manifest, election_id, entity),
                  can_capture=user.has(Role.REVIEWER, Role.SUPERVISOR), **context)


@admin.get("/{election_id}/{entity}/extemporaneos.pdf")
def late_pdf(request: Request, election_id: str, entity: str, session: Session = DB,
             user: StaffUser = Depends(require_roles(Role.OPL, Role.SUPERVISOR,
                                                     Role.REVIEWER))):
    """The list of the entity's late envelopes and the acta of their destruction."""
    if not service.may_read_entity(user, entity):
        raise HTTPException(403, text("core.staff.forbidden", language(request)))
    manifest = _manifest(session, election_id)
    try:
        deadline = postal.deadline_of(session, election_id)
    except UserError:
        raise HTTPException(404) from None
    pdf = late_acta_pdf(manifest.name, deadline,
                        postal.late_envelopes(session, election_id, entity), entity)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="sobres-extemporaneos-{entity}.pdf"'})


@admin.get("/tables/{table_id}/{contest_id}")
def capture_page(request: Request, table_id: int, contest_id: str,
                 session: Session = DB,
                 user: StaffUser = Depends(require_roles(Role.REVIEWER, Role.SUPERVISOR))):
    tbl, manifest = _table(session, table_id, contest_id)
    return render(request, "count_capture.html", **service.capture_context(
        session, manifest, tbl, contest_id), user=user, error=None)


@admin.post("/tables/{table_id}/{contest_id}")
async def capture_submit(request: Request, table_id: int, contest_id: str,
                         session: Session = DB,
                         user: StaffUser = Depends(require_roles(Role.REVIEWER,
                                                                 Role.SUPERVISOR))):
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    tbl, manifest = _table(session, table_id, contest_id)
    action = str(form.get("action", "capture"))
    try:
        if action == "recapture":
            service.recapture(session, table_id, contest_id, user.username,
                              str(form.get("reason", "")))
        else:
            figures = service.figures_from_form(manifest.contest(contest_id), form)
            if action == "resolve":
                service.resolve(session, manifest, table_id, contest_id, user, figures,
                                str(form.get("reason", "")))
            else:
                service.capture(session, manifest, table_id, contest_id, user.username,
                                figures)
    except UserError as err:
        return render(request, "count_capture.html", 422, **service.capture_context(
            session, manifest, tbl, contest_id), user=user, error=err.message(
            language(request)))
    return RedirectResponse(f"/admin/count/tables/{table_id}/{contest_id}", status_code=303)


@api.post("/courier-events")
def courier_events(request: Request, body: CourierEvents, session: Session = DB):
    """The courier posts shipment events; authenticated by the shared token it was given."""
    expected = os.environ.get("VMRE_COURIER_TOKEN", "")
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise HTTPException(401, text("count.courier.bad_token", language(request)))
    try:
        return postal.import_events(session, [e.model_dump() for e in body.events], "api")
    except UserError as err:
        raise HTTPException(422, err.message(language(request))) from None



ROUTERS = (public, admin, api)
