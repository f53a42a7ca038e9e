"""Staff pages of the citizen-service centre and outreach, under /admin/service.

Contacts carry references to a person and free notes, so only service agents see them;
figures are counts and are open to the secretariat and outreach too.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.core import audit, clock
from vmre.core.messages import UserError
from vmre.core.staff import Role, StaffUser
from vmre.service import imports
from vmre.service.activities import Section, add_activity
from vmre.service.models import (
    Account,
    Activity,
    Channel,
    Medium,
    Origin,
    Platform,
    PressKind,
    Resolution,
    SocialFigures,
    Topic,
)
from vmre.service.outreach import METRICS, add_media_note, add_press_item
from vmre.service.periods import Period
from vmre.service.service import contact_figures, find_contacts, log_contact, recent_contacts
from vmre.web.deps import DB, require_roles
from vmre.web.security import check_csrf, language
from vmre.web.templating import render

router = APIRouter(prefix="/admin/service")
agents = require_roles(Role.AGENT, Role.SUPERVISOR)
readers = require_roles(Role.AGENT, Role.SUPERVISOR, Role.SECRETARIAT, Role.OUTREACH)
secretariat = require_roles(Role.SECRETARIAT)
outreach = require_roles(Role.OUTREACH)

CHOICES = {"channels": list(Channel), "origins": list(Origin), "topics": list(Topic),
           "resolutions": list(Resolution), "accounts": list(Account),
           "platforms": list(Platform), "media": list(Medium), "press_kinds": list(PressKind),
           "metrics": METRICS}


@router.get("/")
def index(request: Request, user: StaffUser = Depends(readers)):
    return render(request, "service_index.html", user=user, can_log=user.has(Role.AGENT),
                  can_outreach=user.has(Role.OUTREACH),
                  can_activities=user.has(Role.SECRETARIAT))


def _contacts_page(request: Request, session: Session, status: int = 200, **context):
    ref = request.query_params.get("ref", "")
    found = find_contacts(session, ref) if ref else None
    return render(request, "service_contacts.html", status, ref=ref, found=found,
                  recent=recent_contacts(session), **CHOICES,
                  **{"error": None, "lines": [], **context})


@router.get("/contacts")
def contacts(request: Request, session: Session = DB, user: StaffUser = Depends(agents)):
    return _contacts_page(request, session)


@router.post("/contacts")
def add_contact(
    request: Request,
    channel: str = Form(...),
    origin: str = Form(...),
    topic: str = Form(...),
    resolution: str = Form("resolved"),
    registration_folio: str = Form(""),
    card_request: str = Form(""),
    notes: str = Form(""),
    csrf: str = Form(""),
    session: Session = DB,
    user: StaffUser = Depends(agents),
):
    check_csrf(request, csrf)
    try:
        log_contact(session, agent=user.username, channel=channel, origin=origin, topic=topic,
                    resolution=resolution, registration_folio=registration_folio,
                    card_request=card_request, notes=notes)
    except UserError as err:
        return _contacts_page(request, session, 422, error=err.message(language(request)))
    return _contacts_page(request, session, saved=True)


@router.post("/contacts/import")
async def import_contacts(
    request: Request,
    file: UploadFile = File(...),
    csrf: str = Form(""),
    session: Session = DB,
    user: StaffUser = Depends(agents),
):
    check_csrf(request, csrf)
    lang = language(request)
    data = (await file.read()).decode("utf-8", errors="replace")
    try:
        report = imports.import_contacts(session, data, user.username, lang)
    except UserError as err:
        return _contacts_page(request, session, 422, error=err.message(lang))
    audit.record(session, user.username, "service.import_contacts", "",
                 f"accepted={report.accepted} refused={len(report.refused)}")
    return _contacts_page(request, session, 200 if report.ok else 422,
                          lines=imports.describe(report, lang))


def _period(request: Request) -> Period:
    today = clock.today()
    try:
        start = dt.date.fromisoformat(request.query_params.get("start", ""))
        end = dt.date.fromisoformat(request.query_params.get("end", ""))
    except ValueError:
        start, end = today.replace(day=1), today
    return Period(start, max(start, end))


@router.get("/figures")
def figures(request: Request, session: Session = DB, user: StaffUser = Depends(readers)):
    period = _period(request)
    return render(request, "service_figures.html", period=period,
                  figures=contact_figures(session, period))


def _outreach_page(request: Request, session: Session, status: int = 200, **context):
    rows = list(session.scalars(select(SocialFigures).order_by(
        SocialFigures.period_start.desc(), SocialFigures.account, SocialFigures.platform
    ).limit(60)))
    return render(request, "service_outreach.html", status, rows=rows, **CHOICES,
                  **{"error": None, "lines": [], **context})


@router.get("/outreach")
def outreach_page(request: Request, session: Session = DB,
                  user: StaffUser = Depends(outreach)):
    return _outreach_page(request, session)


@router.post("/outreach/social")
async def social_form(request: Request, session: Session = DB,
                      user: StaffUser = Depends(outreach)):
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    row = "account,platform,month," + ",".join(METRICS) + "\n" + ",".join(
        str(form.get(name, "")).replace(",", "") for name in
        ("account", "platform", "month", *METRICS))
    return _apply_import(request, session, user, imports.import_social, row, "social")


@router.post("/outreach/{kind}/import")
async def outreach_import(request: Request, kind: str, file: UploadFile = File(...),
                          csrf: str = Form(""), session: Session = DB,
                          user: StaffUser = Depends(outreach)):
    check_csrf(request, csrf)
    importer = {"social": imports.import_social, "media": imports.import_media}.get(kind)
    if importer is None:
        return _outreach_page(request, session, 404)
    data = (await file.read()).decode("utf-8", errors="replace")
    return _apply_import(request, session, user, importer, data, kind)


def _apply_import(request, session, user, importer, data: str, kind: str):
    lang = language(request)
    try:
        report = importer(session, data, lang)
    except UserError as err:
        return _outreach_page(request, session, 422, error=err.message(lang))
    audit.record(session, user.username, f"service.import_{kind}", "",
                 f"accepted={report.accepted} refused={len(report.refused)}")
    return _outreach_page(request, session, 200 if report.ok else 422,
                          lines=imports.describe(report, lang))


@router.post("/outreach/media")
def media_form(request: Request, published_on: str = Form(...), outlet: str = Form(""),
               medium: str = Form(...), summary: str = Form(""), link: str = Form(""),
               csrf: str = Form(""), session: Session = DB,
               user: StaffUser = Depends(outreach)):
    check_csrf(request, csrf)
    try:
        add_media_note(session, published_on=_day(published_on), outlet=outlet, medium=medium,
                       summary=summary, link=link)
    except UserError as err:
        return _outreach_page(request, session, 422, error=err.message(language(request)))
    return _outreach_page(request, session, saved=True)


@router.post("/outreach/press")
def press_form(request: Request, kind: str = Form(...), published_on: str = Form(...),
               title: str = Form(""), links: str = Form(""), csrf: str = Form(""),
               session: Session = DB, user: StaffUser = Depends(outreach)):
    check_csrf(request, csrf)
    try:
        add_press_item(session, kind=kind, published_on=_day(published_on), title=title,
                       links=links.splitlines())
    except UserError as err:
        return _outreach_page(request, session, 422, error=err.message(language(request)))
    return _outreach_page(request, session, saved=True)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError("service.import.bad_date", field="published_on", value=value) from None




def _activities_page(request: Request, session: Session, status: int = 200, **context):
    rows = list(session.scalars(select(Activity).order_by(Activity.happened_on.desc(),
                                                          Activity.id.desc()).limit(100)))
    return render(request, "service_activities.html", status, rows=rows,
                  sections=list(Section), **{"error": None, **context})


@router.get("/activities")
def activities_page(request: Request, session: Session = DB,
                    user: StaffUser = Depends(secretariat)):
    return _activities_page(request, session)


@router.post("/activities")
def add_activity_form(request: Request, section: str = Form(...), happened_on: str = Form(...),
                      text: str = Form(""), csrf: str = Form(""),
                      session: Session = DB, user: StaffUser = Depends(secretariat)):
    check_csrf(request, csrf)
    try:
        add_activity(session, section=section, happened_on=_day(happened_on), text=text)
    except UserError as err:
        return _activities_page(request, session, 422, error=err.message(language(request)))
    audit.record(session, user.username, "service.activity", section)
    return _activities_page(request, session, saved=True)
