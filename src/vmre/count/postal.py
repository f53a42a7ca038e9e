"""The postal vote (docs/count.md §2): one voting modality per voter, packages with tracking
numbers, the courier's shipment events, returned envelopes and the legal deadline, and the
assignment of envelopes to counting tables.

Input shape for postal voters (the registry's postal list, docs/count.md §2.1): CSV with the
header `voter_id,entity,name,address,country`, address lines separated by " | ", or
`PostalVoter` objects passed to `register_postal_voter`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.core import audit
from vmre.core.entities import BY_ID as ENTITIES
from vmre.core.messages import UserError
from vmre.count.models import (
    INTERNET,
    POSTAL,
    Acta,
    CountingTable,
    CourierEvent,
    Package,
    PostalSettings,
    VoterModality,
)

CSV_COLUMNS = ("voter_id", "entity", "name", "address", "country")
EVENT_COLUMNS = ("tracking", "at", "status", "location")
EVENT_STATUSES = ("picked_up", "in_transit", "delivered", "returned", "exception")


@dataclass(frozen=True)
class PostalVoter:
    voter_id: str  # the registry's id of the voter on the postal list
    entity: str
    name: str
    address: tuple[str, ...]  # lines of the address abroad, as on the label
    country: str


def read_voters_csv(content: str) -> list[PostalVoter]:
    reader = csv.DictReader(io.StringIO(content))
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise UserError("count.postal.csv_header", expected=",".join(CSV_COLUMNS))
    voters = []
    for line, row in enumerate(reader, start=2):
        if row["entity"] not in ENTITIES or not row["voter_id"].strip():
            raise UserError("count.postal.csv_row", line=line)
        voters.append(PostalVoter(row["voter_id"].strip(), row["entity"], row["name"].strip(),
                                  tuple(p.strip() for p in row["address"].split("|")),
                                  row["country"].strip()))
    return voters


# -- one modality per voter -------------------------------------------------------------------

def _register(session: Session, election_id: str, voter_ref: str, entity: str,
              modality: str) -> VoterModality:
    existing = session.scalar(select(VoterModality).where(
        VoterModality.election_id == election_id, VoterModality.voter_ref == voter_ref))
    if existing is not None:
        if existing.modality == modality:
            raise UserError("count.postal.already_listed", modality=modality)
        raise UserError("count.postal.other_modality", modality=existing.modality)
    row = VoterModality(election_id=election_id, voter_ref=voter_ref, entity=entity,
                        modality=modality)
    session.add(row)
    session.flush()  # the unique key refuses a concurrent second modality here
    return row


def register_internet_voter(session: Session, election_id: str, voter_ref: str,
                            entity: str) -> None:
    """Called by whoever issues internet credentials, before issuing one."""
    _register(session, election_id, voter_ref, entity, INTERNET)


def exclusivity_conflicts(postal: Iterable[str], internet: Iterable[str]) -> set[str]:
    """Voter ids on both lists: must be empty before packages go out or credentials are sent."""
    return set(postal) & set(internet)


def check_internet_list(session: Session, election_id: str, internet: Iterable[str]) -> None:
    """Refuses an internet credential list holding any voter of the postal list."""
    postal = session.scalars(select(VoterModality.voter_ref).where(
        VoterModality.election_id == election_id, VoterModality.modality == POSTAL))
    conflicts = exclusivity_conflicts(postal, internet)
    if conflicts:
        raise UserError("count.postal.lists_overlap", count=len(conflicts))


def new_tracking(prefix: str, rng: random.Random | None = None) -> str:
    """A courier-style tracking number: prefix, 10 digits and a mod-10 check digit."""
    rng = rng or secrets.SystemRandom()
    digits = [rng.randrange(10) for _ in range(10)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return prefix + "".join(map(str, digits)) + str(check)


def register_postal_voter(session: Session, election_id: str, voter: PostalVoter,
                          rng: random.Random | None = None) -> Package:
    """Puts the voter on the postal list (refused if on the internet list) and prepares the
    package: outbound tracking number and the return envelope's tracking code."""
    if voter.entity not in ENTITIES:
        raise UserError("count.postal.unknown_entity", entity=voter.entity)
    _register(session, election_id, voter.voter_id, voter.entity, POSTAL)
    package = Package(election_id=election_id, voter_ref=voter.voter_id, entity=voter.entity,
                      name=voter.name, address="\n".join(voter.address), country=voter.country,
                      outbound_tracking=new_tracking("VMS", rng),
                      return_tracking=new_tracking("VMR", rng))
    session.add(package)
    session.flush()
    return package


def packages(session: Session, election_id: str, entity: str | None = None) -> list[Package]:
    query = select(Package).where(Package.election_id == election_id).order_by(Package.id)
    if entity:
        query = query.where(Package.entity == entity)
    return list(session.scalars(query))


def shipping_manifest_csv(session: Session, election_id: str) -> str:
    """The courier's manifest: one line per package (name and address go on the label)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["outbound_tracking", "return_tracking", "entity", "name", "address",
                     "country"])
    for p in packages(session, election_id):
        writer.writerow([p.outbound_tracking, p.return_tracking, p.entity, p.name,
                         p.address.replace("\n", " | "), p.country])
    return out.getvalue()


# -- courier events ------------------------------------------------------------------------

def read_events_csv(content: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(content))
    if tuple(reader.fieldnames or ())[:3] != EVENT_COLUMNS[:3]:
        raise UserError("count.courier.csv_header", expected=",".join(EVENT_COLUMNS))
    return [dict(row) for row in reader]


def _parse_time(value: object, line: int) -> dt.datetime:
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        try:
            stamp = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise UserError("count.courier.bad_event", line=line, field="at") from None
    if stamp.tzinfo is None:
        raise UserError("count.courier.bad_event", line=line, field="at")
    return stamp.astimezone(dt.UTC)


def import_events(session: Session, events: Iterable[Mapping], source: str) -> dict[str, int]:
    """Stores the courier's events (idempotent: a repeated event is skipped) and moves each
    package's status along. Returns counts: imported, duplicates, unknown (no such package)."""
    tally = {"imported": 0, "duplicates": 0, "unknown": 0}
    for line, event in enumerate(events, start=1):
        tracking = str(event.get("tracking", "")).strip()
        status = str(event.get("status", "")).strip()
        if status not in EVENT_STATUSES:
            raise UserError("count.courier.bad_event", line=line, field="status")
        at = _parse_time(event.get("at"), line)
        package = session.scalar(select(Package).where(
            (Package.outbound_tracking == tracking) | (Package.return_tracking == tracking)))
        if package is None:
            tally["unknown"] += 1
            continue
        seen = session.scalar(select(CourierEvent.id).where(
            CourierEvent.tracking == tracking, CourierEvent.at == at,
            CourierEvent.status == status))
        if seen is not None:
            tally["duplicates"] += 1
            continue
        session.add(CourierEvent(tracking=tracking, at=at, status=status,
                                 location=str(event.get("location") or "")[:120],
                                 source=source, package_id=package.id))
        if tracking == package.outbound_tracking and package.status in ("prepared", "shipped"):
            package.status = "delivered" if status == "delivered" else "shipped"
        tally["imported"] += 1
    session.flush()
    return tally


def events_of(session: Session, package: Package) -> list[CourierEvent]:
    return list(session.scalars(select(CourierEvent).where(
        CourierEvent.package_id == package.id).order_by(CourierEvent.at)))


# -- returns and the legal deadline ------------------------------------------------------------

def legal_deadline(election_day: dt.date, time_zone: str) -> dt.datetime:
    """24 hours before the polls open (08:00 local) on election day (LGIPE art. 345.1)."""
    opening = dt.datetime.combine(election_day, dt.time(8, 0), ZoneInfo(time_zone))
    return (opening - dt.timedelta(hours=24)).astimezone(dt.UTC)


def set_deadline(session: Session, election_id: str, deadline: dt.datetime) -> None:
    if deadline.tzinfo is None:
        raise UserError("count.postal.naive_deadline")
    row = session.get(PostalSettings, election_id)
    if row is None:
        session.add(PostalSettings(election_id=election_id, deadline=deadline))
    else:
        row.deadline = deadline
    session.flush()


def deadline_of(session: Session, election_id: str) -> dt.datetime:
    row = session.get(PostalSettings, election_id)
    if row is None:
        raise UserError("count.postal.no_deadline")
    return _aware(row.deadline)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def receive_envelope(session: Session, election_id: str, tracking: str,
                     received_at: dt.datetime, actor: str) -> Package:
    """Logs a returned envelope, scanned by its tracking code, with the date it arrived.
    After the deadline it is recorded as late and never counted (LGIPE art. 345.2)."""
    if received_at.tzinfo is None:
        raise UserError("count.postal.naive_deadline")
    package = session.scalar(select(Package).where(
        Package.election_id == election_id, Package.return_tracking == tracking.strip()))
    if package is None:
        raise UserError("count.postal.unknown_tracking", tracking=tracking)
    if package.received_at is not None:
        raise UserError("count.postal.already_received", tracking=tracking)
    package.received_at = received_at
    package.late = received_at > deadline_of(session, election_id)
    package.status = "late" if package.late else "received"
    audit.record(session, actor, "count.envelope_received", f"package {package.id}",
                 "late" if package.late else "on time")
    session.flush()
    return package


def return_summary(session: Session, election_id: str, entity: str) -> dict[str, int]:
    rows = session.execute(select(Package.status, func.count()).where(
        Package.election_id == election_id, Package.entity == entity).group_by(Package.status))
    out = {"prepared": 0, "shipped": 0, "delivered": 0, "received": 0, "late": 0}
    out.update({status: n for status, n in rows})
    out["sent"] = sum(out.values())
    return out


def assign_envelopes(session: Session, election_id: str, entity: str,
                     per_table: int = 1500) -> list[CountingTable]:
    """On-time envelopes not yet assigned go to counting tables of their entity, at most
    `per_table` each, opening new tables as needed. Late envelopes are never assigned, and a
    table whose count has begun (it has an acta) takes no more envelopes."""
    waiting = list(session.scalars(select(Package).where(
        Package.election_id == election_id, Package.entity == entity,
        Package.status == "received", Package.late.is_(False),
        Package.table_id.is_(None)).order_by(Package.id)))
    tables = list(session.scalars(select(CountingTable).where(
        CountingTable.election_id == election_id, CountingTable.entity == entity,
        CountingTable.kind == POSTAL).order_by(CountingTable.number)))
    for table in tables:
        started = session.scalar(select(Acta.id).where(Acta.table_id == table.id).limit(1))
        room = 0 if started is not None else per_table - envelopes_at(session, table.id)
        for package in waiting[:max(room, 0)]:
            package.table_id = table.id
        waiting = waiting[max(room, 0):]
    number = max((t.number for t in tables), default=0)
    while waiting:
        number += 1
        table = CountingTable(election_id=election_id, entity=entity, number=number, kind=POSTAL)
        session.add(table)
        session.flush()
        for package in waiting[:per_table]:
            package.table_id = table.id
        waiting = waiting[per_table:]
        tables.append(table)
    session.flush()
    return tables


def envelopes_at(session: Session, table_id: int) -> int:
    """On-time envelopes assigned to a table: the most ballots its acta may hold."""
    return session.scalar(select(func.count()).select_from(Package).where(
        Package.table_id == table_id, Package.late.is_(False))) or 0
