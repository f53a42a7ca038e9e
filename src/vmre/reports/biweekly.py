"""The biweekly statistical report on voter cards abroad for the local electoral bodies:
per entity of origin, requests in the fortnight and to date, cards delivered and activated."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.cards.models import CardRequest, Shipment, ShipmentStatus
from vmre.core import csvsafe
from vmre.core.clock import day_bounds
from vmre.core.entities import BY_ID, ENTITIES
from vmre.core.messages import UserError
from vmre.reports.document import render_document, write_pdf

FORTNIGHT = 14
COLUMNS = ("entity", "name", "requests_fortnight", "requests_to_date", "delivered_to_date",
           "activated_to_date")


@dataclass(frozen=True)
class EntityRow:
    entity: str
    name: str
    requests_fortnight: int
    requests_to_date: int
    delivered_to_date: int
    activated_to_date: int


def _by_entity(session: Session, query) -> dict[str, int]:
    return dict(session.execute(query.group_by(CardRequest.entity)).all())


def biweekly_rows(session: Session, cutoff: dt.date,
                  entity: str | None = None) -> list[EntityRow]:
    """One row per entity (or only `entity`, for a local body's own figures)."""
    first = cutoff - dt.timedelta(days=FORTNIGHT - 1)
    after = day_bounds(cutoff)[1]  # the end of the cut-off day in Mexico City
    count = select(CardRequest.entity, func.count(func.distinct(CardRequest.id)))
    fortnight = _by_entity(session, count.where(
        CardRequest.appointment_date.between(first, cutoff)))
    to_date = _by_entity(session, count.where(CardRequest.appointment_date <= cutoff))
    delivered = _by_entity(session, count.join(Shipment, Shipment.request_id == CardRequest.id)
                           .where(Shipment.status == ShipmentStatus.DELIVERED.value,
                                  Shipment.closed_on <= cutoff))
    activated = _by_entity(session, count.where(CardRequest.activated_at < after))
    if entity is not None and entity not in BY_ID:
        raise UserError("cards.error.entity", value=entity)
    chosen = [BY_ID[entity]] if entity else list(ENTITIES)
    return [EntityRow(e.id, e.name, fortnight.get(e.id, 0), to_date.get(e.id, 0),
                      delivered.get(e.id, 0), activated.get(e.id, 0)) for e in chosen]


def to_csv(rows: list[EntityRow]) -> str:
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([getattr(row, c) for c in COLUMNS])
    writer.writerow(["TOTAL", ""] + [sum(getattr(r, c) for r in rows) for c in COLUMNS[2:]])
    return buffer.getvalue()


def write_biweekly(session: Session, cutoff: dt.date, out: Path,
                   entity: str | None = None) -> tuple[Path, Path]:
    rows = biweekly_rows(session, cutoff, entity)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"cpve-quincenal-{cutoff.isoformat()}" + (f"-{entity}" if entity else "")
    csv_path, pdf_path = out / f"{stem}.csv", out / f"{stem}.pdf"
    csv_path.write_text(to_csv(rows), encoding="utf-8")
    totals = {c: sum(getattr(r, c) for r in rows) for c in COLUMNS[2:]}
    html = render_document("biweekly.html", rows=rows, totals=totals, cutoff=cutoff,
                           first=cutoff - dt.timedelta(days=FORTNIGHT - 1))
    write_pdf(html, pdf_path, out)
    return csv_path, pdf_path
