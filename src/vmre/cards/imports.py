"""Card requests from the consulates' CSV files: every row checked, then all or none."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.cards.courier import YES
from vmre.cards.models import CardRequest
from vmre.cards.service import NewRequest, check_request, create_request
from vmre.core.messages import DEFAULT_LANGUAGE, UserError
from vmre.service.imports import ImportReport

REQUEST_COLUMNS = ("request_id", "consulate", "country", "appointment_date", "entity",
                   "mechanism")


def import_requests(session: Session, data: str,
                    lang: str = DEFAULT_LANGUAGE) -> ImportReport:
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    missing = [c for c in REQUEST_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise UserError("service.import.columns", columns=", ".join(missing))
    report, parsed, seen = ImportReport(), [], set()
    for line, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        try:
            try:
                day = dt.date.fromisoformat(row["appointment_date"])
            except ValueError:
                raise UserError("service.import.bad_date", field="appointment_date",
                                value=row["appointment_date"]) from None
            new = check_request(NewRequest(
                row["request_id"], row["consulate"], row["country"], day, row["entity"],
                row["mechanism"], row.get("third_party_consent", "").lower() in YES,
                row.get("elector_key") or None, row.get("email") or None,
                row.get("phone") or None))
            exists = session.scalar(
                select(CardRequest.id).where(CardRequest.request_id == new.request_id))
            if new.request_id in seen or exists:
                raise UserError("cards.error.duplicate_request", request_id=new.request_id)
            seen.add(new.request_id)
            parsed.append(new)
        except UserError as err:
            report.refused.append((line, err.message(lang)))
    if report.refused:
        return report
    for new in parsed:
        create_request(session, new)
    report.accepted = len(parsed)
    return report
