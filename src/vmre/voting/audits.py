"""Audits of the internet voting system before it is used (docs/ceremony.md).

The LGIPE's thirteenth transitory article lets internet voting be used only once the system
has been audited by at least two firms of international standing and the result has been made
public. Each audit is recorded here — firm, scope, dates, the SHA-256 of the opinion document
and the public link where the opinion was published — and `require` refuses to open an
election's window unless at least two published audits by distinct firms are on record.

The only way past the rule is a documented exemption, recorded on the election: `practice`
(the election is flagged as a practice election, vmre.voting.practice) or `simulacro` (a mock
election run with synthetic voters: `vmre simulacro`, `vmre sivei demo`, tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata

from sqlalchemy import Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core.audit import utcnow
from vmre.core.clock import people_date
from vmre.core.database import Base, UtcDateTime
from vmre.core.messages import UserError
from vmre.voting.models import Election

MIN_FIRMS = 2  # LGIPE, thirteenth transitory article
PRACTICE, SIMULACRO = "practice", "simulacro"
EXEMPTIONS = (PRACTICE, SIMULACRO)
_LINK = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class SystemAudit(Base):
    __tablename__ = "voting_system_audits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("voting_elections.id"), index=True)
    firm: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(Text)
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date] = mapped_column(Date)
    opinion_sha256: Mapped[str] = mapped_column(String(64))
    public_link: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


def firm_key(name: str) -> str:
    """Two records name the same firm when they differ only in case, accents, punctuation or
    spacing ("Deloitte", "DELOITTE, S.C." are not the same; "Auditora  Uno" and "auditora uno"
    are)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^\w]+", " ", plain).casefold().split())


def opinion_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _check_link(link: str) -> str:
    link = link.strip()
    if not _LINK.match(link) or len(link) > 500:
        raise UserError("voting.audits.bad_link", link=link[:80])
    return link


def add(s: Session, election_id: str, firm: str, scope: str, started_on: dt.date,
        ended_on: dt.date, opinion_sha256: str, public_link: str = "") -> SystemAudit:
    if s.get(Election, election_id) is None:
        raise UserError("voting.board.unknown_election", election=election_id)
    firm, scope = " ".join(firm.split()), scope.strip()
    if not firm_key(firm) or len(firm) > 200:
        raise UserError("voting.audits.no_firm")
    if not scope:
        raise UserError("voting.audits.no_scope")
    if ended_on < started_on:
        raise UserError("voting.audits.bad_dates", start=people_date(started_on),
                        end=people_date(ended_on))
    if not _SHA256.match(opinion_sha256):
        raise UserError("voting.audits.bad_digest")
    audit = SystemAudit(election_id=election_id, firm=firm, scope=scope, started_on=started_on,
                        ended_on=ended_on, opinion_sha256=opinion_sha256)
    if public_link:
        audit.public_link, audit.published_at = _check_link(public_link), utcnow()
    s.add(audit)
    s.flush()
    return audit


def publish(s: Session, election_id: str, audit_id: int, public_link: str) -> SystemAudit:
    audit = s.get(SystemAudit, audit_id)
    if audit is None or audit.election_id != election_id:
        raise UserError("voting.audits.unknown", audit=audit_id, election=election_id)
    audit.public_link, audit.published_at = _check_link(public_link), utcnow()
    return audit


def listed(s: Session, election_id: str) -> list[SystemAudit]:
    return list(s.scalars(select(SystemAudit).where(SystemAudit.election_id == election_id)
                          .order_by(SystemAudit.id)))


def published_firms(s: Session, election_id: str) -> set[str]:
    return {firm_key(a.firm) for a in listed(s, election_id) if a.public_link}


def require(s: Session, election: Election, exemption: str | None) -> None:
    """Refuse unless the rule holds or a documented exemption applies; the exemption used is
    recorded on the election (and shown wherever its audits are)."""
    if exemption:
        if exemption not in EXEMPTIONS:
            raise UserError("voting.audits.bad_exemption", exemption=exemption,
                            allowed=", ".join(EXEMPTIONS))
        if exemption == PRACTICE:
            from vmre.voting.practice import is_practice  # practice builds on the board

            if not is_practice(s, election.id):
                raise UserError("voting.audits.not_practice", election=election.id)
        election.audit_exemption = exemption
        return
    firms = published_firms(s, election.id)
    if len(firms) < MIN_FIRMS:
        raise UserError("voting.audits.missing", election=election.id, firms=len(firms),
                        needed=MIN_FIRMS)
    election.audit_exemption = ""
