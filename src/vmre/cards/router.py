"""HTTP handlers of the card part: the courier's JSON endpoint, staff pages under
/admin/cards, and the citizen's web activation page."""

from __future__ import annotations

import datetime as dt
import hmac
import os
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.cards import courier
from vmre.cards.campaigns import (
    campaign_by_code,
    campaign_figures,
    create_campaign,
    run_campaign,
)
from vmre.cards.imports import import_requests
from vmre.cards.models import Campaign, CourierEvent, Shipment
from vmre.cards.schemas import CourierEventIn, ImportResult, RefusedRow
from vmre.cards.service import (
    DIMENSIONS,
    CourierReport,
    activate,
    create_batch,
    figures,
    get_request,
    ship,
)
from vmre.cards.telephony import CallListFile
from vmre.core import audit, clock
from vmre.core.email import Mailer
from vmre.core.messages import UserError, text
from vmre.core.ratelimit import RateLimiter
from vmre.core.staff import Role, StaffUser
from vmre.service.imports import ImportReport, describe
from vmre.service.periods import Period
from vmre.web.deps import DB, require_roles
from vmre.web.security import check_csrf, client_ip, language
from vmre.web.templating import render

api = APIRouter(prefix="/api/v1/cards")
admin = APIRouter(prefix="/admin/cards")
public = APIRouter(prefix="/cards")

readers = require_roles(Role.SECRETARIAT, Role.SUPERVISOR, Role.AGENT, Role.OUTREACH, Role.OPL)
agents = require_roles(Role.AGENT, Role.SUPERVISOR)
supervisors = require_roles(Role.SUPERVISOR)
activation_limiter = RateLimiter(limit=10, window_seconds=600)


def _courier_token(request: Request) -> None:
    """The courier authenticates with the shared token in VMRE_COURIER_TOKEN."""
    expected = os.environ.get("VMRE_COURIER_TOKEN", "")
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise HTTPException(status_code=401, detail=text("cards.api.unauthorised"))


@api.post("/courier-events", response_model=ImportResult)
def courier_events(request: Request, events: list[CourierEventIn]) -> ImportResult:
    _courier_token(request)
    lang = language(request)
    rows = []
    refused = []
    for n, e in enumerate(events, start=1):
        if e.occurred_at.tzinfo is None:
            refused.append((n, text("service.import.no_timezone", lang,
                                    value=e.occurred_at.isoformat())))
            continue
        rows.append((n, CourierReport(e.tracking, e.event, e.occurred_at, e.third_party,
                                      e.detail)))
    report = courier.apply_all(request.app.state.sessions, rows,
                               ImportReport(refused=refused), lang)
    result = ImportResult(accepted=report.accepted,
                          refused=[RefusedRow(row=n, reason=r) for n, r in report.refused])
    if not report.ok:
        raise HTTPException(status_code=422, detail=result.model_dump())
    return result


@admin.get("/")
def index(request: Request, session: Session = DB, user: StaffUser = Depends(readers)):
    dimension = request.query_params.get("by", "status")
    if dimension not in DIMENSIONS:
        dimension = "status"
    return render(request, "cards_index.html", dimension=dimension, dimensions=list(DIMENSIONS),
                  counts=figures(session, dimension), can_lookup=user.has(Role.AGENT),
                  can_import=user.has(Role.SUPERVISOR), lines=[], error=None)


def _request_page(request: Request, session: Session, ref: str, status: int = 200, **context):
    found = events = None
    error = context.pop("error", None)
    if ref:
        try:
            found = get_request(session, ref)
            events = list(session.execute(
                select(Shipment, CourierEvent)
                .join(CourierEvent, CourierEvent.shipment_id == Shipment.id, isouter=True)
                .where(Shipment.request_id == found.id)
                .order_by(Shipment.id, CourierEvent.occurred_at)))
        except UserError as err:
            error = err.message(language(request))
    return render(request, "cards_request.html", status, ref=ref, found=found, events=events,
                  error=error, **context)


@admin.get("/requests")
def request_lookup(request: Request, session: Session = DB,
                   user: StaffUser = Depends(agents)):
    return _request_page(request, session, request.query_params.get("ref", ""))


@admin.post("/activate")
def activate_by_phone(request: Request, ref: str = Form(...), csrf: str = Form(""),
                      session: Session = DB, user: StaffUser = Depends(agents)):
    """The service centre activates the card while the holder is on the phone."""
    check_csrf(request, csrf)
    try:
        activate(session, ref, "phone", user.username)
    except UserError as err:
        return _request_page(request, session, ref, 422, error=err.message(language(request)))
    return _request_page(request, session, ref, activated=True)


@admin.post("/courier-events/import")
async def import_events(request: Request, file: UploadFile = File(...), csrf: str = Form(""),
                        session: Session = DB, user: StaffUser = Depends(supervisors)):
    check_csrf(request, csrf)
    lang = language(request)
    data = (await file.read()).decode("utf-8", errors="replace")
    try:
        rows, report = courier.parse_csv(data, lang)
        report = courier.apply_all(request.app.state.sessions, rows, report, lang)
    except UserError as err:
        lines, status = [err.message(lang)], 422
    else:
        lines, status = describe(report, lang), 200 if report.ok else 422
        audit.record(session, user.username, "cards.import_events", "",
                     f"accepted={report.accepted} refused={len(report.refused)}")
    return render(request, "cards_index.html", status, dimension="status",
                  dimensions=list(DIMENSIONS), counts=figures(session, "status"),
                  can_lookup=user.has(Role.AGENT), can_import=True, lines=lines, error=None)


@public.get("/activate")
def activation_page(request: Request):
    return render(request, "cards_activate.html", error=None, done=False)


@public.post("/activate")
def activation(request: Request, request_id: str = Form(""), elector_key: str = Form(""),
               csrf: str = Form(""), session: Session = DB):
    check_csrf(request, csrf)
    lang = language(request)
    if not activation_limiter.allow(client_ip(request)):
        return render(request, "cards_activate.html", 429,
                      error=text("cards.activate.rate_limited", lang), done=False)
    try:
        activate(session, request_id, "web", "citizen", elector_key=elector_key)
    except UserError as err:
        # One message whether the request is unknown or the key is wrong: no probing.
        key = err.key if err.key == "cards.error.not_activatable" else \
            "cards.error.activation_mismatch"
        return render(request, "cards_activate.html", 422,
                      error=text(key, lang, **err.params), done=False)
    return render(request, "cards_activate.html", error=None, done=True)


campaign_readers = require_roles(Role.SUPERVISOR, Role.SECRETARIAT)


def _campaigns_page(request: Request, session: Session, user: StaffUser, status: int = 200,
                    **context):
    today = clock.today()
    period = Period(today.replace(month=1, day=1), today)
    return render(request, "cards_campaigns.html", status,
                  campaigns=list(session.scalars(select(Campaign).order_by(Campaign.id.desc()))),
                  figures=campaign_figures(session, period), period=period,
                  can_run=user.has(Role.SUPERVISOR), **{"error": None, "lines": [], **context})


@admin.get("/campaigns")
def campaigns(request: Request, session: Session = DB,
              user: StaffUser = Depends(campaign_readers)):
    return _campaigns_page(request, session, user)


@admin.post("/campaigns")
def new_campaign(request: Request, code: str = Form(""), name: str = Form(""),
                 requested_until: str = Form(""), channel: str = Form(""),
                 csrf: str = Form(""),
                 session: Session = DB, user: StaffUser = Depends(supervisors)):
    check_csrf(request, csrf)
    lang = language(request)
    try:
        until = dt.date.fromisoformat(requested_until)
    except ValueError:
        return _campaigns_page(request, session, user, 422, error=text("reports.error.date", lang))
    try:
        create_campaign(session, code.strip(), name.strip(), until, channel.strip())
    except UserError as err:
        return _campaigns_page(request, session, user, 422, error=err.message(lang))
    audit.record(session, user.username, "cards.campaign_create", code)
    return _campaigns_page(request, session, user)


@admin.post("/campaigns/{code}/run")
def run(request: Request, code: str, csrf: str = Form(""), session: Session = DB,
        user: StaffUser = Depends(supervisors)):
    """E-mails through the configured SMTP server; calls to the call-list file
    (VMRE_CALL_LIST), which the dialler picks up."""
    check_csrf(request, csrf)
    lang = language(request)
    try:
        result = run_campaign(session, campaign_by_code(session, code), Mailer(),
                              CallListFile(Path(os.environ.get("VMRE_CALL_LIST",
                                                               "llamadas.csv"))), lang)
    except UserError as err:
        return _campaigns_page(request, session, user, 422, error=err.message(lang))
    except OSError:
        return _campaigns_page(request, session, user, 502,
                               error=text("cards.error.delivery_failed", lang))
    line = text("cards.cli.campaign_run", lang, emails=result.emails, calls=result.calls,
                unreachable=result.unreachable)
    return _campaigns_page(request, session, user, lines=[line])


@admin.post("/requests/import")
async def import_requests_page(request: Request, file: UploadFile = File(...),
                               csrf: str = Form(""), session: Session = DB,
                               user: StaffUser = Depends(supervisors)):
    check_csrf(request, csrf)
    lang = language(request)
    data = (await file.read()).decode("utf-8", errors="replace")
    try:
        report = import_requests(session, data, lang)
        lines, status = describe(report, lang), 200 if report.ok else 422
    except UserError as err:
        lines, status = [err.message(lang)], 422
    return render(request, "cards_index.html", status, dimension="status",
                  dimensions=list(DIMENSIONS), counts=figures(session, "status"),
                  can_lookup=user.has(Role.AGENT), can_import=True, lines=lines, error=None)


def _index_with(request: Request, session: Session, user: StaffUser, status: int,
                lines: list[str]):
    return render(request, "cards_index.html", status, dimension="status",
                  dimensions=list(DIMENSIONS), counts=figures(session, "status"),
                  can_lookup=user.has(Role.AGENT), can_import=True, lines=lines, error=None)


@admin.post("/batches")
def new_batch(request: Request, code: str = Form(""), produced_on: str = Form(""),
              request_ids: str = Form(""), csrf: str = Form(""),
              session: Session = DB, user: StaffUser = Depends(supervisors)):
    """A production batch: the listed requests (one per line) go into production."""
    check_csrf(request, csrf)
    lang = language(request)
    try:
        day = dt.date.fromisoformat(produced_on)
        ids = [line.strip() for line in request_ids.splitlines() if line.strip()]
        create_batch(session, code.strip(), day, ids)  # checks all before writing
    except ValueError:
        return _index_with(request, session, user, 422, [text("reports.error.date", lang)])
    except UserError as err:
        return _index_with(request, session, user, 422, [err.message(lang)])
    audit.record(session, user.username, "cards.batch", code.strip(), f"requests={len(ids)}")
    return _index_with(request, session, user, 200,
                       [text("cards.page.batch_done", lang, count=len(ids))])


@admin.post("/shipments")
def new_shipment(request: Request, request_id: str = Form(""), tracking: str = Form(""),
                 shipped_on: str = Form(""), csrf: str = Form(""),
                 session: Session = DB, user: StaffUser = Depends(supervisors)):
    check_csrf(request, csrf)
    lang = language(request)
    try:
        day = dt.date.fromisoformat(shipped_on)
        ship(session, request_id, tracking, day)
    except ValueError:
        return _index_with(request, session, user, 422, [text("reports.error.date", lang)])
    except UserError as err:
        return _index_with(request, session, user, 422, [err.message(lang)])
    audit.record(session, user.username, "cards.ship", request_id.strip())
    return _index_with(request, session, user, 200, [text("cards.page.shipped", lang)])
