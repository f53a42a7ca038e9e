"""Voter accounts for internet voting: activation from the e-mailed link, second factor,
password, login with lockout, and the one-vote mark.

The account proves who may open the ballot pages and cast; it never holds the voting
credential's secret code, only the public credential it is bound to (a ballot is accepted from
a signed-in voter only when it is signed by that credential). The registry creates accounts
through the hand-over (vmre.voting.handover) and e-mails the credential code inside the link's
fragment (`#credencial=…`), which browsers do not send to servers; the voter's browser derives
the signing key from it.

Two link slots: the activation link of the credential mail (`activation_hash`) and a recovery
link (`recovery_hash`). Asking for a recovery link never voids the credential mail's link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from vmre.core import totp as totp_codes
from vmre.core.audit import utcnow
from vmre.core.config import public_url
from vmre.core.database import Base, UtcDateTime
from vmre.core.email import Mail, Mailer
from vmre.core.messages import UserError, text
from vmre.core.sessions import end_sessions, voter_subject
from vmre.voting.sms import SmsSender

MAX_FAILURES = 5  # wrong passwords/codes before a lock; wrong phone digits before a new link
LOCK_MINUTES = 15
ACTIVATION_DAYS = 7  # a recovery link
CREDENTIAL_LINK_DAYS = 60  # the link of the credential mail, sent weeks before the window
SMS_MINUTES = 10
TOTP_ISSUER = "VMRE"
_hasher = PasswordHasher()
COMMON_PASSWORDS = frozenset({
    "contraseña123", "contrasena123", "password1234", "123456789012", "qwertyuiopas",
    "mexico123456", "passwordpassword", "abcdefghijkl", "contraseñasegura", "111111111111"})


class VoterAccount(Base):
    __tablename__ = "voting_voters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(String(48), index=True)
    entity: Mapped[str] = mapped_column(String(8))
    username: Mapped[str] = mapped_column(String(254), unique=True)  # the e-mail, lower case
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="invited")  # invited | active
    activation_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    activation_expires: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    recovery_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    recovery_expires: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # the public credential (hex) the registry issued for this voter: the only one whose
    # ballots this account may cast
    credential_public: Mapped[str | None] = mapped_column(String(64))
    activation_failures: Mapped[int] = mapped_column(Integer, default=0)
    second_factor: Mapped[str | None] = mapped_column(String(8))  # totp | sms
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)  # no code used twice
    sms_code_hash: Mapped[str | None] = mapped_column(String(64))
    sms_code_expires: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    voted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    surveyed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # practice


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment and moment.tzinfo is None else moment


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


# -- enrolment and the activation link --------------------------------------------------------

def enrol(s: Session, election_id: str, entity: str, email: str, phone: str,
          credential_public: str | None = None) -> VoterAccount:
    """An internet voter on the registry's list, waiting for activation."""
    username = email.strip().lower()
    if s.scalar(select(VoterAccount).where(VoterAccount.username == username)):
        raise UserError("sivei.account.exists")
    if len(_digits(phone)) < 8:
        raise UserError("sivei.account.bad_phone")
    account = VoterAccount(election_id=election_id, entity=entity, username=username,
                           email=email.strip(), phone=phone.strip(),
                           credential_public=credential_public)
    s.add(account)
    s.flush()
    return account


def token_hash(token: str) -> str:
    """What the voting server keeps of a link token (SHA-256, hex)."""
    return _digest(token)


def new_token() -> tuple[str, str]:
    """A fresh single-use link token and its hash: the token goes only into the mail."""
    token = secrets.token_urlsafe(32)
    return token, _digest(token)


def set_activation(account: VoterAccount, hashed: str, now: dt.datetime | None = None,
                   days: int = CREDENTIAL_LINK_DAYS) -> None:
    """Arm the credential mail's link slot with a token hash (from the hand-over)."""
    account.activation_hash = hashed
    account.activation_expires = (now or utcnow()) + dt.timedelta(days=days)
    account.activation_failures = 0


def new_activation(account: VoterAccount, now: dt.datetime | None = None) -> str:
    """A fresh single-use link token in the credential link's slot (only its hash is kept)."""
    token, hashed = new_token()
    set_activation(account, hashed, now)
    return token


def activation_link(token: str, credential_secret: str | None = None) -> str:
    """The link of a mail, always under the configured public address (never the request's)."""
    link = f"{public_url()}/voto/activar/{token}"
    # the fragment stays in the voter's browser: the voting server never receives the code
    return f"{link}#credencial={credential_secret}" if credential_secret else link


def activation_mail(account: VoterAccount, link: str, lang: str = "es") -> Mail:
    return Mail(lang=lang, to=account.email, subject=text("sivei.mail.activation_subject", lang),
                text=text("sivei.mail.activation_body", lang, link=link))


def send_activation(mailer: Mailer, account: VoterAccount, token: str,
                    credential_secret: str | None = None, lang: str = "es") -> str:
    link = activation_link(token, credential_secret)
    mailer.send(activation_mail(account, link, lang))
    return link


def recovery_mail(account: VoterAccount, token: str, lang: str = "es") -> Mail:
    return Mail(lang=lang, to=account.email, subject=text("sivei.mail.recovery_subject", lang),
                text=text("sivei.mail.recovery_body", lang, link=activation_link(token)))


def by_token(s: Session, token: str, now: dt.datetime | None = None) -> VoterAccount:
    """The account whose credential link or recovery link this token is (if still valid)."""
    now = now or utcnow()
    hashed = _digest(token)
    account = s.scalar(select(VoterAccount).where(VoterAccount.activation_hash == hashed))
    if account is not None and _aware(account.activation_expires) >= now:
        return account
    account = s.scalar(select(VoterAccount).where(VoterAccount.recovery_hash == hashed))
    if account is not None and _aware(account.recovery_expires) >= now:
        return account
    raise UserError("sivei.activation.bad_link")


def link_valid(account: VoterAccount, hashed: str | None) -> bool:
    """Is `hashed` still one of the account's live link slots?"""
    return bool(hashed) and hashed in (account.activation_hash, account.recovery_hash)


def check_phone(account: VoterAccount, last_digits: str) -> bool:
    """Knowledge check: the last four digits of the registered phone. Too many misses void
    both links (the credential code stays valid and is also written in the credential mail;
    the voter asks for a new link through the recovery page)."""
    given = _digits(last_digits)
    ok = len(given) == 4 and hmac.compare_digest(given, _digits(account.phone)[-4:])
    if not ok:
        account.activation_failures += 1
        if account.activation_failures >= MAX_FAILURES:
            account.activation_hash = account.recovery_hash = None
    return ok


# -- second factor ----------------------------------------------------------------------------

def new_totp_secret() -> str:
    return totp_codes.new_secret()


def totp_uri(account: VoterAccount, secret: str) -> str:
    return totp_codes.provisioning_uri(secret, account.username, TOTP_ISSUER)


def qr_data_uri(uri: str) -> str:
    return totp_codes.qr_data_uri(uri)


def _totp_step(secret: str, code: str, at: float) -> int | None:
    """The time step (RFC 6238, 30 s) that `code` belongs to, one step of drift allowed."""
    return totp_codes.matching_step(secret, code, at)


def confirm_totp(account: VoterAccount, secret: str, code: str) -> bool:
    step = _totp_step(secret, code.strip(), time.time())
    if step is None:
        return False
    account.second_factor, account.totp_secret, account.totp_last_step = "totp", secret, step
    account.sms_code_hash = None
    return True


def send_sms_code(account: VoterAccount, sms: SmsSender, lang: str = "es",
                  now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    code = f"{secrets.randbelow(10**6):06d}"
    account.sms_code_hash = _digest(f"{account.id}:{code}")
    account.sms_code_expires = now + dt.timedelta(minutes=SMS_MINUTES)
    sms.send(account.phone, text("sivei.sms.code", lang, code=code, minutes=SMS_MINUTES))


def _check_sms(account: VoterAccount, code: str, now: dt.datetime) -> bool:
    if not account.sms_code_hash or _aware(account.sms_code_expires) < now:
        return False
    if not hmac.compare_digest(account.sms_code_hash, _digest(f"{account.id}:{code.strip()}")):
        return False
    account.sms_code_hash = None  # single use
    return True


def confirm_sms(account: VoterAccount, code: str, now: dt.datetime | None = None) -> bool:
    if not _check_sms(account, code, now or utcnow()):
        return False
    account.second_factor, account.totp_secret = "sms", None
    return True


# -- password ---------------------------------------------------------------------------------

def password_problem(password: str, username: str) -> str | None:
    """The catalogue key of what makes `password` weak, or None."""
    if len(password) < 12:
        return "sivei.password.too_short"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 5:
        return "sivei.password.common"
    local = username.split("@")[0].lower()
    if len(local) >= 4 and local in password.lower():
        return "sivei.password.contains_user"
    classes = sum(bool(re.search(p, password)) for p in (r"[a-zñ]", r"[A-ZÑ]", r"\d", r"[^\w]"))
    if classes < 3 and len(password) < 16:
        return "sivei.password.too_simple"
    return None


def _end_sessions(account: VoterAccount) -> None:
    """Sign the voter out everywhere (lockout, new password after activation or recovery)."""
    s = object_session(account)
    if s is not None and account.id is not None:
        end_sessions(s, voter_subject(account.id))


def set_password(account: VoterAccount, password: str) -> None:
    problem = password_problem(password, account.username)
    if problem:
        raise UserError(problem)
    if account.second_factor is None:
        raise UserError("sivei.activation.factor_first")
    account.password_hash = _hasher.hash(password)
    account.state = "active"
    account.activation_hash = account.recovery_hash = None  # links are single use
    account.failed_logins, account.locked_until = 0, None
    _end_sessions(account)  # a recovered account: whoever held a session is out


# -- login ------------------------------------------------------------------------------------

def check_password(account: VoterAccount, password: str) -> bool:
    try:
        return bool(account.password_hash) and _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def login_failed() -> UserError:
    """The one answer to every failed login: unknown user, inactive or locked account, wrong
    password or code. Nobody learns from it which accounts exist or are locked."""
    return UserError("sivei.login.failed", minutes=LOCK_MINUTES)


def _fail(account: VoterAccount, now: dt.datetime) -> UserError:
    account.failed_logins += 1
    if account.failed_logins >= MAX_FAILURES:
        account.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
        account.failed_logins = 0
        _end_sessions(account)
    return login_failed()


def locked(account: VoterAccount, now: dt.datetime) -> bool:
    until = _aware(account.locked_until)
    return until is not None and until > now


def find(s: Session, username: str) -> VoterAccount | None:
    return s.scalar(select(VoterAccount).where(VoterAccount.username == username.strip().lower()))


def password_step(s: Session, username: str, password: str,
                  now: dt.datetime | None = None) -> VoterAccount | UserError:
    """User and password only (to send an SMS code); failures count like full logins."""
    now = now or utcnow()
    account = find(s, username)
    if account is None or account.state != "active":
        _hasher.hash(password)  # same work either way: no account enumeration by timing
        return login_failed()
    right = check_password(account, password)  # computed even when locked: same timing
    if locked(account, now):
        return login_failed()  # the lock holds against the right password too
    if not right:
        return _fail(account, now)
    return account


def authenticate(s: Session, username: str, password: str, code: str,
                 now: dt.datetime | None = None) -> VoterAccount | UserError:
    """User + password + 6-digit code. Returns (not raises) the error so that the caller's
    transaction commits the failure count, which is what locks out guessing."""
    now = now or utcnow()
    result = password_step(s, username, password, now)
    if isinstance(result, UserError):
        return result
    account = result
    code = code.strip()
    if account.second_factor == "totp":
        step = _totp_step(account.totp_secret or "", code, now.timestamp())
        if step is None or step <= account.totp_last_step:
            return _fail(account, now)
        account.totp_last_step = step
    elif not _check_sms(account, code, now):
        return _fail(account, now)
    account.failed_logins, account.locked_until = 0, None
    return account


def mark_voted(s: Session, account_id: int, now: dt.datetime | None = None) -> None:
    account = s.get(VoterAccount, account_id)
    if account is not None and account.voted_at is None:
        account.voted_at = now or utcnow()


def recover(s: Session, email: str, now: dt.datetime | None = None
            ) -> tuple[VoterAccount, str] | None:
    """A recovery link for a locked-out or forgetful voter (phone check, new factor and new
    password follow). It has its own slot: the credential mail's link, the one that carries
    the code, stays valid. The current password keeps working until then, so that asking for
    a link in someone else's name cannot lock them out. None when no such voter: the page
    says the same either way."""
    account = find(s, email)
    if account is None:
        return None
    token, hashed = new_token()
    account.recovery_hash = hashed
    account.recovery_expires = (now or utcnow()) + dt.timedelta(days=ACTIVATION_DAYS)
    account.activation_failures = 0
    return account, token
