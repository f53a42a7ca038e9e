"""The postal vote (docs/count.md §2): the postal LNERE handed over by the registry, one
voting modality per voter, packages with tracking numbers, the courier's shipment events,
returned envelopes marked on the LNERE, the legal deadline and the late envelopes, and the
assignment of envelopes to counting tables.

Input: the registry's postal LNERE in the format `vmre/postal-lnere/v1` (JSON Lines,
docs/count.md §2.1), read by `read_lnere` and stored by `import_lnere`; or `PostalVoter`
objects passed to `register_postal_voter`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.core import audit, csvsafe, lnere_file
from vmre.core.entities import BY_ID as ENTITIES
from vmre.core.messages import UserError
from vmre.count.models import (
    INTERNET,
    POSTAL,
    Acta,
    CountingTable,
    CourierEvent,
    EnvelopeReturn,
    Package,
    PostalSettings,
    VoterModality,
)

EVENT_COLUMNS = ("tracking", "at", "status", "location")
EVENT_STATUSES = ("picked_up", "in_transit", "delivered", "returned", "exception")
MEXICO_CITY = "America/Mexico_City"
OTHER_MODALITY = "other_modality"  # package status and return outcome
# Outcomes of a returned envelope: the first two mark the voter on the LNERE.
MARKED = ("on_time", "late")
REFUSED = ("duplicate", "unknown", OTHER_MODALITY)


@dataclass(frozen=True)
class PostalVoter:
    voter_id: str  # the registry's id of the voter on the postal list (the folio)
    entity: str
    name: str
    address: tuple[str, ...]  # lines of the address abroad, as on the label
    country: str
    envelope: str | None = None  # the return-envelope code given by the registry
    line: int = 0  # line of the LNERE file it came from (0: not from a file)


# -- the postal LNERE (docs/count.md §2.1) -----------------------------------------------------

LNERE_FORMAT = "vmre/postal-lnere/v1"
LNERE_COLUMNS = ("address", "country", "country_name", "entity", "envelope", "folio",
                 "full_name")
_ENVELOPE = re.compile(r"VMR[0-9]{15}")
_COUNTRY = re.compile(r"[A-Z]{2}")

PostalLnere = lnere_file.LnereFile  # of PostalVoter


def check_digit(digits: str) -> str:
    """Mod-10 check digit, weights 1, 3, 1, 3, … from the left."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return str((10 - total % 10) % 10)


def valid_envelope(code: str) -> bool:
    return bool(_ENVELOPE.fullmatch(code)) and check_digit(code[3:-1]) == code[-1]


def _text(value: object, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= limit and value.isprintable()


def read_lnere(content: str | bytes) -> PostalLnere:
    """Reads and checks a whole postal LNERE file; refuses it at the first fault, naming the
    line and the column (never the value: it is personal data)."""
    return lnere_file.read(content, LNERE_FORMAT, LNERE_COLUMNS, _voter,
                           lambda v: (("folio", v.voter_id), ("envelope", v.envelope)),
                           "count.lnere")


def _voter(row: dict, line: int, entity: str | None) -> PostalVoter:
    address = row["address"]
    checks = {
        "folio": isinstance(row["folio"], str) and bool(lnere_file.FOLIO.fullmatch(row["folio"])),
        "entity": row["entity"] in ENTITIES and (entity is None or row["entity"] == entity)
        if isinstance(row["entity"], str) else False,
        "full_name": _text(row["full_name"], 200),
        "address": isinstance(address, list) and 1 <= len(address) <= 6
        and all(_text(a, 200) for a in address),
        "country": isinstance(row["country"], str) and bool(_COUNTRY.fullmatch(row["country"]))
        and row["country"] != "MX",
        "country_name": _text(row["country_name"], 80),
        "envelope": isinstance(row["envelope"], str) and valid_envelope(row["envelope"]),
    }
    for column in LNERE_COLUMNS:
        if not checks[column]:
            raise UserError("count.lnere.bad_value", line=line, column=column)
    return PostalVoter(row["folio"], row["entity"], " ".join(row["full_name"].split()),
                       tuple(" ".join(a.split()) for a in address),
                       " ".join(row["country_name"].split()), row["envelope"], line)


@dataclass
class LnereImport:
    packages: list[Package]  # new packages, to print
    other_modality: list[PostalVoter]  # on the list but internet voters: no package, listed
    already: int  # voters of an earlier import of the same list, skipped


def import_lnere(session: Session, election_id: str, lnere: PostalLnere,
                 rng: random.Random | None = None) -> LnereImport:
    """Stores the postal LNERE: a package per voter. A voter already imported with the same
    envelope is skipped (the same list handed over again, or per entity and then whole); a
    voter the count knows as an internet voter gets no package and is listed. Any other
    conflict refuses the whole file."""
    if lnere.election_id != election_id:
        raise UserError("count.lnere.other_election", found=lnere.election_id,
                        expected=election_id)
    outcome = LnereImport([], [], 0)
    # What the count already holds, read once: a list of many thousands is one pass.
    modalities = dict(session.execute(select(VoterModality.voter_ref, VoterModality.modality)
                                      .where(VoterModality.election_id == election_id)).all())
    mine = {p.voter_ref: p for p in session.scalars(select(Package).where(
        Package.election_id == election_id))}
    codes = [v.envelope for v in lnere.voters]
    taken = set()
    for start in range(0, len(codes), 1000):
        taken.update(session.scalars(select(Package.return_tracking).where(
            Package.return_tracking.in_(codes[start:start + 1000]))))
    for voter in lnere.voters:
        known = mine.get(voter.voter_id)
        if known is not None and known.return_tracking == voter.envelope:
            if known.status == OTHER_MODALITY:
                outcome.other_modality.append(voter)
            else:
                outcome.already += 1
            continue
        if known is not None:
            raise UserError("count.lnere.envelope_changed", line=voter.line)
        if voter.envelope in taken:
            raise UserError("count.lnere.envelope_taken", line=voter.line)
        if modalities.get(voter.voter_id) == INTERNET:
            _package(session, election_id, voter, rng, OTHER_MODALITY)
            outcome.other_modality.append(voter)
            continue
        outcome.packages.append(register_postal_voter(session, election_id, voter, rng))
    audit.record(session, "count", "count.lnere_imported", election_id,
                 f"entity={lnere.entity or 'all'} addendum={int(lnere.addendum)} "
                 f"packages={len(outcome.packages)} other_modality={len(outcome.other_modality)} "
                 f"already={outcome.already}")
    return outcome


# -- the internet LNERE (docs/count.md §2.2) ---------------------------------------------------

INTERNET_LNERE_FORMAT = "vmre/internet-lnere/v1"
INTERNET_LNERE_COLUMNS = ("entity", "folio")
WITHDRAWN = "withdrawn"  # a postal voter found on the internet LNERE before their envelope came
KEPT_POSTAL = "kept_postal"  # … after it came: counted once, by post


@dataclass(frozen=True)
class InternetVoter:
    voter_id: str  # the folio
    entity: str
    line: int = 0


def _internet_voter(row: dict, line: int, entity: str | None) -> InternetVoter:
    checks = {
        "folio": isinstance(row["folio"], str) and bool(lnere_file.FOLIO.fullmatch(row["folio"])),
        "entity": isinstance(row["entity"], str) and row["entity"] in ENTITIES
        and (entity is None or row["entity"] == entity),
    }
    for column in INTERNET_LNERE_COLUMNS:
        if not checks[column]:
            raise UserError("count.internet_lnere.bad_value", line=line, column=column)
    return InternetVoter(row["folio"], row["entity"], line)


def read_internet_lnere(content: str | bytes) -> lnere_file.LnereFile[InternetVoter]:
    """Reads and checks a whole internet LNERE file (the same envelope and refusals as the
    postal LNERE, under `count.internet_lnere.*`)."""
    return lnere_file.read(content, INTERNET_LNERE_FORMAT, INTERNET_LNERE_COLUMNS,
                           _internet_voter, lambda v: (("folio", v.voter_id),),
                           "count.internet_lnere")


@dataclass
class InternetImport:
    marked: int  # voters now known to the count as internet voters
    already: int  # internet voters of an earlier import, skipped
    postal: list[tuple[InternetVoter, str]]  # voters on the postal list: WITHDRAWN or KEPT_POSTAL


def import_internet_lnere(session: Session, election_id: str,
                          lnere: lnere_file.LnereFile[InternetVoter]) -> InternetImport:
    """Marks every voter of the internet LNERE as an internet voter of the count, so a postal
    envelope of theirs is refused (`other_modality`) and a later postal LNERE gives them no
    package. A voter the count already holds as postal is listed: if their envelope has not
    come back, their package is withdrawn (status `other_modality`) and they become an
    internet voter; if it has, they stay postal (their vote was received and is counted
    once, by post)."""
    if lnere.election_id != election_id:
        raise UserError("count.internet_lnere.other_election", found=lnere.election_id,
                        expected=election_id)
    modalities = dict(session.execute(select(VoterModality.voter_ref, VoterModality.modality)
                                      .where(VoterModality.election_id == election_id)).all())
    outcome = InternetImport(0, 0, [])
    for voter in lnere.voters:
        known = modalities.get(voter.voter_id)
        if known == INTERNET:
            outcome.already += 1
            continue
        if known is None:
            session.add(VoterModality(election_id=election_id, voter_ref=voter.voter_id,
                                      entity=voter.entity, modality=INTERNET))
            modalities[voter.voter_id] = INTERNET
            outcome.marked += 1
            continue
        package = session.scalar(select(Package).where(
            Package.election_id == election_id, Package.voter_ref == voter.voter_id))
        if package is not None and package.received_at is not None:
            outcome.postal.append((voter, KEPT_POSTAL))
            continue
        row = session.scalar(select(VoterModality).where(
            VoterModality.election_id == election_id,
            VoterModality.voter_ref == voter.voter_id))
        row.modality = INTERNET
        modalities[voter.voter_id] = INTERNET
        if package is not None:
            package.status = OTHER_MODALITY
        outcome.postal.append((voter, WITHDRAWN))
        outcome.marked += 1
    session.flush()  # the unique key refuses a concurrent second modality here
    withdrawn = sum(1 for _v, what in outcome.postal if what == WITHDRAWN)
    audit.record(session, "count", "count.internet_lnere_imported", election_id,
                 f"entity={lnere.entity or 'all'} addendum={int(lnere.addendum)} "
                 f"marked={outcome.marked} already={outcome.already} withdrawn={withdrawn} "
                 f"kept_postal={len(outcome.postal) - withdrawn}")
    return outcome


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
    package: outbound tracking number and the return envelope's code (the registry's, when
    the voter came from the postal LNERE)."""
    if voter.entity not in ENTITIES:
        raise UserError("count.postal.unknown_entity", entity=voter.entity)
    _register(session, election_id, voter.voter_id, voter.entity, POSTAL)
    return _package(session, election_id, voter, rng, "prepared")


def _package(session: Session, election_id: str, voter: PostalVoter,
             rng: random.Random | None, status: str) -> Package:
    package = Package(election_id=election_id, voter_ref=voter.voter_id, entity=voter.entity,
                      name=voter.name, address="\n".join(voter.address), country=voter.country,
                      outbound_tracking=new_tracking("VMS", rng),
                      return_tracking=voter.envelope or new_tracking("VMR", rng), status=status)
    session.add(package)
    session.flush()
    return package


def packages(session: Session, election_id: str, entity: str | None = None) -> list[Package]:
    """The packages to print and send: every voter of the postal LNERE but those who vote by
    internet."""
    query = select(Package).where(Package.election_id == election_id,
                                  Package.status != OTHER_MODALITY).order_by(Package.id)
    if entity:
        query = query.where(Package.entity == entity)
    return list(session.scalars(query))


def shipping_manifest_csv(session: Session, election_id: str) -> str:
    """The courier's manifest: one line per package (name and address go on the label)."""
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\n")  # names and addresses are citizens'
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

def legal_deadline(election_day: dt.date, time_zone: str = MEXICO_CITY) -> dt.datetime:
    """24 hours before the polls open (08:00) on election day (LGIPE art. 345.1): 08:00 of the
    day before, on Mexico City's clock, where the institute receives the envelopes."""
    opening = dt.datetime.combine(election_day, dt.time(8, 0), ZoneInfo(time_zone))
    return (opening - dt.timedelta(hours=24)).astimezone(dt.UTC)


def set_deadline(session: Session, election_id: str, deadline: dt.datetime) -> None:
    if deadline.tzinfo is None:
        raise UserError("count.postal.naive_deadline")
    deadline = deadline.astimezone(dt.UTC)  # SQLite keeps no offset
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


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored moment with its zone (SQLite drops it; every moment is stored in UTC)."""
    return _aware(value)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def record_return(session: Session, election_id: str, envelope: str,
                  received_at: dt.datetime, actor: str) -> EnvelopeReturn:
    """Logs a returned envelope, scanned by its code, with the moment it arrived, and marks its
    voter on the LNERE: on time (to be counted) or late (never counted, LGIPE art. 345.2).
    Refused and listed, the voter's mark unchanged: a code on no voter of the LNERE
    (`unknown`), a second envelope of a marked voter (`duplicate`), and an envelope of a voter
    who votes by internet (`other_modality`): each voter is counted once, by one modality."""
    if received_at.tzinfo is None:
        raise UserError("count.postal.naive_deadline")
    code = envelope.strip().upper()[:40]
    deadline = deadline_of(session, election_id)
    package = session.scalar(select(Package).where(
        Package.election_id == election_id, Package.return_tracking == code))
    if package is None:
        outcome = "unknown"
    elif package.status == OTHER_MODALITY or session.scalar(select(VoterModality.modality).where(
            VoterModality.election_id == election_id,
            VoterModality.voter_ref == package.voter_ref)) != POSTAL:
        outcome = OTHER_MODALITY
    elif package.received_at is not None:
        outcome = "duplicate"
    else:
        package.received_at = received_at.astimezone(dt.UTC)  # SQLite keeps no offset
        package.late = received_at > deadline
        package.status = "late" if package.late else "received"
        outcome = "late" if package.late else "on_time"
    row = EnvelopeReturn(election_id=election_id, envelope=code,
                         received_at=received_at.astimezone(dt.UTC), outcome=outcome,
                         package_id=package.id if package else None, operator=actor[:120])
    session.add(row)
    subject = f"package {package.id}" if package else "envelope"
    if outcome in MARKED:
        audit.record(session, actor, "count.envelope_received", subject,
                     "late" if outcome == "late" else "on time")
    else:
        audit.record(session, actor, "count.envelope_refused", subject, outcome)
    session.flush()
    return row


def receive_envelope(session: Session, election_id: str, tracking: str,
                     received_at: dt.datetime, actor: str) -> Package:
    """`record_return` for one envelope that must be accepted: a refusal raises (and, the
    transaction rolled back, is not kept)."""
    row = record_return(session, election_id, tracking, received_at, actor)
    if row.outcome == "unknown":
        raise UserError("count.postal.unknown_tracking", tracking=row.envelope)
    if row.outcome == "duplicate":
        raise UserError("count.postal.already_received", tracking=row.envelope)
    if row.outcome == OTHER_MODALITY:
        raise UserError("count.postal.other_modality", modality=INTERNET)
    return session.get(Package, row.package_id)


RETURN_COLUMNS = ("envelope", "received_at")


def read_returns_csv(content: str | bytes) -> list[tuple[int, str, dt.datetime]]:
    """The reception desk's scans: CSV with exactly the header `envelope,received_at`
    (`received_at` ISO 8601 with a time zone). Returns (line, code, moment) per scan."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as err:
            raise UserError("count.returns.bad_file",
                            line=content[:err.start].count(b"\n") + 1) from None
    rows = csv.reader(io.StringIO(content.removeprefix("\ufeff")))
    try:
        header = next(rows, None)
        if header is None or tuple(h.strip() for h in header) != RETURN_COLUMNS:
            raise UserError("count.returns.header", expected=",".join(RETURN_COLUMNS))
        scans = []
        for row in rows:
            line = rows.line_num
            if not row:
                continue
            if len(row) != len(RETURN_COLUMNS):
                raise UserError("count.returns.row_length", line=line, found=len(row),
                                expected=len(RETURN_COLUMNS))
            code = row[0].strip().upper()
            if not re.fullmatch(r"VMR[0-9]{11,20}", code):
                raise UserError("count.returns.bad_value", line=line, column="envelope")
            try:
                moment = dt.datetime.fromisoformat(row[1].strip())
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                raise UserError("count.returns.bad_value", line=line, column="received_at")
            scans.append((line, code, moment))
    except csv.Error:
        raise UserError("count.returns.bad_file", line=rows.line_num) from None
    return scans


def return_summary(session: Session, election_id: str, entity: str) -> dict[str, int]:
    rows = session.execute(select(Package.status, func.count()).where(
        Package.election_id == election_id, Package.entity == entity,
        Package.status != OTHER_MODALITY).group_by(Package.status))
    out = {"prepared": 0, "shipped": 0, "delivered": 0, "received": 0, "late": 0}
    out.update({status: n for status, n in rows})
    out["sent"] = sum(out.values())
    return out


def lnere_marks(session: Session, election_id: str, entity: str | None = None) -> list[dict]:
    """The postal LNERE as the count holds it, with each voter's return mark: `on_time`,
    `late`, `not_returned` or `other_modality` (no package: votes by internet)."""
    query = select(Package).where(Package.election_id == election_id).order_by(
        Package.entity, Package.voter_ref)
    if entity:
        query = query.where(Package.entity == entity)
    out = []
    for p in session.scalars(query):
        mark = OTHER_MODALITY if p.status == OTHER_MODALITY else \
            ("late" if p.late else "on_time") if p.received_at is not None else "not_returned"
        out.append({"folio": p.voter_ref, "entity": p.entity, "envelope": p.return_tracking,
                    "mark": mark,
                    "received_at": _aware(p.received_at) if p.received_at else None})
    return out


def refused_returns(session: Session, election_id: str) -> list[EnvelopeReturn]:
    return list(session.scalars(select(EnvelopeReturn).where(
        EnvelopeReturn.election_id == election_id, EnvelopeReturn.outcome.in_(REFUSED))
        .order_by(EnvelopeReturn.id)))


def late_envelopes(session: Session, election_id: str,
                   entity: str | None = None) -> list[Package]:
    """Envelopes received after the deadline: never opened nor counted, listed for the acta of
    their destruction (LGIPE art. 345.2)."""
    query = select(Package).where(Package.election_id == election_id, Package.late.is_(True),
                                  Package.received_at.is_not(None))
    if entity:
        query = query.where(Package.entity == entity)
    return list(session.scalars(query.order_by(Package.entity, Package.received_at,
                                               Package.id)))


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
