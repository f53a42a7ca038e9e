"""CSV imports: every row checked first, then all rows applied, or none.

Each importer parses a row into the arguments of a use case and checks them without
touching the database; if any row is refused the report lists each refusal (line number
and reason, in the reader's language) and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from vmre.core.messages import DEFAULT_LANGUAGE, UserError, text
from vmre.service.models import Account, Channel, Medium, Origin, Platform, Resolution, Topic
from vmre.service.outreach import METRICS, add_media_note, record_social
from vmre.service.periods import month_end
from vmre.service.service import log_contact


@dataclass
class ImportReport:
    accepted: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    @property
    def ok(self) -> bool:
        return not self.refused


def _rows(data: str, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise UserError("service.import.columns", columns=", ".join(missing))
    # Line 1 is the header; data lines start at 2, as a spreadsheet shows them.
    return [(n, {k: (v or "").strip() for k, v in row.items() if k}) for n, row in
            enumerate(reader, start=2)]


def _enum(kind: type, value: str, field_name: str) -> str:
    try:
        return kind(value).value
    except ValueError:
        raise UserError("service.import.bad_value", field=field_name, value=value) from None


def _date(value: str, field_name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError("service.import.bad_date", field=field_name, value=value) from None


def _count(value: str, field_name: str) -> int | None:
    if value == "":
        return None
    try:
        number = int(value.replace(",", ""))
    except ValueError:
        raise UserError("service.import.bad_number", field=field_name, value=value) from None
    if number < 0:
        raise UserError("service.import.bad_number", field=field_name, value=value)
    return number


def _run(session: Session, data: str, required: tuple[str, ...],
         parse: Callable[[dict[str, str]], dict], apply: Callable[..., object],
         lang: str) -> ImportReport:
    report = ImportReport()
    parsed = []
    for line, row in _rows(data, required):
        try:
            parsed.append(parse(row))
        except UserError as err:
            report.refused.append((line, err.message(lang)))
    if report.refused:
        return report
    for kwargs in parsed:
        apply(session, **kwargs)
    report.accepted = len(parsed)
    session.flush()
    return report


CONTACT_COLUMNS = ("occurred_at", "channel", "origin", "topic")


def import_contacts(session: Session, data: str, agent: str,
                    lang: str = DEFAULT_LANGUAGE) -> ImportReport:
    def parse(row: dict[str, str]) -> dict:
        try:
            at = dt.datetime.fromisoformat(row["occurred_at"])
        except ValueError:
            raise UserError("service.import.bad_date", field="occurred_at",
                            value=row["occurred_at"]) from None
        if at.tzinfo is None:
            raise UserError("service.import.no_timezone", value=row["occurred_at"])
        return {
            "agent": agent,
            "occurred_at": at,
            "channel": _enum(Channel, row["channel"], "channel"),
            "origin": _enum(Origin, row["origin"], "origin"),
            "topic": _enum(Topic, row["topic"], "topic"),
            "resolution": _enum(Resolution, row.get("resolution") or "resolved", "resolution"),
            "registration_folio": row.get("registration_folio") or None,
            "card_request": row.get("card_request") or None,
            "notes": row.get("notes", ""),
        }

    return _run(session, data, CONTACT_COLUMNS, parse, log_contact, lang)


SOCIAL_COLUMNS = ("account", "platform")


def import_social(session: Session, data: str, lang: str = DEFAULT_LANGUAGE) -> ImportReport:
    def parse(row: dict[str, str]) -> dict:
        if row.get("month"):
            try:
                first = dt.date.fromisoformat(row["month"] + "-01")
            except ValueError:
                raise UserError("service.import.bad_date", field="month",
                                value=row["month"]) from None
            start, end = first, month_end(first)
        else:
            start = _date(row.get("period_start", ""), "period_start")
            end = _date(row.get("period_end", ""), "period_end")
        if end < start:
            raise UserError("service.error.period")
        return {
            "account": _enum(Account, row["account"], "account"),
            "platform": _enum(Platform, row["platform"], "platform"),
            "period_start": start,
            "period_end": end,
            **{m: _count(row.get(m, ""), m) for m in METRICS},
        }

    return _run(session, data, SOCIAL_COLUMNS, parse, record_social, lang)


MEDIA_COLUMNS = ("published_on", "outlet", "medium")


def import_media(session: Session, data: str, lang: str = DEFAULT_LANGUAGE) -> ImportReport:
    def parse(row: dict[str, str]) -> dict:
        if not row["outlet"]:
            raise UserError("service.error.outlet")
        return {
            "published_on": _date(row["published_on"], "published_on"),
            "outlet": row["outlet"],
            "medium": _enum(Medium, row["medium"], "medium"),
            "summary": row.get("summary", ""),
            "link": row.get("link", ""),
        }

    return _run(session, data, MEDIA_COLUMNS, parse, add_media_note, lang)


def describe(report: ImportReport, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    """Lines for a person: what was imported, or each refused line and why."""
    if report.ok:
        return [text("service.import.accepted", lang, count=report.accepted)]
    head = text("service.import.refused", lang, count=len(report.refused))
    return [head] + [text("service.import.line", lang, line=n, reason=r)
                     for n, r in report.refused]
