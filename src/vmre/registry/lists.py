"""The list of voters abroad (LNERE): closing it per entity and modality, its figures, and
its exports for each audience."""

from __future__ import annotations

from typing import IO

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import Session

from vmre.core import audit, csvsafe
from vmre.core.audit import utcnow
from vmre.core.messages import UserError
from vmre.registry.models import Closure, Outbox, Request, Status
from vmre.registry.service import get_process

FULL_COLUMNS = ("folio", "elector_key", "first_surname", "second_surname", "given_names",
                "birth_date", "entity_id", "modality", "country", "region", "city",
                "postal_code", "street", "email", "phone", "addendum")
# The local electoral body sees who is on its list, never how to reach them.
REDACTED_COLUMNS = ("folio", "elector_key", "first_surname", "second_surname", "given_names",
                    "entity_id", "modality", "country", "addendum")
SHIPPING_COLUMNS = ("folio", "first_surname", "second_surname", "given_names", "street", "city",
                    "region", "postal_code", "country", "entity_id")
AUDIENCES = {"full": FULL_COLUMNS, "opl": REDACTED_COLUMNS, "shipping": SHIPPING_COLUMNS}


def close(session: Session, election_id: str, actor: str, entity_ids: list[str] | None = None,
          modalities: list[str] | None = None) -> list[Closure]:
    """Close the list of each (entity, modality) not yet closed: accepted requests become
    included. Requests accepted later join an addendum of that list."""
    process = get_process(session, election_id)
    entity_ids = entity_ids or process.entity_ids()
    modalities = modalities or process.modality_list()
    unknown = [e for e in entity_ids if e not in process.entity_ids()]
    if unknown:
        raise UserError("registry.list.unknown_entity", entity=",".join(unknown))
    done = {(c.entity_id, c.modality) for c in session.scalars(
        select(Closure).where(Closure.election_id == election_id))}
    closures = []
    for entity_id in entity_ids:
        for modality in modalities:
            if (entity_id, modality) in done:
                continue
            closure = Closure(election_id=election_id, entity_id=entity_id, modality=modality,
                              closed_at=utcnow(), closed_by=actor[:80], included=0, addendum=0)
            session.add(closure)
            session.flush()
            accepted = (Request.election_id == election_id, Request.entity_id == entity_id,
                        Request.modality == modality, Request.status == Status.ACCEPTED.value)
            now = utcnow()
            # Notices first, selected by the same condition the update uses next.
            session.execute(insert(Outbox).from_select(
                ["request_id", "kind", "params", "created_at"],
                select(Request.id, literal(Status.INCLUDED.value), literal("{}"),
                       literal(now)).where(*accepted)))
            result = session.execute(
                update(Request).where(*accepted).values(
                    status=Status.INCLUDED.value, closure_id=closure.id, updated_at=now,
                    decided_by=actor[:80]).execution_options(synchronize_session=False))
            closure.included = result.rowcount
            audit.record(session, actor, "registry.list_closed",
                         f"{election_id}/{entity_id}/{modality}", f"included={result.rowcount}")
            closures.append(closure)
    return closures


def closures(session: Session, election_id: str) -> list[Closure]:
    return list(session.scalars(select(Closure).where(Closure.election_id == election_id)
                                .order_by(Closure.entity_id, Closure.modality)))


def figures(session: Session, election_id: str, entity_id: str | None = None) -> dict:
    """Counts by status, and of the list (accepted or included) by country, entity, modality."""
    base = [Request.election_id == election_id]
    if entity_id:
        base.append(Request.entity_id == entity_id)
    on_list = [*base, Request.status.in_((Status.ACCEPTED.value, Status.INCLUDED.value))]

    def grouped(column, where):
        rows = session.execute(select(column, func.count()).where(*where).group_by(column)
                               .order_by(column))
        return {str(k): int(n) for k, n in rows}

    return {
        "status": grouped(Request.status, base),
        "country": grouped(Request.country, on_list),
        "entity": grouped(Request.entity_id, on_list),
        "modality": grouped(Request.modality, on_list),
        "addendum": int(session.scalar(select(func.count()).where(
            *base, Request.addendum.is_(True))) or 0),
    }


def export_csv(session: Session, election_id: str, out: IO[str], audience: str = "full",
               entity_id: str | None = None, addendum_only: bool = False) -> int:
    """Write the included voters (the shipping list: postal voters only; the addendum: those
    included after their list closed) as CSV; streams, so a list of a million rows never
    sits in memory."""
    columns = AUDIENCES.get(audience)
    if columns is None:
        raise UserError("registry.list.bad_audience")
    query = select(*(getattr(Request, c) for c in columns)).where(
        Request.election_id == election_id, Request.status == Status.INCLUDED.value)
    if entity_id:
        query = query.where(Request.entity_id == entity_id)
    if audience == "shipping":
        query = query.where(Request.modality == "postal")
    if addendum_only:
        query = query.where(Request.addendum.is_(True))
    writer = csvsafe.writer(out, lineterminator="\n")
    writer.writerow(columns)
    n = 0
    result = session.execute(query.order_by(Request.entity_id, Request.id)
                             .execution_options(yield_per=10_000))
    for row in result:
        writer.writerow(row)
        n += 1
    return n


def figures_csv(session: Session, election_id: str, out: IO[str],
                entity_id: str | None = None) -> None:
    writer = csvsafe.writer(out, lineterminator="\n")
    writer.writerow(("dimension", "value", "count"))
    for dimension, counts in figures(session, election_id, entity_id).items():
        if isinstance(counts, dict):
            for value, n in counts.items():
                writer.writerow((dimension, value, n))
        else:
            writer.writerow((dimension, "", counts))
