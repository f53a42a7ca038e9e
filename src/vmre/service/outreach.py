"""Outreach: social-media figures per account, platform and period; media notes; press items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.core.messages import UserError
from vmre.service.models import (
    Account,
    MediaNote,
    Medium,
    Platform,
    PressItem,
    PressKind,
    SocialFigures,
)
from vmre.service.periods import Period

METRICS = ("publications", "impressions", "reach", "interactions", "reactions", "shares",
           "comments", "reproductions")


def record_social(
    session: Session,
    *,
    account: str,
    platform: str,
    period_start: dt.date,
    period_end: dt.date,
    **metrics: int | None,
) -> SocialFigures:
    """Create or replace the figures of one account, platform and period."""
    try:
        account, platform = Account(account).value, Platform(platform).value
    except ValueError:
        raise UserError("service.error.account_platform", account=account,
                        platform=platform) from None
    if period_end < period_start:
        raise UserError("service.error.period")
    unknown = set(metrics) - set(METRICS)
    if unknown:
        raise UserError("service.error.metric", metric=", ".join(sorted(unknown)))
    if any(v is not None and v < 0 for v in metrics.values()):
        raise UserError("service.error.negative")
    row = session.scalar(
        select(SocialFigures).where(
            SocialFigures.account == account,
            SocialFigures.platform == platform,
            SocialFigures.period_start == period_start,
            SocialFigures.period_end == period_end,
        )
    )
    if row is None:
        row = SocialFigures(account=account, platform=platform, period_start=period_start,
                            period_end=period_end)
        session.add(row)
    for name in METRICS:
        setattr(row, name, metrics.get(name))
    session.flush()
    return row


@dataclass
class SocialRow:
    platform: str
    values: dict[str, int | None]


@dataclass
class SocialTable:
    """One account's figures for one stretch of time: a row per platform and a total."""

    start: dt.date
    end: dt.date
    rows: list[SocialRow] = field(default_factory=list)

    def total(self, metric: str) -> int | None:
        values = [r.values[metric] for r in self.rows if r.values[metric] is not None]
        return sum(values) if values else None


def _within(period: Period):
    return (SocialFigures.period_start >= period.start) & (SocialFigures.period_end <= period.end)


def social_tables(session: Session, account: str, period: Period) -> list[SocialTable]:
    """One table per distinct stretch recorded inside the period (months, or the whole
    period when the figures were kept for it as a whole), platforms in a fixed order."""
    rows = list(session.scalars(
        select(SocialFigures).where(_within(period), SocialFigures.account == account)
    ))
    order = [p.value for p in Platform]
    tables: dict[tuple[dt.date, dt.date], SocialTable] = {}
    for row in sorted(rows, key=lambda r: (r.period_start, r.period_end,
                                           order.index(r.platform))):
        table = tables.setdefault((row.period_start, row.period_end),
                                  SocialTable(row.period_start, row.period_end))
        table.rows.append(SocialRow(row.platform, {m: getattr(row, m) for m in METRICS}))
    return list(tables.values())


def social_totals(session: Session, account: str, period: Period) -> dict[str, int | None]:
    """Sums over every table of the account in the period (None where never recorded)."""
    out: dict[str, int | None] = {}
    tables = social_tables(session, account, period)
    for metric in METRICS:
        values = [t.total(metric) for t in tables if t.total(metric) is not None]
        out[metric] = sum(values) if values else None
    return out


def add_media_note(session: Session, *, published_on: dt.date, outlet: str, medium: str,
                   summary: str = "", link: str = "") -> MediaNote:
    try:
        medium = Medium(medium).value
    except ValueError:
        raise UserError("service.error.medium", value=medium) from None
    if not outlet.strip():
        raise UserError("service.error.outlet")
    note = MediaNote(published_on=published_on, outlet=outlet.strip(), medium=medium,
                     summary=summary.strip(), link=link.strip())
    session.add(note)
    session.flush()
    return note


def media_figures(session: Session, period: Period) -> dict[str, int]:
    counts = {m.value: 0 for m in Medium}
    rows = session.execute(
        select(MediaNote.medium, func.count())
        .where(MediaNote.published_on.between(period.start, period.end))
        .group_by(MediaNote.medium)
    )
    counts.update({medium: n for medium, n in rows})
    return counts


def media_notes(session: Session, period: Period) -> list[MediaNote]:
    return list(session.scalars(
        select(MediaNote)
        .where(MediaNote.published_on.between(period.start, period.end))
        .order_by(MediaNote.published_on, MediaNote.id)
    ))


def add_press_item(session: Session, *, kind: str, published_on: dt.date, title: str,
                   links: list[str]) -> PressItem:
    try:
        kind = PressKind(kind).value
    except ValueError:
        raise UserError("service.error.press_kind", value=kind) from None
    if not title.strip():
        raise UserError("service.error.title")
    item = PressItem(kind=kind, published_on=published_on, title=title.strip(),
                     links="\n".join(link.strip() for link in links if link.strip()))
    session.add(item)
    session.flush()
    return item


def press_items(session: Session, period: Period, kind: str) -> list[PressItem]:
    return list(session.scalars(
        select(PressItem)
        .where(PressItem.kind == kind, PressItem.published_on.between(period.start, period.end))
        .order_by(PressItem.published_on, PressItem.id)
    ))
