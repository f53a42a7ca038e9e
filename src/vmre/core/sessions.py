"""Server-side web sessions: the cookie carries only a random id, the table keeps its hash.

A session is revocable because it lives on the server: signing out deletes its row, and
a lockout, a password change or an account recovery deletes every row of that account
(`end_sessions`). Lifetimes (docs/sivei.md §3, docs/registry.md §9):

- a voter's session ends 30 minutes after login (absolute);
- a staff member's session ends 8 hours after sign-in (absolute) or after 30 minutes
  without a request (idle);
- a session without anyone signed in (a form's CSRF token, an activation in progress)
  ends 2 hours after it began or after 30 minutes idle.

Expired rows are refused on read and deleted by `prune`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import String, Text, delete, or_
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime

VOTER_SECONDS = 30 * 60  # absolute, from login
STAFF_SECONDS = 8 * 60 * 60  # absolute, from sign-in
STAFF_IDLE_SECONDS = 30 * 60  # without a request
ANONYMOUS_SECONDS = 2 * 60 * 60
ANONYMOUS_IDLE_SECONDS = 30 * 60
TOUCH_SECONDS = 60  # last_seen is rewritten at most once a minute per session
# kind: (absolute lifetime, idle limit or None)
LIFETIMES: dict[str, tuple[int, int | None]] = {
    "voter": (VOTER_SECONDS, None),
    "staff": (STAFF_SECONDS, STAFF_IDLE_SECONDS),
    "anonymous": (ANONYMOUS_SECONDS, ANONYMOUS_IDLE_SECONDS),
}
MAX_DATA_CHARS = 16_000  # a session holds ids, a CSRF token and a receipt, never more


class WebSession(Base):
    __tablename__ = "core_web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the id
    kind: Mapped[str] = mapped_column(String(12))  # voter | staff | anonymous
    subject: Mapped[str | None] = mapped_column(String(40), index=True)  # voter:7, staff:2
    data: Mapped[str] = mapped_column(Text)  # JSON object
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)


@dataclass
class Loaded:
    id_hash: str
    subject: str | None
    data: dict
    stale: bool  # last_seen should be rewritten (idle limit)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def classify(data: dict) -> tuple[str, str | None]:
    """The kind and the subject a session's contents make it."""
    if data.get("staff_id") is not None:
        return "staff", f"staff:{data['staff_id']}"
    if data.get("voter_id") is not None:
        return "voter", f"voter:{data['voter_id']}"
    return "anonymous", None


def staff_subject(user_id: int) -> str:
    return f"staff:{user_id}"


def voter_subject(account_id: int) -> str:
    return f"voter:{account_id}"


def _live(row: WebSession, now: dt.datetime) -> bool:
    if _aware(row.expires_at) <= now:
        return False
    idle = LIFETIMES.get(row.kind, LIFETIMES["anonymous"])[1]
    return idle is None or now - _aware(row.last_seen) <= dt.timedelta(seconds=idle)


def load(s: Session, session_id: str, now: dt.datetime | None = None) -> Loaded | None:
    """The live session this cookie value names, or None (unknown, ended or expired)."""
    if not session_id or len(session_id) > 100:
        return None
    now = now or utcnow()
    row = s.get(WebSession, id_hash(session_id))
    if row is None:
        return None
    if not _live(row, now):
        s.delete(row)
        return None
    try:
        data = json.loads(row.data)
    except ValueError:
        data = {}
    stale = (LIFETIMES.get(row.kind, LIFETIMES["anonymous"])[1] is not None
             and now - _aware(row.last_seen) > dt.timedelta(seconds=TOUCH_SECONDS))
    return Loaded(row.id_hash, row.subject, data if isinstance(data, dict) else {}, stale)


def create(s: Session, data: dict, now: dt.datetime | None = None) -> str:
    """A new session holding `data`; returns the id for the cookie (only its hash is kept)."""
    now = now or utcnow()
    session_id = secrets.token_urlsafe(32)
    kind, subject = classify(data)
    s.add(WebSession(id_hash=id_hash(session_id), kind=kind, subject=subject,
                     data=_dump(data), created_at=now, last_seen=now,
                     expires_at=now + dt.timedelta(seconds=LIFETIMES[kind][0])))
    return session_id


def save(s: Session, hashed: str, data: dict, now: dt.datetime | None = None) -> None:
    """New contents for a live session (same holder: the kind and subject do not change)."""
    row = s.get(WebSession, hashed)
    if row is not None:
        row.data = _dump(data)
        row.last_seen = now or utcnow()


def touch(s: Session, hashed: str, now: dt.datetime | None = None) -> None:
    row = s.get(WebSession, hashed)
    if row is not None:
        row.last_seen = now or utcnow()


def end(s: Session, hashed: str) -> None:
    s.execute(delete(WebSession).where(WebSession.id_hash == hashed))


def end_sessions(s: Session, subject: str, keep: str | None = None) -> int:
    """End every session of one holder (all but `keep`, a session id hash); how many."""
    query = delete(WebSession).where(WebSession.subject == subject)
    if keep is not None:
        query = query.where(WebSession.id_hash != keep)
    return s.execute(query).rowcount or 0


def prune(s: Session, now: dt.datetime | None = None) -> int:
    """Delete the rows of every ended session (absolute lifetime or idle limit passed)."""
    now = now or utcnow()
    idle_staff = now - dt.timedelta(seconds=STAFF_IDLE_SECONDS)
    idle_anonymous = now - dt.timedelta(seconds=ANONYMOUS_IDLE_SECONDS)
    query = delete(WebSession).where(or_(
        WebSession.expires_at <= now,
        (WebSession.kind == "staff") & (WebSession.last_seen < idle_staff),
        (WebSession.kind == "anonymous") & (WebSession.last_seen < idle_anonymous)))
    return s.execute(query).rowcount or 0


def _dump(data: dict) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_DATA_CHARS:
        raise ValueError("session data too large")
    return text
