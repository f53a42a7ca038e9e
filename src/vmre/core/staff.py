"""Staff accounts and roles, with Argon2id password hashes."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core import audit, totp
from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime
from vmre.core.messages import UserError
from vmre.core.parties import party as known_party
from vmre.core.sessions import end_sessions, staff_subject

_hasher = PasswordHasher()


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    SUPERVISOR = "supervisor"
    REVIEWER = "reviewer"
    OPL = "opl"  # local electoral body: read-only
    AGENT = "agent"  # citizen service (INETEL)
    OUTREACH = "outreach"
    SECRETARIAT = "secretariat"
    # Observers, read-only (docs/registry.md §5.2): a political party's representative, the
    # National Surveillance Commission (CNV), an auditor of the system.
    PARTY_REP = "party_rep"
    CNV = "cnv"
    AUDITOR = "auditor"


OBSERVERS = (Role.PARTY_REP, Role.CNV, Role.AUDITOR)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(200))  # comma-separated Role values
    entity: Mapped[str | None] = mapped_column(String(40), nullable=True)  # OPL scope
    # A party representative speaks for one party (vmre.core.parties id); None for any
    # other account. Their observations are filed in this party's name, never a typed one.
    party: Mapped[str | None] = mapped_column(String(16), nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # The second factor (TOTP): None until enrolled at the first sign-in, and again after
    # an administrator resets it; the step of the last accepted code (no code used twice).
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def has(self, *roles: Role) -> bool:
        mine = set(self.roles.split(","))
        return Role.ADMINISTRATOR.value in mine or any(r.value in mine for r in roles)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def parse_roles(value: str) -> list[Role]:
    """Comma-separated role names, each one known (else the catalogue's message)."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    known = {role.value for role in Role}
    for name in names:
        if name not in known:
            raise UserError("core.staff.unknown_role", role=name[:40],
                            roles=", ".join(role.value for role in Role))
    if not names:
        raise UserError("core.staff.unknown_role", role="",
                        roles=", ".join(role.value for role in Role))
    return [Role(name) for name in names]


def party_for(roles: list[Role], party: str | None) -> str | None:
    """The party an account with these roles holds: required for a party representative
    (one of the parties the project knows), refused for any other account."""
    given = (party or "").strip()
    if Role.PARTY_REP not in roles:
        if given:
            raise UserError("core.staff.party_not_for_role", party=given[:40])
        return None
    if not given:
        raise UserError("core.staff.party_required")
    return known_party(given).id


def create_user(
    session: Session, username: str, password: str, roles: list[Role], entity: str | None = None,
    party: str | None = None,
) -> StaffUser:
    party = party_for(roles, party)
    if len(password) < 12:
        raise UserError("core.staff.weak_password")
    username = username.strip()
    if not username or len(username) > 80:
        raise UserError("core.staff.bad_username")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise UserError("core.staff.exists", username=username)
    user = StaffUser(
        username=username,
        password_hash=hash_password(password),
        roles=",".join(r.value for r in roles),
        entity=entity,
        party=party,
    )
    session.add(user)
    session.flush()
    return user


def roles_of(user: StaffUser) -> list[Role]:
    known = {role.value for role in Role}
    return [Role(name) for name in user.roles.split(",") if name in known]


def set_party(session: Session, user: StaffUser, party: str, actor: str) -> StaffUser:
    """An administrator changes the party a representative's account speaks for; logged."""
    new = party_for(roles_of(user), party)
    if new != user.party:
        audit.record(session, actor, "staff_party_set", user.username,
                     f"from={user.party or '-'} to={new}")
        user.party = new
    return user


MAX_FAILURES = 5
LOCK_MINUTES = 15


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str) -> StaffUser | UserError:
    """The user, or the error to show. It returns rather than raises the error so that the
    caller's transaction commits the failure count, which is what locks out guessing.

    Unknown user, locked account and wrong password give one answer, after the same work
    (one Argon2 computation): the page tells nobody which accounts exist or are locked.
    The lock holds even against the right password, and it ends the account's sessions."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    now = utcnow()
    if user is None:
        _hasher.hash(password)  # same work either way: no user enumeration by timing
        return UserError("core.staff.bad_login", minutes=LOCK_MINUTES)
    locked = user.locked_until
    right = _verify(user.password_hash, password)
    if locked is not None and locked.replace(tzinfo=dt.UTC) > now:
        return UserError("core.staff.bad_login", minutes=LOCK_MINUTES)
    if not right:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            end_sessions(session, staff_subject(user.id))
        return UserError("core.staff.bad_login", minutes=LOCK_MINUTES)
    user.failed_logins = 0
    user.locked_until = None
    return user


def change_password(session: Session, user: StaffUser, password: str,
                    keep: str | None = None) -> None:
    """A new password; every other session of the account ends (all but `keep`, the id hash
    of the session that made the change, if any). A lock is lifted."""
    if len(password) < 12:
        raise UserError("core.staff.weak_password")
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    end_sessions(session, staff_subject(user.id), keep=keep)


# -- second factor ------------------------------------------------------------------------


def totp_enrolled(user: StaffUser) -> bool:
    return bool(user.totp_secret)


def totp_uri(user: StaffUser, secret: str) -> str:
    return totp.provisioning_uri(secret, f"personal:{user.username}", totp.ISSUER)


def _code_fails(session: Session, user: StaffUser, now: dt.datetime) -> UserError:
    """A wrong code counts like a wrong password: five lock the account."""
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
        end_sessions(session, staff_subject(user.id))
    return UserError("core.staff.bad_code", minutes=LOCK_MINUTES)


def _locked(user: StaffUser, now: dt.datetime) -> bool:
    return user.locked_until is not None and user.locked_until.replace(tzinfo=dt.UTC) > now


def enrol_totp(session: Session, user: StaffUser, secret: str, code: str,
               now: dt.datetime | None = None) -> StaffUser | UserError:
    """First sign-in: the code from the app proves the secret was taken; it is then kept."""
    now = now or utcnow()
    if _locked(user, now):
        return UserError("core.staff.bad_code", minutes=LOCK_MINUTES)
    if user.totp_secret:
        return UserError("core.staff.totp_already")
    if len(secret) < 32:  # no key shown (the page was never opened): nothing to confirm
        return UserError("core.staff.bad_code", minutes=LOCK_MINUTES)
    step = totp.matching_step(secret, code, now.timestamp())
    if step is None:
        return _code_fails(session, user, now)
    user.totp_secret, user.totp_last_step = secret, step
    user.failed_logins, user.locked_until = 0, None
    return user


def check_totp(session: Session, user: StaffUser, code: str,
               now: dt.datetime | None = None) -> StaffUser | UserError:
    """Every later sign-in: a fresh code (never one already used). Returns the error rather
    than raising it so that the caller commits the failure count."""
    now = now or utcnow()
    if _locked(user, now) or not user.totp_secret:
        return UserError("core.staff.bad_code", minutes=LOCK_MINUTES)
    step = totp.matching_step(user.totp_secret, code, now.timestamp())
    if step is None or step <= user.totp_last_step:
        return _code_fails(session, user, now)
    user.totp_last_step = step
    user.failed_logins, user.locked_until = 0, None
    return user


def reset_totp(session: Session, user: StaffUser) -> None:
    """An administrator's recovery for a lost phone: the account enrols again at its next
    sign-in, and every open session of it ends now."""
    user.totp_secret, user.totp_last_step = None, 0
    end_sessions(session, staff_subject(user.id))


def find_user(session: Session, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise UserError("core.staff.unknown_user", username=username[:80])
    return user
