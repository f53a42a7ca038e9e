"""Staff pages under /admin/reports: the quarterly report (secretariat) and the biweekly
card report (secretariat for every entity; a local electoral body for its own)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from vmre.core import audit, clock
from vmre.core.messages import text
from vmre.core.staff import Role, StaffUser
from vmre.reports.biweekly import biweekly_rows, to_csv, write_biweekly
from vmre.reports.quarterly import write_quarterly
from vmre.service.periods import Period
from vmre.web.deps import DB, require_roles
from vmre.web.security import language
from vmre.web.templating import render

router = APIRouter(prefix="/admin/reports")
secretariat = require_roles(Role.SECRETARIAT)
biweekly_readers = require_roles(Role.SECRETARIAT, Role.OPL)


def _date(request: Request, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(request.query_params.get(name, ""))
    except ValueError:
        raise HTTPException(status_code=422,
                            detail=text("reports.error.date", language(request))) from None


@router.get("/")
def index(request: Request, user: StaffUser = Depends(biweekly_readers)):
    return render(request, "reports_index.html", can_quarterly=user.has(Role.SECRETARIAT),
                  today=clock.today().isoformat())


@router.get("/quarterly.{fmt}")
def quarterly(request: Request, fmt: str, session: Session = DB,
              user: StaffUser = Depends(secretariat)):
    if fmt not in ("pdf", "html"):
        raise HTTPException(status_code=404)
    period = Period(_date(request, "start"), _date(request, "end"))
    if period.end < period.start:
        raise HTTPException(status_code=422, detail=text("reports.error.period",
                                                         language(request)))
    with tempfile.TemporaryDirectory() as folder:
        html, pdf = write_quarterly(session, period, Path(folder))
        body = (pdf if fmt == "pdf" else html).read_bytes()
    audit.record(session, user.username, "reports.quarterly",
                 f"{period.start.isoformat()}..{period.end.isoformat()}")
    media = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    name = f"informe-trimestral-{period.start.isoformat()}.{fmt}"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/biweekly.{fmt}")
def biweekly(request: Request, fmt: str, session: Session = DB,
             user: StaffUser = Depends(biweekly_readers)):
    cutoff = _date(request, "cutoff")
    # A local electoral body sees its own entity only, whatever it asks for.
    entity = None if user.has(Role.SECRETARIAT) else user.entity
    if not user.has(Role.SECRETARIAT) and not entity:
        raise HTTPException(status_code=403)
    if fmt == "csv":
        body = to_csv(biweekly_rows(session, cutoff, entity)).encode("utf-8")
        media = "text/csv; charset=utf-8"
    elif fmt == "pdf":
        with tempfile.TemporaryDirectory() as folder:
            _, pdf = write_biweekly(session, cutoff, Path(folder), entity)
            body = pdf.read_bytes()
        media = "application/pdf"
    else:
        raise HTTPException(status_code=404)
    audit.record(session, user.username, "reports.biweekly",
                 f"{cutoff.isoformat()} {entity or 'all'} {fmt}")
    name = f"cpve-quincenal-{cutoff.isoformat()}.{fmt}"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
