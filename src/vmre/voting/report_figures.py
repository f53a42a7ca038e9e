"""Internet-voting figures for the quarterly report's electronic-voting section."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.reports.providers import register
from vmre.service.periods import Period
from vmre.voting.models import BoardEntry, SpoiledBallot


def electronic_voting(session: Session, period: Period) -> list[tuple[str, int]]:
    # Board times are ISO 8601 strings in UTC, so they compare in time order as text.
    first, after = (moment.isoformat() for moment in period.instants())
    cast = session.scalar(select(func.count()).select_from(BoardEntry).where(
        BoardEntry.received_at >= first, BoardEntry.received_at < after)) or 0
    audited = session.scalar(select(func.count()).select_from(SpoiledBallot).where(
        SpoiledBallot.received_at >= first, SpoiledBallot.received_at < after)) or 0
    return [("voting.fig.ballots_cast", cast), ("voting.fig.ballots_audited", audited)]


register("electronic_voting", electronic_voting)
