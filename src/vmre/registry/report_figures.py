"""Registry figures for the quarterly report's electronic-voting section (reports.providers)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.registry.models import Modality, Request, Status
from vmre.reports.providers import register
from vmre.service.periods import Period


def electronic_voting(session: Session, period: Period) -> list[tuple[str, int]]:
    first, after = period.instants()

    def count(*where) -> int:
        return session.scalar(select(func.count()).select_from(Request).where(*where)) or 0

    received = (Request.created_at >= first, Request.created_at < after)
    return [
        ("registry.fig.received", count(*received)),
        ("registry.fig.internet", count(*received, Request.modality == Modality.INTERNET.value)),
        ("registry.fig.postal", count(*received, Request.modality == Modality.POSTAL.value)),
        ("registry.fig.accepted", count(*received, Request.status.in_(
            (Status.ACCEPTED.value, Status.INCLUDED.value)))),
        ("registry.fig.in_review", count(*received, Request.status == Status.IN_REVIEW.value)),
        ("registry.fig.rejected", count(*received, Request.status == Status.REJECTED.value)),
        ("registry.fig.credentials", count(Request.credential_issued_at >= first,
                                           Request.credential_issued_at < after)),
    ]


register("electronic_voting", electronic_voting)
