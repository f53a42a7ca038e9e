"""Staff sign-in and sign-out, shared by every administration area."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.core import audit, totp
from vmre.core.audit import utcnow
from vmre.core.messages import UserError, text
from vmre.core.parties import PARTIES
from vmre.core.ratelimit import RateLimiter
from vmre.core.staff import (
    Role,
    StaffUser,
    authenticate,
    change_password,
    check_totp,
    enrol_totp,
    reset_totp,
    set_party,
    totp_uri,
)
from vmre.web.deps import DB, current_staff, require_roles
from vmre.web.security import check_csrf, client_ip, language
from vmre.web.templating import render

router = APIRouter(prefix="/admin")
LOGIN_LIMIT, LOGIN_WINDOW_SECONDS = 20, 300


def login_limiter(request: Request) -> RateLimiter:
    """One sign-in limiter per application instance (per address, all staff pages)."""
    state = request.app.state
    if not hasattr(state, "login_limiter"):
        state.login_limiter = RateLimiter(LOGIN_LIMIT, LOGIN_WINDOW_SECONDS)
    return state.login_limiter


@router.get("/login")
def login_page(request: Request):
    return render(request, "login.html", error=None, username="")


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    session: Session = DB,
):
    check_csrf(request, csrf)
    lang = language(request)
    if not login_limiter(request).allow(client_ip(request)):
        return render(request, "login.html", 429, error=text("web.login.rate_limited", lang),
                      username=username)
    user = authenticate(session, username, password)
    if isinstance(user, UserError):
        audit.record(session, username[:120], "login_failed")
        return render(request, "login.html", 401, error=user.message(lang), username=username)
    # The password is right: the second factor follows. Nobody is signed in until then.
    request.session.clear()
    request.session["staff_pending"] = user.id
    request.session["staff_pending_at"] = int(utcnow().timestamp())
    audit.record(session, user.username, "login_password")
    return RedirectResponse("/admin/codigo", status_code=303)


PENDING_SECONDS = 5 * 60  # from the right password to the code


def _pending(request: Request, session: Session) -> StaffUser | None:
    """The account whose password was just given, if it was given in the last minutes."""
    user_id = request.session.get("staff_pending")
    started = request.session.get("staff_pending_at") or 0
    if not isinstance(user_id, int) or utcnow().timestamp() - started > PENDING_SECONDS:
        return None
    return session.get(StaffUser, user_id)


def _code_page(request: Request, user: StaffUser, status: int = 200, error: str | None = None):
    """Enrolment (QR code, otpauth URI and the secret as text) or the code prompt."""
    if user.totp_secret:
        return render(request, "staff_code.html", status, error=error, enrol=False)
    secret = request.session.get("staff_totp_pending")
    if not secret:
        secret = totp.new_secret()
        request.session["staff_totp_pending"] = secret
    uri = totp_uri(user, secret)
    return render(request, "staff_code.html", status, error=error, enrol=True, secret=secret,
                  uri=uri, qr=totp.qr_data_uri(uri))


@router.get("/codigo")
def code_page(request: Request, session: Session = DB):
    user = _pending(request, session)
    if user is None:
        return RedirectResponse("/admin/login", status_code=303)
    return _code_page(request, user)


@router.post("/codigo")
def code(request: Request, code: str = Form(""), csrf: str = Form(""), session: Session = DB):
    check_csrf(request, csrf)
    lang = language(request)
    user = _pending(request, session)
    if user is None:
        return RedirectResponse("/admin/login", status_code=303)
    # No per-address count here: a code is only tried after the right password, within
    # PENDING_SECONDS, and five wrong codes lock the account; an office behind one address
    # keeps its 20 sign-ins per 5 minutes.
    enrolling = not user.totp_secret
    if enrolling:
        secret = request.session.get("staff_totp_pending") or ""
        result = enrol_totp(session, user, secret, code[:12])
    else:
        result = check_totp(session, user, code[:12])
    if isinstance(result, UserError):
        audit.record(session, user.username, "login_code_failed")
        return _code_page(request, user, 400, result.message(lang))
    request.session.clear()  # new session on privilege change: no fixation
    request.session["staff_id"] = user.id
    if enrolling:
        audit.record(session, user.username, "totp_enrolled")
    audit.record(session, user.username, "login")
    return RedirectResponse("/admin/", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    check_csrf(request, csrf)
    request.session.clear()  # deletes the session's row: the old cookie opens nothing
    return RedirectResponse("/admin/login", status_code=303)


@router.get("/password")
def password_page(request: Request, user: StaffUser = Depends(current_staff)):
    return render(request, "staff_password.html", error=None, done=False)


@router.post("/password")
def password_change(
    request: Request,
    current: str = Form(""),
    password: str = Form(""),
    confirm: str = Form(""),
    csrf: str = Form(""),
    user: StaffUser = Depends(current_staff),
    session: Session = DB,
):
    """A new password ends every session of the account; this browser gets a fresh one."""
    check_csrf(request, csrf)
    lang = language(request)
    if not login_limiter(request).allow(client_ip(request)):
        return render(request, "staff_password.html", 429,
                      error=text("web.login.rate_limited", lang), done=False)
    problem = None
    if authenticate(session, user.username, current) is not user:
        problem = UserError("core.staff.bad_password")
    elif password != confirm:
        problem = UserError("core.staff.password_mismatch")
    else:
        try:
            change_password(session, user, password)
        except UserError as err:
            problem = err
    if problem is not None:
        audit.record(session, user.username, "password_change_failed")
        return render(request, "staff_password.html", 400, error=problem.message(lang),
                      done=False)
    audit.record(session, user.username, "password_changed")
    request.session.clear()  # a new session id for the new password
    request.session["staff_id"] = user.id
    return render(request, "staff_password.html", error=None, done=True)


# Each area's entry page and the roles that may open it (administrators see every area).
AREAS = (
    ("/admin/registry/", "web.admin.area.registry",
     (Role.REVIEWER, Role.SUPERVISOR, Role.OPL)),
    ("/admin/sivei/", "web.admin.area.sivei", (Role.SUPERVISOR,)),
    ("/admin/count/", "web.admin.area.count", (Role.REVIEWER, Role.SUPERVISOR, Role.OPL)),
    ("/admin/cards/", "web.admin.area.cards",
     (Role.SECRETARIAT, Role.SUPERVISOR, Role.AGENT, Role.OUTREACH, Role.OPL)),
    ("/admin/service/", "web.admin.area.service",
     (Role.AGENT, Role.SUPERVISOR, Role.SECRETARIAT, Role.OUTREACH)),
    ("/admin/reports/", "web.admin.area.reports", (Role.SECRETARIAT, Role.OPL)),
    ("/admin/observacion/", "web.admin.area.observers",
     (Role.PARTY_REP, Role.CNV, Role.AUDITOR)),
    ("/admin/personal/", "web.admin.area.staff", ()),  # administrators only
    ("/admin/identidad/", "web.admin.area.identity", ()),  # administrators only
)


@router.get("/")
def home(request: Request, user: StaffUser = Depends(current_staff)):
    links = [{"href": href, "key": key} for href, key, roles in AREAS if user.has(*roles)]
    return render(request, "admin_home.html", user=user, admin_links=links)


ADMINISTER = require_roles()  # administrators only


@router.get("/personal/")
def staff_accounts(request: Request, user: StaffUser = Depends(ADMINISTER),
                   session: Session = DB):
    """Every staff account, its roles, a representative's party and whether its second
    factor is set up."""
    return _accounts_page(request, session)


def _accounts_page(request: Request, session: Session, code: int = 200,
                   **extra: object):
    accounts = list(session.scalars(select(StaffUser).order_by(StaffUser.username)))
    return render(request, "staff_accounts.html", code, accounts=accounts, parties=PARTIES,
                  party_rep=Role.PARTY_REP.value,
                  **{"done": request.query_params.get("hecho", ""),
                     "party_done": request.query_params.get("partido", ""),
                     "error": None, **extra})


@router.post("/personal/{account_id}/partido")
def staff_set_party(request: Request, account_id: int, party: str = Form(""),
                    csrf: str = Form(""), user: StaffUser = Depends(ADMINISTER),
                    session: Session = DB):
    """An administrator changes the party a representative's account speaks for."""
    check_csrf(request, csrf)
    account = session.get(StaffUser, account_id)
    if account is None:
        raise HTTPException(404, text("web.not_found", language(request)))
    try:
        set_party(session, account, party, user.username)
    except UserError as err:
        return _accounts_page(request, session, 422, error=err.message(language(request)))
    return RedirectResponse(f"/admin/personal/?partido={account.id}", status_code=303)


@router.post("/personal/{account_id}/segundo-factor")
def staff_reset_totp(request: Request, account_id: int, csrf: str = Form(""),
                     user: StaffUser = Depends(ADMINISTER), session: Session = DB):
    """An administrator's recovery for a lost phone: the account's key is erased and every
    session of it ends (this one too, if it is the administrator's own)."""
    check_csrf(request, csrf)
    account = session.get(StaffUser, account_id)
    if account is None:
        raise HTTPException(404, text("web.not_found", language(request)))
    reset_totp(session, account)
    audit.record(session, user.username, "totp_reset", account.username)
    if account.id == user.id:
        request.session.clear()
        return RedirectResponse("/admin/login", status_code=303)
    return RedirectResponse(f"/admin/personal/?hecho={account.id}", status_code=303)
