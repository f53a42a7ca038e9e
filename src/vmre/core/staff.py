"""Staff accounts and roles, with Argon2id password hashes."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime
from vmre.core.messages import UserError
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
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    def has(self, *roles: Role) -> bool:
        mine = set(self.roles.split(","))
        return Role.ADMINISTRATOR.value in mine or any(r.value in mine for r in roles)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    session: Session, username: str, password: str, roles: list[Role], entity: str | None = None
) -> StaffUser:
    if len(password) < 12:
        raise UserError("core.staff.weak_password")
    user = StaffUser(
        username=username,
        password_hash=hash_password(password),
        roles=",".join(r.value for r in roles),
        entity=entity,
    )
    session.add(user)
    session.flush()
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
