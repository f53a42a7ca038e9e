"""Courier events from a CSV file or the JSON endpoint: applied in time order in one
transaction, committed only if every event is accepted."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy.orm import Session, sessionmaker

from vmre.cards.service import CourierReport, apply_event
from vmre.core.messages import DEFAULT_LANGUAGE, UserError
from vmre.service.imports import ImportReport

CSV_COLUMNS = ("tracking", "event", "occurred_at")
YES = {"1", "true", "yes", "si", "sí", "y", "s"}


def parse_csv(data: str, lang: str = DEFAULT_LANGUAGE
              ) -> tuple[list[tuple[int, CourierReport]], ImportReport]:
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UserError("service.import.columns", columns=", ".join(missing))
    rows, report = [], ImportReport()
    for line, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        try:
            at = dt.datetime.fromisoformat(row["occurred_at"])
        except ValueError:
            report.refused.append((line, UserError(
                "service.import.bad_date", field="occurred_at", value=row["occurred_at"]
            ).message(lang)))
            continue
        if at.tzinfo is None:
            report.refused.append((line, UserError(
                "service.import.no_timezone", value=row["occurred_at"]).message(lang)))
            continue
        rows.append((line, CourierReport(row["tracking"], row["event"], at,
                                         row.get("third_party", "").lower() in YES,
                                         row.get("detail", ""))))
    return rows, report


def apply_all(factory: sessionmaker[Session], rows: list[tuple[int, CourierReport]],
              report: ImportReport | None = None, lang: str = DEFAULT_LANGUAGE) -> ImportReport:
    """Apply the events oldest first; commit only when none was refused."""
    report = report or ImportReport()
    ordered = sorted(rows, key=lambda item: (item[1].occurred_at, item[0]))
    with factory() as session:
        session.begin()
        accepted = 0
        for line, event in ordered:
            try:
                apply_event(session, event)
                accepted += 1
            except UserError as err:  # raised before the event changes anything
                report.refused.append((line, err.message(lang)))
        if report.refused:
            session.rollback()
            report.refused.sort()
            return report
        session.commit()
    report.accepted = accepted
    return report
