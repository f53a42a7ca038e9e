"""The LNERE between its closing and the election, as the law has it (docs/registry.md §5.1):
the observations the political parties and the National Surveillance Commission (CNV) file
on the list, each answered with an outcome; the declaration that an entity's list is valid
and definitive, refused while any observation on it is unanswered; and the two files handed
to the in-country list: the temporary removal of those on the LNERE (so nobody is on two
lists) and, once the election is over, their restoration."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import IO

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core import audit, clock, csvsafe
from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime
from vmre.core.messages import UserError
from vmre.registry.models import Closure, Request, Status
from vmre.registry.service import get_process

FILERS = ("party", "cnv")  # a political party's representation, or the CNV itself
OUTCOMES = ("upheld", "partly_upheld", "dismissed")  # procedente, parcialmente, improcedente
REMOVAL, RESTORATION = "removal", "restoration"
IN_COUNTRY_COLUMNS = ("elector_key", "entity_id", "folio", "movement")
MOVEMENTS = {REMOVAL: "baja_temporal", RESTORATION: "reincorporacion"}


class Observation(Base):
    __tablename__ = "registry_list_observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("registry_processes.id"), index=True)
    entity_id: Mapped[str] = mapped_column(String(8))
    filer_kind: Mapped[str] = mapped_column(String(8))  # party or cnv
    filer: Mapped[str] = mapped_column(String(120))  # e.g. the party's acronym
    filed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    filed_by: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(16), default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    answered_by: Mapped[str] = mapped_column(String(120), default="")


class ValidityDeclaration(Base):
    __tablename__ = "registry_list_validity"
    __table_args__ = (UniqueConstraint("election_id", "entity_id",
                                       name="uq_registry_list_validity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("registry_processes.id"))
    entity_id: Mapped[str] = mapped_column(String(8))
    agreement: Mapped[str] = mapped_column(String(120))  # e.g. the General Council's
    election_day: Mapped[dt.date] = mapped_column(Date)
    included: Mapped[int] = mapped_column(Integer)
    declared_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    declared_by: Mapped[str] = mapped_column(String(120))


class InCountryExport(Base):
    __tablename__ = "registry_in_country_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("registry_processes.id"))
    entity_id: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(12))  # removal or restoration
    rows: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    made_by: Mapped[str] = mapped_column(String(120))


def _entity(session: Session, election_id: str, entity_id: str) -> str:
    entity_id = entity_id.strip().upper()
    if entity_id not in get_process(session, election_id).entity_ids():
        raise UserError("registry.list.unknown_entity", entity=entity_id)
    return entity_id


def _open_lists(session: Session, election_id: str, entity_id: str) -> list[str]:
    process = get_process(session, election_id)
    closed = set(session.scalars(select(Closure.modality).where(
        Closure.election_id == election_id, Closure.entity_id == entity_id)))
    return [m for m in process.modality_list() if m not in closed]


def declaration(session: Session, election_id: str, entity_id: str
                ) -> ValidityDeclaration | None:
    return session.scalar(select(ValidityDeclaration).where(
        ValidityDeclaration.election_id == election_id,
        ValidityDeclaration.entity_id == entity_id))


# -- observations ---------------------------------------------------------------------------
def file_observation(session: Session, election_id: str, entity_id: str, filer_kind: str,
                     filer: str, subject: str, actor: str) -> Observation:
    """An observation on an entity's closed list, before it is declared valid."""
    entity_id = _entity(session, election_id, entity_id)
    if filer_kind not in FILERS:
        raise UserError("registry.lnere.bad_filer", kind=filer_kind, allowed=", ".join(FILERS))
    filer, subject = " ".join(filer.split())[:120], subject.strip()
    if not filer or not subject:
        raise UserError("registry.lnere.observation_empty")
    open_lists = _open_lists(session, election_id, entity_id)
    if open_lists:
        raise UserError("registry.lnere.lists_open", entity=entity_id,
                        modalities=", ".join(open_lists))
    if declaration(session, election_id, entity_id) is not None:
        raise UserError("registry.lnere.already_valid", entity=entity_id)
    row = Observation(election_id=election_id, entity_id=entity_id, filer_kind=filer_kind,
                      filer=filer, subject=subject, filed_by=actor[:120])
    session.add(row)
    session.flush()
    audit.record(session, actor, "registry.observation_filed", f"{election_id}/{entity_id}",
                 f"id={row.id} filer={filer_kind}")  # the filer may name a person
    return row


def answer_observation(session: Session, election_id: str, observation_id: int, answer: str,
                       outcome: str, actor: str) -> Observation:
    row = session.get(Observation, observation_id)
    if row is None or row.election_id != election_id:
        raise UserError("registry.lnere.unknown_observation", id=observation_id)
    if outcome not in OUTCOMES:
        raise UserError("registry.lnere.bad_outcome", outcome=outcome,
                        allowed=", ".join(OUTCOMES))
    if not answer.strip():
        raise UserError("registry.lnere.observation_empty")
    if row.answered_at is not None:
        raise UserError("registry.lnere.already_answered", id=observation_id)
    row.answer, row.outcome = answer.strip(), outcome
    row.answered_at, row.answered_by = utcnow(), actor[:120]
    audit.record(session, actor, "registry.observation_answered",
                 f"{election_id}/{row.entity_id}", f"id={row.id} outcome={outcome}")
    return row


def observations(session: Session, election_id: str, entity_id: str | None = None
                 ) -> list[Observation]:
    query = select(Observation).where(Observation.election_id == election_id)
    if entity_id:
        query = query.where(Observation.entity_id == entity_id.upper())
    return list(session.scalars(query.order_by(Observation.id)))


# -- validity --------------------------------------------------------------------------------
def declare_valid(session: Session, election_id: str, entity_id: str, agreement: str,
                  election_day: dt.date, actor: str) -> ValidityDeclaration:
    """Declare an entity's LNERE valid and definitive: every list of the entity closed, every
    observation on it answered."""
    entity_id = _entity(session, election_id, entity_id)
    agreement = " ".join(agreement.split())
    if not agreement:
        raise UserError("registry.lnere.no_agreement")
    open_lists = _open_lists(session, election_id, entity_id)
    if open_lists:
        raise UserError("registry.lnere.lists_open", entity=entity_id,
                        modalities=", ".join(open_lists))
    pending = [o.id for o in observations(session, election_id, entity_id)
               if o.answered_at is None]
    if pending:
        raise UserError("registry.lnere.unanswered", entity=entity_id,
                        ids=", ".join(map(str, pending)))
    if declaration(session, election_id, entity_id) is not None:
        raise UserError("registry.lnere.already_valid", entity=entity_id)
    included = session.scalar(select(func.count()).select_from(Request).where(
        Request.election_id == election_id, Request.entity_id == entity_id,
        Request.status == Status.INCLUDED.value)) or 0
    row = ValidityDeclaration(election_id=election_id, entity_id=entity_id,
                              agreement=agreement[:120], election_day=election_day,
                              included=included, declared_by=actor[:120])
    session.add(row)
    session.flush()
    audit.record(session, actor, "registry.list_declared_valid", f"{election_id}/{entity_id}",
                 f"agreement={row.agreement} included={included}")
    return row


# -- the files for the in-country list -------------------------------------------------------
def export_in_country(session: Session, election_id: str, entity_id: str, kind: str,
                      out: IO[str], actor: str, today: dt.date | None = None) -> int:
    """The temporary removal of an entity's LNERE from the in-country list (once the LNERE is
    declared valid), or their restoration (after the election day, and only once the removal
    was handed over). One row per voter: elector key, entity, folio, movement."""
    entity_id = _entity(session, election_id, entity_id)
    if kind not in MOVEMENTS:
        raise UserError("registry.lnere.bad_movement", kind=kind)
    declared = declaration(session, election_id, entity_id)
    if declared is None:
        raise UserError("registry.lnere.not_valid", entity=entity_id)
    if kind == RESTORATION:
        today = today or clock.today()
        if today <= declared.election_day:
            raise UserError("registry.lnere.before_election_end", entity=entity_id,
                            day=clock.people_date(declared.election_day))
        removed = session.scalar(select(func.count()).select_from(InCountryExport).where(
            InCountryExport.election_id == election_id,
            InCountryExport.entity_id == entity_id, InCountryExport.kind == REMOVAL))
        if not removed:
            raise UserError("registry.lnere.never_removed", entity=entity_id)
    digest = hashlib.sha256()
    writer = csvsafe.writer(out, lineterminator="\n")

    def line(cells) -> None:
        writer.writerow(cells)
        digest.update(("\x1f".join(map(str, cells)) + "\n").encode())

    line(IN_COUNTRY_COLUMNS)
    n = 0
    for key, folio in session.execute(
            select(Request.elector_key, Request.folio).where(
                Request.election_id == election_id, Request.entity_id == entity_id,
                Request.status == Status.INCLUDED.value)
            .order_by(Request.elector_key).execution_options(yield_per=10_000)):
        line((key, entity_id, folio, MOVEMENTS[kind]))
        n += 1
    session.add(InCountryExport(election_id=election_id, entity_id=entity_id, kind=kind,
                                rows=n, sha256=digest.hexdigest(), made_by=actor[:120]))
    audit.record(session, actor, "registry.in_country_export", f"{election_id}/{entity_id}",
                 f"kind={kind} rows={n}")
    return n
