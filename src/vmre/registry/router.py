"""HTTP handlers of the registry, by audience: citizens (/registro), reviewers
(/admin/registry) and the JSON API (/api/v1/registry). Thin: parse, call the service,
render. Every handler runs its own unit of work, and mail goes out after it commits."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import io
import logging
import os
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, StreamingResponse
from sqlalchemy import or_, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from vmre.core import audit, countries
from vmre.core.database import transaction
from vmre.core.entities import ENTITIES
from vmre.core.messages import UserError, text
from vmre.core.ratelimit import RateLimiter
from vmre.core.staff import Role, StaffUser
from vmre.registry import (
    documents,
    internet_lnere,
    issuance,
    issuer_key,
    lists,
    notify,
    postal_lnere,
    service,
)
from vmre.registry import history as review_history
from vmre.registry import validity_pages as lnere_pages
from vmre.registry.models import CORRECTION_ITEMS, REASONS, Status
from vmre.registry.models import Request as RegRequest
from vmre.registry.padron import Padron
from vmre.registry.padron import configured as configured_padron
from vmre.registry.rules import FieldErrors, parse_date
from vmre.registry.schemas import (
    ConfirmIn,
    DecisionIn,
    ListOut,
    QueueItem,
    QueueOut,
    RequestIn,
    StatusIn,
    StatusOut,
    Submitted,
)
from vmre.web.deps import require_roles
from vmre.web.security import check_csrf, client_ip, language
from vmre.web.templating import render

log = logging.getLogger(__name__)

citizen = APIRouter(prefix="/registro", include_in_schema=False)
admin = APIRouter(prefix="/admin/registry", include_in_schema=False)
api = APIRouter(prefix="/api/v1/registry", tags=["registry"])

REVIEW = require_roles(Role.REVIEWER, Role.SUPERVISOR)
SUPERVISE = require_roles(Role.SUPERVISOR)
ADMINISTER = require_roles(Role.ADMINISTRATOR)
SEE_LISTS = require_roles(Role.SUPERVISOR, Role.OPL)
STATUS_LIMIT = (10, 600.0)  # checks per client address per ten minutes
CHANGE_LINK_LIMIT = (3, 3600.0)  # change links mailed per request per hour
# New requests: every attempt per client address (VMRE_REGISTRY_SUBMIT_LIMIT), and requests
# taken per e-mail address (VMRE_REGISTRY_SUBMIT_EMAIL_LIMIT): each one mails that address.
SUBMIT_LIMIT = (20, 600.0)
SUBMIT_EMAIL_LIMIT = (3, 3600.0)


# ---------------------------------------------------------------- shared plumbing


def _sessions(request: Request):
    return request.app.state.sessions


def _padron(request: Request) -> Padron:
    """The register the app validates against: the one set on the app, else the one
    VMRE_PADRON names (the synthetic one by default), opened once."""
    padron = getattr(request.app.state, "registry_padron", None)
    if padron is None:
        padron = configured_padron()
        request.app.state.registry_padron = padron
    return padron


def _limiter(request: Request) -> RateLimiter:
    # One limiter per app, so that two apps in one process do not share counts.
    limiter = getattr(request.app.state, "registry_status_limiter", None)
    if limiter is None:
        limiter = RateLimiter(*STATUS_LIMIT)
        request.app.state.registry_status_limiter = limiter
    return limiter


def _folio_limiter(request: Request) -> RateLimiter:
    limiter = getattr(request.app.state, "registry_change_limiter", None)
    if limiter is None:
        limiter = RateLimiter(*CHANGE_LINK_LIMIT)
        request.app.state.registry_change_limiter = limiter
    return limiter


class _Limits:
    """The per-app submission limiters (None: that limit is off)."""

    def __init__(self) -> None:
        self.address = RateLimiter.from_setting(
            os.environ.get("VMRE_REGISTRY_SUBMIT_LIMIT"), SUBMIT_LIMIT)
        self.email = RateLimiter.from_setting(
            os.environ.get("VMRE_REGISTRY_SUBMIT_EMAIL_LIMIT"), SUBMIT_EMAIL_LIMIT)


def _submit_limits(request: Request) -> _Limits:
    limits = getattr(request.app.state, "registry_submit_limits", None)
    if limits is None:
        limits = _Limits()
        request.app.state.registry_submit_limits = limits
    return limits


def _email_key(raw: dict) -> str:
    return str(raw.get("email") or "").strip().lower()


def _submit_refused(request: Request, raw: dict) -> bool:
    """Before anything is parsed or stored: too many attempts from this client address, or
    too many requests already taken for this e-mail address (logged without either)."""
    limits = _submit_limits(request)
    which = ""
    if limits.address is not None and not limits.address.allow(client_ip(request)):
        which = "address"
    elif (limits.email is not None and _email_key(raw)
          and not limits.email.would_allow(_email_key(raw))):
        which = "email"
    if not which:
        return False
    with transaction(_sessions(request)) as session:
        audit.record(session, "citizen", "registry.submit_rate_limited", "", f"by={which}")
    return True


def _submit_taken(request: Request, email: str) -> None:
    limits = _submit_limits(request)
    if limits.email is not None:
        limits.email.allow(email.strip().lower())


def _after_commit(request: Request) -> None:
    try:
        # One batch per request: a mass first review is mailed by the `notices` job
        # (vmre.registry.jobs) and by the requests that follow, never inside one response.
        notify.flush_outbox(_sessions(request), max_batches=1, wait=False)
    except Exception as err:  # mail must never undo a committed decision
        log.warning("registry: notices left in outbox (%s)", type(err).__name__)


def _send(request: Request, item: notify.Confirmation) -> bool:
    # After the commit: the request is stored whatever the mail server does, and a mail it
    # never takes stays pending for the confirmations job.
    return notify.send_confirmation(_sessions(request), item)


async def _read_form(request: Request) -> tuple[dict[str, str], dict[str, bytes]]:
    form = await request.form()
    values: dict[str, str] = {}
    files: dict[str, bytes] = {}
    limit = documents.max_bytes()
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read(limit + 1)  # one byte more is enough to know it is too big
            if data:
                files[key] = data
        else:
            values[key] = value
    return values, files


def _tz(request: Request, req: RegRequest | None) -> str:
    if req is None:
        return ""
    with transaction(_sessions(request)) as session:
        return service.get_process(session, req.election_id).timezone


def _form_context(lang: str) -> dict:
    return dict(_form_choices(lang))  # a copy: callers may add to it


@functools.lru_cache(maxsize=4)  # per language, built once per process
def _form_choices(lang: str) -> dict:
    return {"entities": ENTITIES, "countries": countries.choices(lang), "reasons": REASONS,
            "items": CORRECTION_ITEMS}


# ---------------------------------------------------------------- citizen pages


@citizen.get("/")
def citizen_home(request: Request):
    with transaction(_sessions(request)) as session:
        processes = service.open_processes(session)
    return render(request, "registry_home.html", processes=processes)


@citizen.get("/solicitud")
def request_form(request: Request, election: str = ""):
    with transaction(_sessions(request)) as session:
        processes = service.open_processes(session)
    chosen = election or (processes[0].id if processes else "")
    return render(request, "registry_request.html", processes=processes, errors={},
                  values={"election_id": chosen, "modality": "internet"}, problem=None,
                  **_form_context(language(request)))


@citizen.post("/solicitud")
async def request_submit(request: Request):
    values, files = await _read_form(request)
    check_csrf(request, values.get("csrf"))
    lang = language(request)
    return await run_in_threadpool(_submit_page, request, values, files, lang)


def _submit_page(request: Request, values: dict, files: dict, lang: str):
    if _submit_refused(request, values):
        with transaction(_sessions(request)) as session:
            processes = service.open_processes(session)
        return render(request, "registry_request.html", 429, processes=processes, errors={},
                      values=values, problem=text("registry.request.rate_limited", lang),
                      **_form_context(lang))
    try:
        with transaction(_sessions(request)) as session:
            req, token = service.submit(session, values.get("election_id", ""), values, files,
                                        lang=lang)
            mail = notify.confirmation(req, token)
            folio, email = req.folio, req.email
    except (FieldErrors, UserError) as err:
        with transaction(_sessions(request)) as session:
            processes = service.open_processes(session)
        errors = err.messages(lang) if isinstance(err, FieldErrors) else {}
        problem = err.message(lang) if isinstance(err, UserError) else None
        return render(request, "registry_request.html", 422, processes=processes,
                      errors=errors, values=values, problem=problem,
                      **_form_context(lang))
    _submit_taken(request, email)
    sent = _send(request, mail)
    return render(request, "registry_submitted.html", folio=folio, email=email, sent=sent)


@citizen.get("/confirmar/{token}")
def confirm(request: Request, token: str):
    lang = language(request)
    try:
        with transaction(_sessions(request)) as session:
            folio = service.confirm_email(session, token).folio
    except UserError as err:
        return render(request, "registry_message.html", 404, message=err.message(lang))
    return render(request, "registry_message.html",
                  message=text("registry.confirm.done", lang, folio=folio))


@citizen.get("/estado")
def status_form(request: Request):
    return render(request, "registry_status.html", req=None, problem=None, folio="",
                  birth_date="", notice=None, errors={}, tz="",
                  **_form_context(language(request)))


def _citizen_lookup(request: Request, session, values: dict):
    """The request for folio + date of birth, after the rate limit; (request, problem)."""
    lang = language(request)
    if not _limiter(request).allow(client_ip(request)):
        audit.record(session, "citizen", "registry.status_rate_limited")
        return None, text("registry.status.rate_limited", lang), 429
    req = service.find_for_citizen(session, values.get("folio", ""),
                                   parse_date(values.get("birth_date", "").strip()))
    if req is None:
        return None, text("registry.status.not_found", lang), 404
    return req, None, 200


@citizen.post("/estado")
def status_page(request: Request, folio: str = Form(""), birth_date: str = Form(""),
                csrf: str = Form("")):
    check_csrf(request, csrf)
    values = {"folio": folio, "birth_date": birth_date}
    with transaction(_sessions(request)) as session:
        req, problem, code = _citizen_lookup(request, session, values)
    return render(request, "registry_status.html", code, req=req, problem=problem,
                  folio=folio, birth_date=birth_date, notice=None, errors={},
                  tz=_tz(request, req), **_form_context(language(request)))


@citizen.post("/reenviar")
def resend_confirmation(request: Request, folio: str = Form(""), birth_date: str = Form(""),
                        csrf: str = Form("")):
    check_csrf(request, csrf)
    lang = language(request)
    mail = None
    with transaction(_sessions(request)) as session:
        req, problem, code = _citizen_lookup(request, session, {"folio": folio,
                                                                "birth_date": birth_date})
        if req is not None and req.email_confirmed_at is None:
            mail = notify.confirmation(req, service.new_confirmation_token(session, req))
    if mail is not None:
        _send(request, mail)
    message = problem or text("registry.confirm.resent", lang)
    return render(request, "registry_message.html", code, message=message)


@citizen.post("/corregir")
def change_link(request: Request, folio: str = Form(""), birth_date: str = Form(""),
                csrf: str = Form("")):
    """Folio and date of birth only ask for a link to the request's confirmed e-mail: they
    are no secret, so they change nothing by themselves (fields sent along are ignored)."""
    check_csrf(request, csrf)
    lang = language(request)
    mail = None
    with transaction(_sessions(request)) as session:
        req, problem, code = _citizen_lookup(request, session, {"folio": folio,
                                                                "birth_date": birth_date})
        limiter = _folio_limiter(request)
        if req is not None:
            if not limiter.would_allow(req.folio):  # no mail bombing of the owner
                audit.record(session, "citizen", "registry.change_rate_limited", req.folio)
                problem, code = text("registry.change.rate_limited", lang), 429
            else:
                try:
                    mail = notify.change_mail(req, service.new_change_token(session, req))
                    limiter.allow(req.folio)  # only links actually made count
                except UserError as err:
                    problem, code = err.message(lang), 422
    if mail is not None and not notify.send_now(mail):
        problem, code = text("registry.change.mail_failed", lang), 503
    message = problem or text("registry.change.link_sent", lang)
    return render(request, "registry_message.html", code, message=message)


def _change_page(request: Request, token: str, code: int = 200, **context):
    lang = language(request)
    with transaction(_sessions(request)) as session:
        try:
            req = service.find_by_change_token(session, token)
        except UserError as err:
            return render(request, "registry_message.html", 404, message=err.message(lang))
        tz = service.get_process(session, req.election_id).timezone
        session.expunge(req)
    context.setdefault("errors", {})
    context.setdefault("problem", None)
    return render(request, "registry_change.html", code, req=req, token=token, tz=tz,
                  **context, **_form_context(lang))


@citizen.get("/corregir/{token}")
def change_form(request: Request, token: str):
    # Showing the form does not use the link up (a mail scanner may open it first).
    return _change_page(request, token)


@citizen.post("/corregir/{token}")
async def change_submit(request: Request, token: str):
    values, files = await _read_form(request)
    check_csrf(request, values.get("csrf"))
    return await run_in_threadpool(_change_submit, request, token, values, files)


def _change_submit(request: Request, token: str, values: dict, files: dict):
    lang = language(request)
    try:
        with transaction(_sessions(request)) as session:
            req = service.find_by_change_token(session, token)
            service.correct(session, req, values, files)
            service.use_change_token(req)
    except FieldErrors as err:
        return _change_page(request, token, 422, errors=err.messages(lang))
    except UserError as err:
        if err.key == "registry.change.invalid":
            return render(request, "registry_message.html", 404, message=err.message(lang))
        return _change_page(request, token, 422, problem=err.message(lang))
    _after_commit(request)
    return render(request, "registry_message.html",
                  message=text("registry.status.corrected", lang))


# ---------------------------------------------------------------- reviewer pages


@admin.get("/")
def review_queue(request: Request, election: str = "", status: str = "", entity: str = "",
                 country: str = "", modality: str = "", reason: str = "", page: int = 0,
                 user: StaffUser = Depends(REVIEW)):
    with transaction(_sessions(request)) as session:
        rows, total = service.queue(session, election or None, status=status or None,
                                    entity_id=entity or None, country=country or None,
                                    modality=modality or None, reason=reason or None,
                                    limit=100, offset=max(page, 0) * 100)
        processes = service.all_processes(session)  # review goes on after requests close
    filters = {"election": election, "status": status, "entity": entity, "country": country,
               "modality": modality, "reason": reason}
    return render(request, "registry_queue.html", user=user, rows=rows, total=total,
                  filters=filters, statuses=[s.value for s in Status], processes=processes,
                  can_validate=user.has(Role.SUPERVISOR),  # the button only where it works
                  notice=request.query_params.get("notice"), **_form_context(language(request)))


# The fields a reviewer can name in a correction request, by item (the change form's groups).
_CORRECTABLE_FIELDS = [(item, names) for item, names in service.CORRECTABLE.items()]


def _documents(req: RegRequest) -> list[dict]:
    """The request's documents as the review page shows them: inline (images) or embedded
    through a link (PDF), each with its type and extension read from the stored bytes."""
    out = []
    for name in service.DOCUMENT_FIELDS:
        sha = getattr(req, f"{name}_sha")
        if not sha:
            continue
        kind = documents.kind_of(sha) or "application/octet-stream"
        out.append({"name": name, "sha": sha, "kind": kind,
                    "ext": documents.EXTENSIONS.get(kind, ""),
                    "image": kind.startswith("image/")})
    return out


@admin.get("/requests/{folio}")
def review_detail(request: Request, folio: str, user: StaffUser = Depends(REVIEW)):
    lang = language(request)
    with transaction(_sessions(request)) as session:
        try:
            req = service.request_by_folio(session, folio)
        except UserError as err:
            raise HTTPException(404, err.message(lang)) from None
        history = review_history.of_request(session, req.folio, lang)
    return render(request, "registry_detail.html", user=user, req=req, history=history,
                  notice=request.query_params.get("notice"), problem=None,
                  docs=_documents(req), fields=_CORRECTABLE_FIELDS, **_form_context(lang))


def _decide(session, req: RegRequest, user: StaffUser, decision: str, reason: str | None,
            items: list[str], deadline, note: str, fields: list[str] | None = None) -> None:
    if decision == "accept":
        service.accept(session, req, user.username)
    elif decision == "reject":
        service.reject(session, req, user.username, reason or "")
    elif decision == "correct":
        service.ask_correction(session, req, user.username, items, deadline,
                               fields=fields, note=note)
    elif decision == "reverse":
        if not user.has(Role.SUPERVISOR):
            audit.record(session, user.username, "forbidden", f"reverse {req.folio}")
            raise UserError("core.staff.forbidden")
        service.reverse(session, req, user.username, note, reason)
    else:
        raise UserError("registry.review.not_allowed", status=req.status)


def _deadline(value: str):
    day = parse_date(value.strip()) if value else None
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59) if day else None


@admin.post("/requests/{folio}/decision")
async def review_decide(request: Request, folio: str, user: StaffUser = Depends(REVIEW)):
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    return await run_in_threadpool(_decide_page, request, folio, user, form)


def _decide_page(request: Request, folio: str, user: StaffUser, form):
    lang = language(request)
    decision = str(form.get("decision", ""))
    if decision == "reverse" and not user.has(Role.SUPERVISOR):
        # Same refusal, same log line as any role-guarded page.
        SUPERVISE(request, user, None)  # raises 403 and records it
    try:
        with transaction(_sessions(request)) as session:
            req = service.request_by_folio(session, folio)
            _decide(session, req, user, decision, str(form.get("reason", "")) or None,
                    [str(i) for i in form.getlist("items")],
                    _deadline(str(form.get("deadline", ""))), str(form.get("note", "")),
                    [str(f) for f in form.getlist("fields")])
    except UserError as err:
        with transaction(_sessions(request)) as session:
            req = service.request_by_folio(session, folio)
            history = review_history.of_request(session, req.folio, lang)
        return render(request, "registry_detail.html", 422, user=user, req=req, history=history,
                      notice=None, problem=err.message(lang), docs=_documents(req),
                      fields=_CORRECTABLE_FIELDS, **_form_context(lang))
    _after_commit(request)
    return RedirectResponse(f"/admin/registry/requests/{folio}?notice=done", status_code=303)


@admin.post("/bulk")
async def review_bulk(request: Request, user: StaffUser = Depends(REVIEW)):
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    return await run_in_threadpool(_bulk_page, request, user, form)


def _bulk_page(request: Request, user: StaffUser, form):
    lang = language(request)
    folios = [str(f) for f in form.getlist("folio")][:1000]
    decision = str(form.get("decision", ""))
    if decision not in ("accept", "reject", "correct"):
        raise HTTPException(422, text("registry.review.not_allowed", lang, status=decision))
    try:
        with transaction(_sessions(request)) as session:
            for folio in folios:  # all or nothing: one bad folio leaves every request as it was
                req = service.request_by_folio(session, folio)
                _decide(session, req, user, decision, str(form.get("reason", "")) or None,
                        [str(i) for i in form.getlist("items")],
                        _deadline(str(form.get("deadline", ""))), "")
    except UserError as err:
        raise HTTPException(422, err.message(lang)) from None
    _after_commit(request)
    return RedirectResponse(f"/admin/registry/?notice={len(folios)}", status_code=303)


@admin.post("/validate")
def review_validate(request: Request, election: str = Form(""), csrf: str = Form(""),
                    user: StaffUser = Depends(SUPERVISE)):
    check_csrf(request, csrf)
    try:
        padron = _padron(request)
    except UserError as err:  # VMRE_PADRON names a register that cannot be opened
        raise HTTPException(503, err.message(language(request))) from None
    with transaction(_sessions(request)) as session:
        counts = service.run_validation(session, padron, election)
    _after_commit(request)
    return RedirectResponse(
        f"/admin/registry/?notice=v{counts['accepted']}-{counts['in_review']}", status_code=303)


@admin.get("/documents/{sha}")
def review_document(request: Request, sha: str, inline: bool = False,
                    user: StaffUser = Depends(REVIEW)):
    """A stored document, to reviewers only (each view logged): `inline` shows it in the
    page or the browser's viewer, else it downloads; named by type and extension."""
    with transaction(_sessions(request)) as session:
        owner = session.scalar(select(RegRequest.folio).where(or_(
            RegRequest.card_front_sha == sha, RegRequest.card_back_sha == sha,
            RegRequest.proof_sha == sha)).limit(1))
        if owner is None:
            raise HTTPException(404, text("web.not_found", language(request)))
        audit.record(session, user.username, "registry.document_viewed", owner)
    path = documents.path_of(sha)
    if path is None:
        raise HTTPException(404, text("web.not_found", language(request)))
    kind = documents.sniff(path.read_bytes()[:8]) or "application/octet-stream"
    filename = f"{owner}-{sha[:12]}{documents.EXTENSIONS.get(kind, '')}"
    disposition = "inline" if inline and kind in documents.EXTENSIONS else "attachment"
    return FileResponse(path, media_type=kind, headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Cache-Control": "private, no-store"})


@admin.get("/lists")
def list_page(request: Request, election: str = "", user: StaffUser = Depends(SEE_LISTS)):
    lang = language(request)
    only = user.entity if not user.has(Role.SUPERVISOR) else None
    with transaction(_sessions(request)) as session:
        processes = service.all_processes(session)
        election = election or (processes[0].id if processes else "")
        try:
            service.get_process(session, election)
        except UserError as err:
            raise HTTPException(404, err.message(lang)) from None
        closed = [c for c in lists.closures(session, election) if not only or c.entity_id == only]
        figures = lists.figures(session, election, only)
    return render(request, "registry_lists.html", user=user, election=election, closed=closed,
                  figures=figures, can_close=user.has(Role.ADMINISTRATOR),
                  can_validate=user.has(Role.SUPERVISOR),
                  notice=request.query_params.get("notice"))


@admin.post("/lists/close")
def list_close(request: Request, election: str = Form(""), entity: str = Form(""),
               modality: str = Form(""), csrf: str = Form(""),
               user: StaffUser = Depends(ADMINISTER)):
    check_csrf(request, csrf)
    with transaction(_sessions(request)) as session:
        done = lists.close(session, election, user.username, [entity] if entity else None,
                           [modality] if modality else None)
    _after_commit(request)
    return RedirectResponse(f"/admin/registry/lists?election={election}&notice={len(done)}",
                            status_code=303)


@admin.get("/lists/export")
def list_export(request: Request, election: str, audience: str = "opl", addendum: bool = False,
                user: StaffUser = Depends(SEE_LISTS)):
    entity = None
    if not user.has(Role.ADMINISTRATOR):
        if audience != "opl":  # contact data is for the registry's administrators only
            require_roles(Role.ADMINISTRATOR)(request, user, None)
        entity = user.entity if not user.has(Role.SUPERVISOR) else None
    lnere = audience in ("postal-lnere", "internet-lnere")  # the count's, docs/count.md §2
    try:
        with transaction(_sessions(request)) as session:
            buffer = io.StringIO()
            if audience == "postal-lnere":
                postal_lnere.write(session, election, buffer, entity, addendum)
            elif audience == "internet-lnere":
                internet_lnere.write(session, election, buffer, entity, addendum)
            else:
                lists.export_csv(session, election, buffer, audience, entity, addendum)
            audit.record(session, user.username, "registry.list_exported", election,
                         f"audience={audience} entity={entity or 'all'} "
                         f"addendum={int(addendum)}")
    except UserError as err:  # unknown audience, list not closed: the reason, not a 500
        raise HTTPException(400, err.message(language(request))) from None
    name = (f"lnere-{election}-{audience}{'-' + entity if entity else ''}"
            f"{'-adenda' if addendum else ''}{'.jsonl' if lnere else '.csv'}")
    media = "application/jsonl; charset=utf-8" if lnere else "text/csv; charset=utf-8"
    return StreamingResponse(iter([buffer.getvalue()]), media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------- JSON API


def _json_error(err: UserError, lang: str, code: int = 400) -> JSONResponse:
    return JSONResponse({"error": err.message(lang)}, status_code=code)


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True) if value else b""
    except (binascii.Error, ValueError):
        return b"not-base64"  # fails the type check with the usual field message


@api.post("/requests", status_code=201, response_model=Submitted,
          responses={422: {"description": "field errors"}, 400: {"description": "refused"},
                     429: {"description": "rate limited"}})
def api_submit(body: RequestIn, request: Request):
    lang = body.lang if body.lang in ("es", "en") else "es"
    raw = body.model_dump()
    raw["consent"] = "yes" if body.consent else ""
    files = {name: _b64(raw.pop(f"{name}_b64")) for name in service.DOCUMENT_FIELDS}
    if _submit_refused(request, raw):
        return JSONResponse({"error": text("registry.request.rate_limited", lang)},
                            status_code=429)
    try:
        with transaction(_sessions(request)) as session:
            req, token = service.submit(session, body.election_id, raw, files, lang=lang)
            mail = notify.confirmation(req, token)
            out = Submitted(folio=req.folio, status=req.status,
                            message=text("registry.request.folio_sent", lang, folio=req.folio,
                                         email=req.email))
    except FieldErrors as err:
        return JSONResponse({"errors": err.messages(lang)}, status_code=422)
    except UserError as err:
        return _json_error(err, lang, 409 if err.key == "registry.request.duplicate" else 400)
    _submit_taken(request, mail.mail.to)
    _send(request, mail)
    return out


@api.post("/requests/confirm")
def api_confirm(body: ConfirmIn, request: Request):
    lang = language(request)
    try:
        with transaction(_sessions(request)) as session:
            folio = service.confirm_email(session, body.token).folio
    except UserError as err:
        return _json_error(err, lang, 404)
    return {"folio": folio, "message": text("registry.confirm.done", lang, folio=folio)}


def _status_out(req: RegRequest, lang: str) -> StatusOut:
    return StatusOut(
        folio=req.folio, status=req.status, status_text=text(f"registry.status.{req.status}", lang),
        email_confirmed=req.email_confirmed_at is not None, reason=req.reason or None,
        reason_text=text(f"registry.reason.{req.reason}", lang) if req.reason else None,
        correction_items=[i for i in req.correction_items.split(",") if i],
        correction_deadline=req.correction_deadline if req.status == Status.TO_CORRECT else None)


@api.post("/status", response_model=StatusOut,
          responses={404: {"description": "no such pair"}, 429: {"description": "rate limited"}})
def api_status(body: StatusIn, request: Request):
    lang = language(request)
    with transaction(_sessions(request)) as session:
        req, problem, code = _citizen_lookup(request, session, body.model_dump())
        if req is None:
            return JSONResponse({"error": problem}, status_code=code)
        return _status_out(req, lang)


def _api_csrf(request: Request) -> None:
    check_csrf(request, request.headers.get("x-csrf-token"))


@api.get("/csrf")
def api_csrf_token(request: Request, user: StaffUser = Depends(REVIEW)):
    """The token staff clients send back in X-CSRF-Token on every change."""
    from vmre.web.security import csrf_token

    return {"csrf": csrf_token(request)}


@api.get("/requests", response_model=QueueOut)
def api_queue(request: Request, election: str | None = None, status: str | None = None,
              entity: str | None = None, country: str | None = None,
              modality: str | None = None, reason: str | None = None, limit: int = 100,
              offset: int = 0, user: StaffUser = Depends(REVIEW)):
    with transaction(_sessions(request)) as session:
        rows, total = service.queue(session, election, status=status, entity_id=entity,
                                    country=country, modality=modality, reason=reason,
                                    limit=min(max(limit, 1), 1000), offset=max(offset, 0))
        items = [QueueItem(folio=r.folio, status=r.status, entity_id=r.entity_id,
                           country=r.country, modality=r.modality, finding=r.finding,
                           reason=r.reason) for r in rows]
    return QueueOut(total=total, items=items)


@api.post("/requests/{folio}/decision", response_model=StatusOut)
def api_decide(folio: str, body: DecisionIn, request: Request,
               user: StaffUser = Depends(REVIEW)):
    _api_csrf(request)
    lang = language(request)
    if body.decision == "reverse" and not user.has(Role.SUPERVISOR):
        SUPERVISE(request, user, None)
    try:
        with transaction(_sessions(request)) as session:
            req = service.request_by_folio(session, folio)
            deadline = body.deadline
            if deadline is not None and deadline.tzinfo is not None:
                # An instant with its offset: the wall-clock time it is in the process's zone.
                deadline = service.local_now(service.get_process(session, req.election_id),
                                             deadline)
            _decide(session, req, user, body.decision, body.reason, body.items, deadline,
                    body.note, body.fields)
            out = _status_out(req, lang)
    except UserError as err:
        return _json_error(err, lang, 422)
    _after_commit(request)
    return out


def _list_out(session, election: str, only: str | None) -> ListOut:
    closed = [c for c in lists.closures(session, election) if not only or c.entity_id == only]
    return ListOut(election_id=election, figures=lists.figures(session, election, only),
                   closures=[{"entity_id": c.entity_id, "modality": c.modality,
                              "included": c.included, "addendum": c.addendum,
                              "closed_at": c.closed_at} for c in closed])


@api.get("/lists/{election}", response_model=ListOut)
def api_list(election: str, request: Request, user: StaffUser = Depends(SEE_LISTS)):
    only = user.entity if not user.has(Role.SUPERVISOR) else None
    with transaction(_sessions(request)) as session:
        try:
            service.get_process(session, election)
        except UserError as err:
            return _json_error(err, language(request), 404)
        return _list_out(session, election, only)


@api.post("/lists/{election}/close", response_model=ListOut)
def api_close(election: str, request: Request, entity: str | None = None,
              modality: str | None = None, user: StaffUser = Depends(ADMINISTER)):
    _api_csrf(request)
    try:
        with transaction(_sessions(request)) as session:
            lists.close(session, election, user.username, [entity] if entity else None,
                        [modality] if modality else None)
            out = _list_out(session, election, None)
    except UserError as err:
        return _json_error(err, language(request), 422)
    _after_commit(request)
    return out


def _known_process(session, election: str, lang: str) -> None:
    """404 for an election id the registry does not hold (before any other check)."""
    try:
        service.get_process(session, election)
    except UserError as err:
        raise HTTPException(404, err.message(lang)) from None


def _issuer_secret(request: Request) -> int:
    """The issuer scalar, when this server holds the issuer key (VMRE_REGISTRY_ISSUER_KEY and
    VMRE_REGISTRY_ISSUER_PASSPHRASE); 409 otherwise (the request is sound, this server's set-up
    cannot serve it: not a server error)."""
    path = os.environ.get("VMRE_REGISTRY_ISSUER_KEY")
    if not path:
        raise HTTPException(409, text("registry.issuer.not_configured", language(request)))
    return issuer_key.load(Path(path), os.environ.get("VMRE_REGISTRY_ISSUER_PASSPHRASE", ""))


@api.post("/credentials/{election}/issue")
def api_issue(election: str, request: Request, user: StaffUser = Depends(ADMINISTER)):
    """Issue and mail the pending credentials, handing the re-signed list and the accounts to
    the voting server (vmre.voting.handover)."""
    _api_csrf(request)
    with transaction(_sessions(request)) as session:
        _known_process(session, election, language(request))
    try:
        count = issuance.issue_credentials(_sessions(request), election, user.username,
                                           _issuer_secret(request))
    except UserError as err:
        return _json_error(err, language(request), 404 if "unknown" in err.key else 409)
    return {"issued": count}


@api.get("/credentials/{election}")
def api_credential_list(election: str, request: Request, user: StaffUser = Depends(ADMINISTER)):
    """The signed public credential list, when this server holds the issuer key
    (VMRE_REGISTRY_ISSUER_KEY and VMRE_REGISTRY_ISSUER_PASSPHRASE)."""
    lang = language(request)
    with transaction(_sessions(request)) as session:
        _known_process(session, election, lang)
    try:
        secret = _issuer_secret(request)
        with transaction(_sessions(request)) as session:
            return issuance.signed_list(session, election, secret, user.username)
    except UserError as err:
        return _json_error(err, lang, 400)


def _csv_response(writer: Callable[[io.StringIO], None], name: str) -> StreamingResponse:
    buffer = io.StringIO()
    writer(buffer)
    return StreamingResponse(iter([buffer.getvalue()]), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@api.get("/lists/{election}/figures.csv")
def api_figures_csv(election: str, request: Request, user: StaffUser = Depends(SEE_LISTS)):
    only = user.entity if not user.has(Role.SUPERVISOR) else None
    with transaction(_sessions(request)) as session:
        _known_process(session, election, language(request))
        return _csv_response(lambda out: lists.figures_csv(session, election, out, only),
                             f"lnere-{election}-figures.csv")


router = APIRouter()
router.include_router(citizen)
router.include_router(lnere_pages.admin)  # /admin/registry/lnere (docs/registry.md §5.1)
router.include_router(admin)
router.include_router(api)
