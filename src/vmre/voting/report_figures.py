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
    from vmre.voting.audits import SystemAudit, firm_key

    # audits of the system (docs/ceremony.md, "Audits before the window") recorded in the
    # period, and the distinct firms among them whose opinion is public
    audits = list(session.scalars(select(SystemAudit).where(
        SystemAudit.recorded_at >= period.instants()[0],
        SystemAudit.recorded_at < period.instants()[1])))
    firms = {firm_key(a.firm) for a in audits if a.public_link}
    return [("voting.fig.ballots_cast", cast), ("voting.fig.ballots_audited", audited),
            ("voting.fig.system_audits", len(audits)),
            ("voting.fig.audit_firms_published", len(firms))]


register("electronic_voting", electronic_voting)
