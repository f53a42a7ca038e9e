"""Voter and public pages of internet voting (thin handlers over accounts and the Board).

Voter pages live under /voto: activation (phone digits, second factor, password), login,
the ballot (encrypted in the browser by /static/vmre-ballot.js), Benaloh challenge, cast and
receipt. Public pages: the ballot board, spoiled-ballot checks, receipt check, help.
The server never receives a selection in clear for a counted ballot, nor the voting credential.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.core import audit
from vmre.core.clock import people_text
from vmre.core.email import Mailer
from vmre.core.messages import UserError, text
from vmre.core.ratelimit import RateLimiter
from vmre.voting import accounts, names, practice
from vmre.voting import server_tally as closing
from vmre.voting.accounts import VoterAccount
from vmre.voting.admin import ROUTERS as ADMIN_ROUTERS
from vmre.voting.api import DB, STATUS, board, check_receipt, row, spoiled_ballot
from vmre.voting.api import router as api_router
from vmre.voting.board import loaded
from vmre.voting.models import Election
from vmre.voting.sms import FileSms, SmsSender
from vmre.voting.voter_session import check_binding, current_voter
from vmre.web import json_body
from vmre.web.security import check_csrf, client_ip, language
from vmre.web.sri import sri
from vmre.web.templating import render

voter = APIRouter(prefix="/voto", include_in_schema=False)
public = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
HELP_TOPICS = ("acceso", "segundo-factor", "votar", "recibo", "tablero")
LIMITS = {"login": (30, 300), "activation": (30, 300)}  # attempts per address per window


def allowed(request: Request, kind: str) -> bool:
    """Per-address rate limit, one limiter per application instance."""
    limiters = getattr(request.app.state, "sivei_limiters", None)
    if limiters is None:
        limiters = request.app.state.sivei_limiters = {
            name: RateLimiter(limit, window) for name, (limit, window) in LIMITS.items()}
    return limiters[kind].allow(client_ip(request))


# -- helpers ----------------------------------------------------------------------------------

def bundle_integrity() -> str:
    """Subresource Integrity of the ballot bundle, computed at start-up (vmre.web.sri)."""
    return sri("vmre-ballot.js")


def sms_sender(request: Request) -> SmsSender:
    sender = getattr(request.app.state, "sms", None)
    if sender is None:
        sender = request.app.state.sms = FileSms()
    return sender


def mailer(request: Request) -> Mailer:
    return getattr(request.app.state, "mailer", None) or Mailer()


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def require_voter(request: Request, s: Session = DB) -> VoterAccount:
    account = current_voter(request, s)
    if account is None:  # "your session ended" only to a browser whose session did end
        ended = request.scope.get("session_ended") or "voter_id" in request.session
        raise HTTPException(status_code=303, headers={
            "Location": "/voto/entrar?expirada=1" if ended else "/voto/entrar"})
    return account


def _pending(request: Request, s: Session) -> VoterAccount:
    """The account whose activation this browser session is going through."""
    account_id = request.session.get("activation_id")
    account = s.get(VoterAccount, account_id) if account_id else None
    if account is None or not accounts.link_valid(account,
                                                  request.session.get("activation_hash")):
        raise HTTPException(status_code=303, headers={"Location": "/voto/recuperar?enlace=1"})
    return account


def _json_csrf(request: Request) -> None:
    check_csrf(request, request.headers.get("x-csrf-token"))


def _election_for(s: Session, account: VoterAccount) -> Election | None:
    return s.get(Election, account.election_id)


# -- activation -------------------------------------------------------------------------------

@voter.get("/activar/factor")
def factor_page(request: Request, metodo: str = "", s: Session = DB):
    account = _pending(request, s)
    context: dict[str, Any] = {"method": metodo, "error": None, "sent": False}
    if metodo == "totp":
        secret = request.session.get("totp_pending") or accounts.new_totp_secret()
        request.session["totp_pending"] = secret
        context.update(secret=secret,
                       qr=accounts.qr_data_uri(accounts.totp_uri(account, secret)))
    return render(request, "sivei/factor.html", **context)


@voter.post("/activar/totp")
def factor_totp(request: Request, code: str = Form(""), csrf: str = Form(""),
                s: Session = DB):
    check_csrf(request, csrf)
    account = _pending(request, s)
    secret = request.session.get("totp_pending")
    if not secret or not accounts.confirm_totp(account, secret, code):
        lang = language(request)
        return render(request, "sivei/factor.html", 400, method="totp", sent=False,
                      secret=secret,
                      qr=accounts.qr_data_uri(accounts.totp_uri(account, secret or "")),
                      error=text("sivei.factor.bad_code", lang))
    request.session.pop("totp_pending", None)
    audit.record(s, f"voter:{account.id}", "voter_factor", "totp")
    return _redirect("/voto/activar/contrasena")


@voter.post("/activar/sms/enviar")
def factor_sms_send(request: Request, csrf: str = Form(""), s: Session = DB):
    check_csrf(request, csrf)
    account = _pending(request, s)
    accounts.send_sms_code(account, sms_sender(request), language(request))
    return render(request, "sivei/factor.html", method="sms", sent=True, error=None,
                  phone_tail=account.phone[-2:])


@voter.post("/activar/sms")
def factor_sms(request: Request, code: str = Form(""), csrf: str = Form(""),
               s: Session = DB):
    check_csrf(request, csrf)
    account = _pending(request, s)
    if not accounts.confirm_sms(account, code):
        return render(request, "sivei/factor.html", 400, method="sms", sent=True,
                      phone_tail=account.phone[-2:],
                      error=text("sivei.factor.bad_code", language(request)))
    audit.record(s, f"voter:{account.id}", "voter_factor", "sms")
    return _redirect("/voto/activar/contrasena")


@voter.get("/activar/contrasena")
def password_page(request: Request, s: Session = DB):
    account = _pending(request, s)
    if account.second_factor is None:
        return _redirect("/voto/activar/factor")
    return render(request, "sivei/password.html", error=None, username=account.username)


@voter.post("/activar/contrasena")
def password_set(request: Request, password: str = Form(""), confirm: str = Form(""),
                 csrf: str = Form(""), s: Session = DB):
    check_csrf(request, csrf)
    account = _pending(request, s)
    lang = language(request)
    try:
        if password != confirm:
            raise UserError("sivei.password.mismatch")
        accounts.set_password(account, password)
    except UserError as err:
        return render(request, "sivei/password.html", 400, error=err.message(lang),
                      username=account.username)
    audit.record(s, f"voter:{account.id}", "voter_activated")
    request.session.clear()
    return _redirect("/voto/entrar?activada=1")


@voter.get("/activar/{token}")
def activation_page(request: Request, token: str, s: Session = DB):
    lang = language(request)
    try:
        accounts.by_token(s, token)
    except UserError as err:
        return render(request, "sivei/activate.html", 404, error=err.message(lang), token=None)
    return render(request, "sivei/activate.html", error=None, token=token)


@voter.post("/activar/{token}")
def activation_check(request: Request, token: str, digits: str = Form(""),
                     csrf: str = Form(""), s: Session = DB):
    check_csrf(request, csrf)
    lang = language(request)
    if not allowed(request, "activation"):
        return render(request, "sivei/activate.html", 429, token=token,
                      error=text("sivei.rate_limited", lang))
    try:
        account = accounts.by_token(s, token)
    except UserError as err:
        return render(request, "sivei/activate.html", 404, error=err.message(lang), token=None)
    if not accounts.check_phone(account, digits):
        audit.record(s, f"voter:{account.id}", "voter_phone_check_failed")
        if account.activation_hash is None:
            return render(request, "sivei/activate.html", 403, token=None,
                          error=text("sivei.activation.too_many", lang))
        return render(request, "sivei/activate.html", 400, token=token,
                      error=text("sivei.activation.bad_digits", lang,
                                 left=accounts.MAX_FAILURES - account.activation_failures))
    request.session.clear()
    request.session["activation_id"] = account.id
    request.session["activation_hash"] = accounts.token_hash(token)  # which link was used
    return _redirect("/voto/activar/factor")


# -- recovery, login, logout ------------------------------------------------------------------

@voter.get("/recuperar")
def recover_page(request: Request):
    return render(request, "sivei/recover.html", sent=False, error=None)


@voter.post("/recuperar")
def recover(request: Request, email: str = Form(""), csrf: str = Form(""),
            s: Session = DB):
    check_csrf(request, csrf)
    lang = language(request)
    if not allowed(request, "activation"):
        return render(request, "sivei/recover.html", 429, sent=False,
                      error=text("sivei.rate_limited", lang))
    found = accounts.recover(s, email)
    if found is not None:
        account, token = found
        # the link comes from VMRE_PUBLIC_URL, never from this request's Host header
        mailer(request).send(accounts.recovery_mail(account, token, lang))
        audit.record(s, f"voter:{account.id}", "voter_recovery_link")
    return render(request, "sivei/recover.html", sent=True, error=None)


@voter.get("/entrar")
def login_page(request: Request, activada: str = "", expirada: str = ""):
    lang = language(request)
    notice = (text("sivei.login.activated", lang) if activada else
              text("sivei.login.expired", lang) if expirada else None)
    return render(request, "sivei/login.html", error=None, notice=notice, username="")


@voter.post("/entrar")
def login(request: Request, username: str = Form(""), password: str = Form(""),
          code: str = Form(""), action: str = Form("login"), csrf: str = Form(""),
          s: Session = DB):
    check_csrf(request, csrf)
    lang = language(request)

    def page(status: int, error: str | None = None, notice: str | None = None):
        return render(request, "sivei/login.html", status, error=error, notice=notice,
                      username=username)

    if not allowed(request, "login"):
        return page(429, text("sivei.rate_limited", lang))
    if action == "sms":
        result = accounts.password_step(s, username, password)
        if isinstance(result, UserError):
            return page(401, result.message(lang))
        if result.second_factor != "sms":
            return page(400, text("sivei.login.no_sms", lang))
        accounts.send_sms_code(result, sms_sender(request), lang)
        return page(200, notice=text("sivei.login.sms_sent", lang))
    result = accounts.authenticate(s, username, password, code)
    if isinstance(result, UserError):
        audit.record(s, "voter", "voter_login_failed")
        return page(401, result.message(lang))
    request.session.clear()  # a new session id at login: no fixation
    request.session["voter_id"] = result.id  # ends 30 minutes from now (vmre.core.sessions)
    audit.record(s, f"voter:{result.id}", "voter_login")
    return _redirect("/voto/")


@voter.post("/salir")
def logout(request: Request, csrf: str = Form("")):
    check_csrf(request, csrf)
    request.session.clear()  # deletes the session's row: the old cookie opens nothing
    return _redirect("/voto/entrar")


# -- voting -----------------------------------------------------------------------------------

def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment and moment.tzinfo is None else moment


def _window_state(election: Election) -> str:
    now = dt.datetime.now(dt.UTC)
    opens, closes = _aware(election.opens_at), _aware(election.closes_at)
    if election.state == "closed" or (closes and now >= closes):
        return "closed"
    if election.state != "scheduled" or (opens and now < opens):
        return "not_open"
    return "open"


@voter.get("/")
def voter_home(request: Request, account: VoterAccount = Depends(require_voter),
               s: Session = DB):
    election = _election_for(s, account)
    contests = loaded(election).context.manifest.contests_for(account.entity) if election else ()
    return render(request, "sivei/home.html", account=account, election=election,
                  contests=contests, window=_window_state(election) if election else "none",
                  voter_nav=True, practice=practice.is_practice(s, account.election_id))


@voter.get("/boleta")
def ballot_page(request: Request, account: VoterAccount = Depends(require_voter),
                s: Session = DB):
    election = _election_for(s, account)
    if account.voted_at is not None:  # a page that answers the visit: 200, not an error
        return render(request, "sivei/already_voted.html", voter_nav=True,
                      has_receipt=bool(request.session.get("receipt")),
                      practice=practice.is_practice(s, account.election_id))
    if election is None or _window_state(election) != "open":
        return _redirect("/voto/")
    manifest = loaded(election).context.manifest
    return render(request, "sivei/ballot.html", account=account, election=election,
                  manifest=manifest, contests=manifest.contests_for(account.entity),
                  integrity=bundle_integrity(), voter_nav=True,
                  practice=practice.is_practice(s, account.election_id))


def _json_error(err: UserError, lang: str, status: int = 422) -> JSONResponse:
    return JSONResponse({"error": err.key, "message": err.message(lang)}, status)


async def _voter_json(request: Request, s: Session) -> tuple[VoterAccount, dict, str]:
    """The signed-in voter and the JSON body of a ballot request, or a UserError to answer."""
    _json_csrf(request)
    lang = language(request)
    account = current_voter(request, s)
    if account is None:
        raise _Refused(UserError("sivei.login.expired"), 401)
    try:
        body = await json_body.read_object(request)
    except UserError as err:
        raise _Refused(err, STATUS.get(err.key, 400)) from None
    return account, body, lang


class _Refused(Exception):
    def __init__(self, err: UserError, status: int) -> None:
        self.err, self.status = err, status


@voter.post("/emitir")
async def cast(request: Request, s: Session = DB):
    """The encrypted, signed ballot from the voter's browser; the receipt after the commit."""
    try:
        account, body, lang = await _voter_json(request, s)
    except _Refused as refused:
        return _json_error(refused.err, language(request), refused.status)
    if account.voted_at is not None:  # only this very ballot again (its answer was lost)
        receipt = await run_in_threadpool(board(request).receipt_again, account.election_id,
                                          body.get("ballot"))
        if receipt is None:
            return _json_error(UserError("voting.ballot.already_voted"), lang, 409)
        request.session["receipt"] = receipt
        return JSONResponse(receipt, 200)
    try:
        check_binding(account, account.election_id, body.get("ballot"))
        # verification is CPU work: keep it off the event loop
        receipt, new = await run_in_threadpool(board(request).submit, account.election_id,
                                               body.get("ballot"))
    except UserError as err:
        return _json_error(err, lang, STATUS.get(err.key, 422))
    accounts.mark_voted(s, account.id)
    request.session["receipt"] = receipt
    audit.record(s, f"voter:{account.id}", "voter_cast")  # no tracking code: no link to a ballot
    return JSONResponse(receipt, 201 if new else 200)


@voter.post("/auditar")
async def challenge(request: Request, s: Session = DB):
    """Benaloh: the browser discloses the nonces of a ballot it will never cast."""
    try:
        account, body, lang = await _voter_json(request, s)
    except _Refused as refused:
        return _json_error(refused.err, language(request), refused.status)
    try:
        check_binding(account, account.election_id, body.get("ballot"))
        tracking = await run_in_threadpool(board(request).spoil, account.election_id,
                                           body.get("ballot"), body.get("disclosure"))
    except UserError as err:
        return _json_error(err, lang, STATUS.get(err.key, 422))
    return JSONResponse({"tracking_code": tracking,
                         "url": f"/tablero/{account.election_id}/auditada/{tracking}"}, 201)


@voter.get("/recibo")
def receipt_page(request: Request, account: VoterAccount = Depends(require_voter),
                 s: Session = DB):
    receipt = request.session.get("receipt")
    if receipt is None:
        return _redirect("/voto/")
    election = s.get(Election, account.election_id)
    return render(request, "sivei/receipt.html", receipt=receipt, voter_nav=True,
                  received=_local_time(receipt["received_at"], language(request)),
                  fingerprint=election.fingerprint if election else "",
                  practice=practice.is_practice(s, account.election_id))


@voter.get("/encuesta")
def survey_page(request: Request, account: VoterAccount = Depends(require_voter),
                s: Session = DB):
    """The usability questionnaire (SUS) of a practice election, after casting."""
    if not practice.is_practice(s, account.election_id) or account.voted_at is None:
        return _redirect("/voto/")
    return render(request, "sivei/survey.html", voter_nav=True, practice=True, error=None,
                  done=account.surveyed_at is not None)


@voter.post("/encuesta")
async def survey_answer(request: Request, account: VoterAccount = Depends(require_voter),
                        s: Session = DB):
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    if not practice.is_practice(s, account.election_id) or account.voted_at is None:
        return _redirect("/voto/")
    try:
        answers = [int(str(form.get(f"q{i}", "0")) or 0) for i in range(1, practice.SUS_ITEMS + 1)]
        practice.record_sus(s, account, answers, str(form.get("comment", "")))
    except (UserError, ValueError) as err:
        message = err.message(language(request)) if isinstance(err, UserError) else text(
            "sivei.sus.incomplete", language(request))
        return render(request, "sivei/survey.html", 400, voter_nav=True, practice=True,
                      error=message, done=False)
    return render(request, "sivei/survey.html", voter_nav=True, practice=True, error=None,
                  done=True)


@voter.get("/recibo.json")
def receipt_download(request: Request, account: VoterAccount = Depends(require_voter)):
    receipt = request.session.get("receipt")
    if receipt is None:
        return _redirect("/voto/")
    name = f"recibo-{receipt['tracking_code'][:12]}.json"
    return Response(json.dumps(receipt, indent=1, sort_keys=True), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _local_time(iso: str, lang: str = "es") -> str:
    return people_text(iso, lang)  # the one date-time format people read


@voter.get("/partidos/{election_id}.css")
def party_colours(election_id: str, s: Session = DB):
    """Party colours as a style sheet: the page policy forbids inline styles."""
    election = s.get(Election, election_id)
    lines = []
    if election is not None:
        for pid, party in loaded(election).context.manifest.parties.items():
            if party.get("color"):
                lines.append(f".party-{pid} {{ --party: {party['color']}; }}")
    return Response("\n".join(lines) + "\n", media_type="text/css",
                    headers={"Cache-Control": "public, max-age=300"})


# -- public pages -----------------------------------------------------------------------------

@public.get("/tablero")
def boards(request: Request, s: Session = DB):
    elections = list(s.scalars(select(Election).order_by(Election.id)))
    if len(elections) == 1:
        query = f"?{request.url.query}" if request.url.query else ""
        return _redirect(f"/tablero/{elections[0].id}{query}")
    return render(request, "sivei/boards.html", elections=elections)


@public.get("/tablero/{election_id}")
def board_view(request: Request, election_id: str, pagina: int = 1, codigo: str = "",
               auditadas: int = 1, s: Session = DB):
    election = s.get(Election, election_id)
    if election is None:
        raise HTTPException(404, text("web.not_found", language(request)))
    b = board(request)
    pages = max(1, math.ceil(election.ballot_count / PAGE_SIZE))
    page = min(max(1, pagina), pages)
    found, searched = None, codigo.strip().lower()
    if searched:
        entry = b.find(election_id, searched)
        found = row(entry) if entry else None
    entries = [row(e) for e in b.entries(election_id, (page - 1) * PAGE_SIZE, PAGE_SIZE)]
    # audited ballots a page at a time too: their number is bounded per voter, not in all
    spoiled = b.spoiled_count(election_id)
    audited_pages = max(1, math.ceil(spoiled / PAGE_SIZE))
    audited_page = min(max(1, auditadas), audited_pages)
    audited = [{"tracking_code": a.tracking_code, "received_at": a.received_at}
               for a in b.spoiled(election_id, (audited_page - 1) * PAGE_SIZE, PAGE_SIZE)]
    return render(request, "sivei/board.html", election=election, entries=entries, page=page,
                  election_name=loaded(election).context.manifest.name,
                  pages=pages, searched=searched, found=found, spoiled=spoiled,
                  audited=audited, audited_page=audited_page, audited_pages=audited_pages,
                  practice=practice.is_practice(s, election_id))


@public.get("/tablero/{election_id}/auditada/{tracking}")
def spoiled_view(request: Request, election_id: str, tracking: str):
    result = spoiled_ballot(election_id, tracking, request)
    if isinstance(result, Response):
        raise HTTPException(404, text("sivei.board.not_found", language(request)))
    election = board(request).election(election_id)
    manifest = loaded(election).context.manifest
    labels = {}
    for cid, option in result["disclosure"].get("selections", {}).items():
        try:  # only a contest's own options are ever shown (the board checked them)
            contest = manifest.contest(cid)
            labels[contest.office] = option_label(manifest, contest.options[
                contest.option_index(option)], language(request))
        except KeyError:
            continue
    return render(request, "sivei/spoiled.html", result=result, labels=labels,
                  election_id=election_id, integrity=bundle_integrity())


def option_label(manifest, option, lang: str) -> str:
    if option.kind == "write-in":
        return text("sivei.ballot.write_in", lang)
    if option.kind == "null":
        return text("sivei.ballot.null", lang)
    return " + ".join(manifest.parties[p]["name"] for p in option.parties)


@public.get("/recibo")
def receipt_check_page(request: Request):
    return render(request, "sivei/receipt_check.html", result=None, pasted="")


@public.post("/recibo")
async def receipt_check(request: Request, pasted: str = Form(""), csrf: str = Form(""),
                        upload: UploadFile | None = File(None)):
    check_csrf(request, csrf)
    lang = language(request)
    raw = pasted
    if upload is not None and upload.filename:
        raw = (await upload.read(64 * 1024)).decode("utf-8", "replace")
    try:
        receipt = json.loads(raw)
    except ValueError:
        receipt = None
    result = check_receipt(board(request), receipt, lang)
    status = 200 if result["signature_valid"] and result["entry_matches"] else 400
    return render(request, "sivei/receipt_check.html", status, result=result, pasted=pasted)


def _published_results(s: Session, election: Election, lang: str) -> dict | None:
    """An election's counts per contest and option, once the custodians' shares have been
    combined (uploaded on the web or combined with `vmre election tally`)."""
    outcome = closing.status(s, election.id)["results"]
    if outcome is None:
        return None
    manifest = loaded(election).context.manifest
    contests = []
    for contest in manifest.contests:
        counts = outcome["contests"].get(contest.id, {}).get("counts", {})
        contests.append({"office": contest.office, "entity": contest.entity,
                         "title": names.contest_name(contest, lang),
                         "ballots": outcome["contests"].get(contest.id, {}).get("ballots", 0),
                         "rows": [(names.option_name(manifest, contest, o, lang),
                                   counts.get(o.id, 0)) for o in contest.options]})
    return {"id": election.id, "name": manifest.name, "contests": contests}


@public.get("/resultados/internet")
def results(request: Request, s: Session = DB):
    """Every election's internet results."""
    lang = language(request)
    published = []
    for election in s.scalars(select(Election).order_by(Election.id)):
        shown = _published_results(s, election, lang)
        if shown is not None:
            published.append(shown)
    return render(request, "sivei/results.html", published=published)


@public.get("/resultados/internet/{election_id}")
def election_results(request: Request, election_id: str, s: Session = DB):
    """One election's internet results (the page /resultados links to)."""
    lang = language(request)
    election = s.get(Election, election_id)
    shown = None if election is None else _published_results(s, election, lang)
    if shown is None:
        raise HTTPException(404, text("web.not_found", lang))
    return render(request, "sivei/results.html", published=[shown], one=True)


@public.get("/expediente/{election_id}.zip")
def record_download(request: Request, election_id: str, s: Session = DB):
    """The election record, for anyone to check with `vmre verify`."""
    data = closing.record_archive(s, board(request), election_id)
    if data is None:
        return render(request, "sivei/placeholder.html", 404, title_key="sivei.results.title",
                      body_key="sivei.results.pending")
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="expediente-{election_id}.zip"'})


@public.get("/ayuda/{topic}")
def help_page(request: Request, topic: str):
    if topic not in HELP_TOPICS:
        raise HTTPException(404, text("web.not_found", language(request)))
    return render(request, "sivei/help.html", topic=topic, topics=HELP_TOPICS)


ROUTERS = (api_router, voter, public, *ADMIN_ROUTERS)
