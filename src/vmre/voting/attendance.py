"""Who was there at the opening and the closing ceremonies (docs/ceremony.md, "Who was
there"): each custodian present or absent, the staff who ran the ceremony, the political
parties' representatives and the Oficialía Electoral officer who attested it. Each act names
them with a signature line for each person present. Recorded once per act: the record is
fixed, as the act that prints it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime
from vmre.core.messages import UserError
from vmre.voting.models import Election

ACTS = ("inicio", "cierre")
CUSTODIAN, STAFF, PARTY, OFICIALIA = "custodian", "staff", "party", "oficialia"
ROLES = (CUSTODIAN, STAFF, PARTY, OFICIALIA)  # the order the acts list them in


class Attendee(Base):
    __tablename__ = "voting_ceremony_attendance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("voting_elections.id"), index=True)
    act: Mapped[str] = mapped_column(String(8))  # inicio or cierre
    role: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(160))
    represents: Mapped[str] = mapped_column(String(80), default="")  # party, or custodian no.
    present: Mapped[bool] = mapped_column(default=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


@dataclass(frozen=True)
class Person:
    role: str
    name: str
    represents: str = ""
    present: bool = True


def _name(value: str) -> str:
    name = " ".join(value.split())
    if not name or len(name) > 160:
        raise UserError("voting.attendance.bad_name", value=value[:40])
    return name


def _pair(value: str) -> tuple[str, str]:
    left, sep, right = value.partition("=")
    if not sep or not left.strip():
        raise UserError("voting.attendance.bad_pair", value=value[:60])
    return left.strip(), _name(right)


def people(custodians_present: list[str], custodians_absent: list[str], staff: list[str],
           parties: list[str], oficialia: list[str]) -> list[Person]:
    """From the command line's "N=Name", "PARTY=Name" and "Name" values."""
    found = [Person(CUSTODIAN, name, number, True)
             for number, name in map(_pair, custodians_present)]
    found += [Person(CUSTODIAN, name, number, False)
              for number, name in map(_pair, custodians_absent)]
    found += [Person(STAFF, _name(n)) for n in staff]
    found += [Person(PARTY, name, party.upper()) for party, name in map(_pair, parties)]
    found += [Person(OFICIALIA, _name(n)) for n in oficialia]
    return found


def record(s: Session, election_id: str, act: str, attendees: list[Person]) -> list[Attendee]:
    """Each custodian 1..n exactly once (present or absent), at least one staff member who ran
    the ceremony and the Oficialía Electoral officer who attested it; once per act."""
    if act not in ACTS:
        raise UserError("voting.attendance.bad_act", act=act)
    election = s.get(Election, election_id)
    if election is None:
        raise UserError("voting.board.unknown_election", election=election_id)
    if listed(s, election_id, act):
        raise UserError("voting.attendance.fixed", act=act, election=election_id)
    n = json.loads(election.context)["custodians"]
    numbers = [p.represents for p in attendees if p.role == CUSTODIAN]
    expected = [str(i) for i in range(1, n + 1)]
    if sorted(numbers, key=lambda v: (len(v), v)) != expected:
        raise UserError("voting.attendance.custodians", n=n, given=", ".join(numbers) or "-")
    if not any(p.role == STAFF for p in attendees):
        raise UserError("voting.attendance.no_staff")
    if not any(p.role == OFICIALIA for p in attendees):
        raise UserError("voting.attendance.no_oficialia")
    rows = [Attendee(election_id=election_id, act=act, role=p.role, name=p.name,
                     represents=p.represents, present=p.present) for p in attendees]
    s.add_all(rows)
    s.flush()
    return rows


def listed(s: Session, election_id: str, act: str) -> list[Attendee]:
    rows = list(s.scalars(select(Attendee).where(Attendee.election_id == election_id,
                                                 Attendee.act == act)))
    return sorted(rows, key=lambda a: (ROLES.index(a.role), len(a.represents), a.represents,
                                       a.id))


def as_dicts(rows: list[Attendee]) -> list[dict]:
    return [{"role": a.role, "name": a.name, "represents": a.represents, "present": a.present}
            for a in rows]


def digest(rows: list[Attendee]) -> str:
    """What the act prints of them: part of the key its stored PDF is kept under."""
    return hashlib.sha256(json.dumps(as_dicts(rows), sort_keys=True).encode()).hexdigest()
