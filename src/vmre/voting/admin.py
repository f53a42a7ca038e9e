"""Administration of internet voting (staff only): elections, manifest upload and preview,
the voting window in the election's time zone, closing, practice elections (flag, volunteer
CSV, participation and usability scores). Public: the opening and closing acts as PDF and the
integrity codes of the deployed application."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vmre.core import audit
from vmre.core.clock import people_text
from vmre.core.email import Mailer
from vmre.core.messages import UserError, plural, text
from vmre.core.staff import Role, StaffUser
from vmre.voting import acts, practice
from vmre.voting import server_tally as closing
from vmre.voting.api import DB, board
from vmre.voting.audits import PRACTICE
from vmre.voting.board import loaded
from vmre.voting.manifest import parse_manifest
from vmre.voting.models import ActPdf, Election
from vmre.web.deps import require_roles
from vmre.web.security import check_csrf, language
from vmre.web.templating import environment, render

staff = APIRouter(prefix="/admin/sivei", include_in_schema=False)
acts_router = APIRouter(include_in_schema=False)
administrator = require_roles(Role.ADMINISTRATOR)
viewer = require_roles(Role.ADMINISTRATOR, Role.SUPERVISOR)


def mailer(request: Request) -> Mailer:
    return getattr(request.app.state, "mailer", None) or Mailer()


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _local_input(moment: dt.datetime | None, zone: str) -> str:
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def _election(s: Session, election_id: str, lang: str) -> Election:
    election = s.get(Election, election_id)
    if election is None:
        raise HTTPException(404, text("voting.board.unknown_election", lang,
                                      election=election_id))
    return election


@staff.get("/")
def elections(request: Request, user: StaffUser = Depends(viewer), s: Session = DB):
    rows = list(s.scalars(select(Election).order_by(Election.id)))
    flagged = {e.id for e in rows if practice.is_practice(s, e.id)}
    return render(request, "sivei/admin_elections.html", user=user, elections=rows,
                  flagged=flagged)


@staff.get("/manifiesto")
def manifest_form(request: Request, user: StaffUser = Depends(administrator)):
    return render(request, "sivei/admin_manifest.html", error=None, manifest=None, source="")


@staff.post("/manifiesto")
async def manifest_preview(request: Request, source: str = Form(""), csrf: str = Form(""),
                           upload: UploadFile | None = File(None),
                           user: StaffUser = Depends(administrator)):
    """Check a manifest and show every entity's ballot as its voters will see it."""
    check_csrf(request, csrf)
    name = "manifest"
    if upload is not None and upload.filename:
        source = (await upload.read(512 * 1024)).decode("utf-8", "replace")
        name = upload.filename
    try:
        manifest = parse_manifest(source, name)
    except UserError as err:
        return render(request, "sivei/admin_manifest.html", 400, error=err.message(
            language(request)), manifest=None, source=source)
    return render(request, "sivei/admin_manifest.html", error=None, manifest=manifest,
                  source=source)


@staff.get("/{election_id}")
def election_page(request: Request, election_id: str, user: StaffUser = Depends(viewer),
                  s: Session = DB):
    return _election_view(request, s, election_id, user)


def _election_view(request: Request, s: Session, election_id: str, user: StaffUser,
                   error: UserError | None = None):
    lang = language(request)
    election = _election(s, election_id, lang)
    zone = loaded(election).context.manifest.time_zone
    is_practice = practice.is_practice(s, election_id)
    opens, closes = _local_input(election.opens_at, zone), _local_input(election.closes_at, zone)
    if not opens:  # a proposal: tomorrow 08:00 to 18:00 in the election's time zone
        day = (dt.datetime.now(ZoneInfo(zone)) + dt.timedelta(days=1)).date().isoformat()
        opens, closes = f"{day}T08:00", f"{day}T18:00"
    return render(request, "sivei/admin_election.html", 400 if error else 200, user=user,
                  election=election, zone=zone, opens=opens, closes=closes,
                  practice=is_practice,
                  stats=practice.participation(s, election_id) if is_practice else [],
                  notice=request.query_params.get("aviso"),
                  error=error.message(lang) if error else None)


@staff.post("/{election_id}/ventana")
def schedule(request: Request, election_id: str, opens: str = Form(""), closes: str = Form(""),
             csrf: str = Form(""), user: StaffUser = Depends(administrator),
             s: Session = DB):
    """The window in the election's own time zone; the board opens and closes by the clock."""
    check_csrf(request, csrf)
    election = _election(s, election_id, language(request))
    zone = ZoneInfo(loaded(election).context.manifest.time_zone)
    try:
        start = dt.datetime.fromisoformat(opens).replace(tzinfo=zone).astimezone(dt.UTC)
        end = dt.datetime.fromisoformat(closes).replace(tzinfo=zone).astimezone(dt.UTC)
        # a practice election opens under its documented exemption; any other needs its two
        # published audits (docs/ceremony.md)
        board(request).schedule(election_id, start, end,
                                PRACTICE if practice.is_practice(s, election_id) else None)
    except ValueError:
        return _election_view(request, s, election_id, user, UserError("sivei.admin.bad_time"))
    except UserError as err:
        return _election_view(request, s, election_id, user, err)
    audit.record(s, user.username, "sivei_schedule", election_id, f"{start} → {end}")
    return _redirect(f"/admin/sivei/{election_id}?aviso=ventana")


@staff.post("/{election_id}/cerrar")
def close(request: Request, election_id: str, csrf: str = Form(""),
          user: StaffUser = Depends(administrator), s: Session = DB):
    check_csrf(request, csrf)
    _election(s, election_id, language(request))
    try:
        summary = board(request).close(election_id)
    except UserError as err:  # already closed, not yet open: said on the page, not a 500
        return _election_view(request, s, election_id, user, err)
    audit.record(s, user.username, "sivei_close", election_id, summary["final_hash"])
    return _redirect(f"/admin/sivei/{election_id}?aviso=cerrada")


@staff.post("/{election_id}/simulacro")
def flag_practice(request: Request, election_id: str, csrf: str = Form(""),
                  user: StaffUser = Depends(administrator), s: Session = DB):
    check_csrf(request, csrf)
    _election(s, election_id, language(request))
    practice.flag(s, election_id)
    audit.record(s, user.username, "sivei_practice_flag", election_id)
    return _redirect(f"/admin/sivei/{election_id}?aviso=simulacro")


@staff.post("/{election_id}/voluntarios")
async def volunteers(request: Request, election_id: str, csrf: str = Form(""),
                     upload: UploadFile | None = File(None), pasted: str = Form(""),
                     user: StaffUser = Depends(administrator), s: Session = DB):
    check_csrf(request, csrf)
    source = pasted
    if upload is not None and upload.filename:
        source = (await upload.read(2 * 1024 * 1024)).decode("utf-8", "replace")
    try:
        count = practice.enrol_volunteers(s, board(request), election_id, source,
                                          mailer(request), language(request))
    except UserError as err:  # raised before anything is written
        return _election_view(request, s, election_id, user, err)
    audit.record(s, user.username, "sivei_volunteers", election_id, str(count))
    return _redirect(f"/admin/sivei/{election_id}?aviso=voluntarios-{count}")


@staff.get("/{election_id}/simulacro.csv")
def practice_export(request: Request, election_id: str, user: StaffUser = Depends(viewer),
                    s: Session = DB):
    _election(s, election_id, language(request))  # the file is named after a real election
    return Response(practice.export_csv(s, election_id), media_type="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="simulacro-{election_id}.csv"'})


@staff.get("/{election_id}/computo")
def count_page(request: Request, election_id: str, user: StaffUser = Depends(viewer),
               s: Session = DB):
    election = _election(s, election_id, language(request))
    return render(request, "sivei/admin_count.html", election=election,
                  status=closing.status(s, election_id), error=None,
                  threshold=loaded(election).context.threshold)


@staff.post("/{election_id}/computo")
async def count_share(request: Request, election_id: str, csrf: str = Form(""),
                      upload: UploadFile | None = File(None),
                      user: StaffUser = Depends(administrator), s: Session = DB):
    """A custodian's partial decryption file: checked, kept, and combined once enough."""
    check_csrf(request, csrf)
    election = _election(s, election_id, language(request))
    error = None
    try:
        raw = (await upload.read(4 * 1024 * 1024)) if upload is not None else b""
        closing.add_share(s, board(request), election_id, json.loads(raw or b"null"))
        audit.record(s, user.username, "sivei_count_share", election_id)
    except ValueError:
        error = text("sivei.count.malformed", language(request))
    except UserError as err:
        error = err.message(language(request))
    if error is None:
        return _redirect(f"/admin/sivei/{election_id}/computo")
    return render(request, "sivei/admin_count.html", 400, election=election,
                  status=closing.status(s, election_id), error=error,
                  threshold=loaded(election).context.threshold)


# -- public: acts and integrity codes ---------------------------------------------------------

@acts_router.get("/actas")
def acts_page(request: Request, s: Session = DB):
    rows = list(s.scalars(select(Election).order_by(Election.id)))
    # each election by the name its manifest gives it, never its id
    named = [(e.id, json.loads(e.manifest).get("name") or e.id) for e in rows]
    return render(request, "sivei/acts.html", elections=named, codes=acts.integrity_codes())


@acts_router.get("/integridad")
def integrity_page(request: Request, s: Session = DB):
    from vmre.voting.audits import SystemAudit

    elections = s.scalars(select(Election).order_by(Election.id))
    # the published audits of the system (LGIPE, thirteenth transitory): made public here
    published = s.scalars(select(SystemAudit).where(SystemAudit.public_link != "")
                          .order_by(SystemAudit.election_id, SystemAudit.id))
    return render(request, "sivei/integrity.html", codes=acts.integrity_codes(),
                  fingerprints=acts.election_fingerprints(elections), audits=list(published))


@acts_router.get("/actas/{election_id}/{kind}.pdf")
def act_pdf(request: Request, election_id: str, kind: str, s: Session = DB):
    """The opening act (inicio) or the closing act (cierre) as PDF."""
    lang = language(request)
    if kind not in ("inicio", "cierre"):
        raise HTTPException(404, text("web.not_found", lang))
    election = _election(s, election_id, lang)
    from vmre.voting import attendance

    key = acts.cache_key(election, kind, lang, attendance=attendance.digest(
        attendance.listed(s, election_id, kind)))
    stored = s.get(ActPdf, key) if key else None
    if stored is not None:  # fixed content: served as made, never rendered again
        pdf = stored.pdf
    else:
        data = acts.act_data(board(request), election_id)
        html = environment().get_template("sivei/act.html").render(
            act=data, kind=kind, lang=lang, t=lambda k, **p: text(k, lang, **p),
            tn=lambda k, n, **p: plural(k, n, lang, **p),  # "1 boleta", "2 boletas"
            when=lambda moment: people_text(moment, lang))
        pdf = acts.render_pdf(html)
        if key:
            _store_act(request, ActPdf(cache_key=key, election_id=election_id, kind=kind,
                                       lang=lang, pdf=pdf, created_at=dt.datetime.now(dt.UTC)))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="acta-{kind}-{election_id}.pdf"'})


def _store_act(request: Request, row: ActPdf) -> None:
    """Keep the act; when two first requests render at once, the first one stored is the
    one served from then on."""
    try:
        with request.app.state.sessions() as session, session.begin():
            session.add(row)
    except IntegrityError:
        pass


ROUTERS = (staff, acts_router)
