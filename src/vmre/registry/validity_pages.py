"""The staff side of the LNERE between its closing and the election (docs/registry.md §5.1),
under /admin/registry/lnere: per entity, the state of its lists, the observations of the
parties and the CNV (filed on their behalf, answered with an outcome), the declaration of
validity and the two files for the in-country list. Supervisors and administrators only;
every action answers in a page and is written to the audit log by `vmre.registry.validity`."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.core import clock
from vmre.core.messages import UserError, text
from vmre.core.staff import Role, StaffUser
from vmre.registry import validity
from vmre.registry.service import all_processes, get_process
from vmre.web.deps import DB, require_roles
from vmre.web.security import check_csrf, language
from vmre.web.templating import render

admin = APIRouter(prefix="/admin/registry/lnere", include_in_schema=False)
SUPERVISE = require_roles(Role.SUPERVISOR)
FILE_NAMES = {validity.REMOVAL: "baja-temporal", validity.RESTORATION: "reincorporacion"}


def _process(session: Session, request: Request, election: str):
    try:
        return get_process(session, election)
    except UserError as err:
        raise HTTPException(404, err.message(language(request))) from None


def _entity(request: Request, process, entity: str) -> str:
    entity = entity.strip().upper()
    if entity not in process.entity_ids():
        err = UserError("registry.list.unknown_entity", entity=entity[:8])
        raise HTTPException(404, err.message(language(request)))
    return entity


def _modality_names(request: Request):
    lang = language(request)
    return lambda modalities: ", ".join(text(f"registry.modality.{m}", lang)
                                        for m in modalities)


def entity_state(session: Session, election: str, entity: str) -> dict:
    """What the pages show of one entity: lists still open, observations, the declaration,
    the in-country files handed over, and which actions the rules allow now."""
    notes = validity.observations(session, election, entity)
    declared = validity.declaration(session, election, entity)
    exports = list(session.scalars(select(validity.InCountryExport).where(
        validity.InCountryExport.election_id == election,
        validity.InCountryExport.entity_id == entity).order_by(validity.InCountryExport.id)))
    open_lists = validity._open_lists(session, election, entity)
    removed = any(e.kind == validity.REMOVAL for e in exports)
    return {
        "entity": entity, "open_lists": open_lists, "observations": notes,
        "pending": [o.id for o in notes if o.answered_at is None],
        "declared": declared, "exports": exports,
        "can_observe": not open_lists and declared is None,
        "can_declare": not open_lists and declared is None,
        "can_remove": declared is not None,
        "can_restore": declared is not None and removed
        and clock.today() > declared.election_day,
    }


@admin.get("/")
def lnere_home(session: Session = DB, user: StaffUser = Depends(SUPERVISE)):
    processes = all_processes(session)
    if not processes:
        return RedirectResponse("/admin/registry/lists", status_code=303)
    return RedirectResponse(f"/admin/registry/lnere/{quote(processes[0].id)}",
                            status_code=303)


@admin.get("/{election}")
def lnere_process(request: Request, election: str, session: Session = DB,
                  user: StaffUser = Depends(SUPERVISE)):
    process = _process(session, request, election)
    entities = [entity_state(session, process.id, e) for e in process.entity_ids()]
    return render(request, "registry_lnere.html", user=user, process=process,
                  entities=entities, processes=all_processes(session),
                  modality_names=_modality_names(request))


def _entity_page(request: Request, session: Session, user: StaffUser, process, entity: str,
                 code: int = 200, error: str | None = None, form: dict | None = None):
    notice = request.query_params.get("notice")
    return render(request, "registry_lnere_entity.html", code, user=user, process=process,
                  state=entity_state(session, process.id, entity), error=error,
                  notice=notice if notice in NOTICES else None, form=form or {},
                  outcomes=validity.OUTCOMES, filers=validity.FILERS,
                  modality_names=_modality_names(request))


NOTICES = ("filed", "answered", "declared")


def _done(process, entity: str, notice: str) -> RedirectResponse:
    return RedirectResponse(
        f"/admin/registry/lnere/{quote(process.id)}/{entity}?notice={notice}", status_code=303)


def _status(err: UserError) -> int:
    """409 for a step the process's state does not allow yet (or any more), 422 for a form."""
    return 422 if err.key in ("registry.lnere.observation_empty", "registry.lnere.bad_filer",
                              "registry.lnere.bad_outcome", "registry.lnere.no_agreement",
                              "registry.lnere_page.bad_day",
                              "registry.lnere.bad_movement") else 409


@admin.get("/{election}/{entity}")
def lnere_entity(request: Request, election: str, entity: str, session: Session = DB,
                 user: StaffUser = Depends(SUPERVISE)):
    process = _process(session, request, election)
    return _entity_page(request, session, user, process, _entity(request, process, entity))


@admin.post("/{election}/{entity}/observations")
def lnere_file(request: Request, election: str, entity: str, filer_kind: str = Form(""),
               filer: str = Form(""), subject: str = Form(""), csrf: str = Form(""),
               session: Session = DB, user: StaffUser = Depends(SUPERVISE)):
    """An observation a party's representation or the CNV made, recorded on its behalf."""
    check_csrf(request, csrf)
    process = _process(session, request, election)
    entity = _entity(request, process, entity)
    try:
        validity.file_observation(session, process.id, entity, filer_kind, filer, subject,
                                  user.username)
    except UserError as err:
        return _entity_page(request, session, user, process, entity, _status(err),
                            err.message(language(request)),
                            {"filer_kind": filer_kind, "filer": filer, "subject": subject})
    return _done(process, entity, "filed")


@admin.post("/{election}/{entity}/observations/{observation}/answer")
def lnere_answer(request: Request, election: str, entity: str, observation: int,
                 outcome: str = Form(""), answer: str = Form(""), csrf: str = Form(""),
                 session: Session = DB, user: StaffUser = Depends(SUPERVISE)):
    check_csrf(request, csrf)
    process = _process(session, request, election)
    entity = _entity(request, process, entity)
    try:
        row = session.get(validity.Observation, observation)
        if row is None or row.entity_id != entity:
            raise UserError("registry.lnere.unknown_observation", id=observation)
        validity.answer_observation(session, process.id, observation, answer, outcome,
                                    user.username)
    except UserError as err:
        code = 404 if err.key == "registry.lnere.unknown_observation" else _status(err)
        return _entity_page(request, session, user, process, entity, code,
                            err.message(language(request)))
    return _done(process, entity, "answered")


@admin.post("/{election}/{entity}/declare")
def lnere_declare(request: Request, election: str, entity: str, agreement: str = Form(""),
                  election_day: str = Form(""), csrf: str = Form(""), session: Session = DB,
                  user: StaffUser = Depends(SUPERVISE)):
    check_csrf(request, csrf)
    process = _process(session, request, election)
    entity = _entity(request, process, entity)
    form = {"agreement": agreement, "election_day": election_day}
    try:
        try:
            day = dt.date.fromisoformat(election_day.strip())
        except ValueError:
            raise UserError("registry.lnere_page.bad_day") from None
        validity.declare_valid(session, process.id, entity, agreement, day, user.username)
    except UserError as err:
        return _entity_page(request, session, user, process, entity, _status(err),
                            err.message(language(request)), form)
    return _done(process, entity, "declared")


@admin.post("/{election}/{entity}/in-country")
def lnere_in_country(request: Request, election: str, entity: str, kind: str = Form(""),
                     csrf: str = Form(""), session: Session = DB,
                     user: StaffUser = Depends(SUPERVISE)):
    """The removal or restoration file, as `vmre registry lnere in-country` writes it; each
    download is a hand-over, recorded and logged."""
    check_csrf(request, csrf)
    process = _process(session, request, election)
    entity = _entity(request, process, entity)
    buffer = io.StringIO()
    try:
        validity.export_in_country(session, process.id, entity, kind, buffer, user.username)
    except UserError as err:
        return _entity_page(request, session, user, process, entity, _status(err),
                            err.message(language(request)))
    name = f"{FILE_NAMES[kind]}-{process.id}-{entity}.csv"
    return Response(buffer.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})
