"""The commission's quarterly report: figures gathered from the database, rendered in
Spanish as HTML and PDF with the structure of the institute's quarterly reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from vmre.cards.campaigns import CampaignFigures, campaign_figures
from vmre.core.clock import people_day
from vmre.core.messages import text
from vmre.reports import charts, providers
from vmre.reports.document import render_document, write_pdf
from vmre.reports.sample import is_loaded
from vmre.service.activities import activities
from vmre.service.models import Account, Channel, Origin, PressKind, SocialFigures
from vmre.service.outreach import (
    METRICS,
    SocialTable,
    media_figures,
    media_notes,
    press_items,
    social_tables,
    social_totals,
)
from vmre.service.periods import Period
from vmre.service.service import ContactFigures, contact_figures

LANG = "es"  # the report is the commission's document, in Spanish


@dataclass
class AccountFigures:
    account: str
    tables: list[SocialTable]
    totals: dict[str, int | None]
    metrics: list[str]  # the columns with at least one value
    previous: dict[str, int | None]  # platform -> interactions of the previous period


@dataclass
class QuarterlyData:
    period: Period
    contacts: ContactFigures
    campaigns: list[CampaignFigures]
    social: dict[str, AccountFigures]
    media: dict[str, int]
    notes: list
    bulletins: list
    materials: list
    activities: dict[str, list[str]]
    provided: dict[str, list[tuple[str, int]]]
    charts: dict[str, str]
    sample: bool = False  # made from the sample quarter: every page says so
    biweekly_reports: int = 0  # biweekly card reports made for local bodies in the period

    @property
    def media_total(self) -> int:
        return sum(self.media.values())


def _previous(session: Session, account: str, period: Period) -> dict[str, int | None]:
    """Interactions of each platform over the stretch that ends the day before the period."""
    from sqlalchemy import select

    rows = session.scalars(select(SocialFigures).where(
        SocialFigures.account == account,
        SocialFigures.period_end == period.start - dt.timedelta(days=1),
    ))
    return {row.platform: row.interactions for row in rows if row.interactions is not None}


def gather(session: Session, period: Period) -> QuarterlyData:
    social = {}
    for account in Account:
        tables = social_tables(session, account.value, period)
        metrics = [m for m in METRICS if any(t.total(m) is not None for t in tables)]
        social[account.value] = AccountFigures(
            account.value, tables, social_totals(session, account.value, period), metrics,
            _previous(session, account.value, period))
    data = QuarterlyData(
        period=period,
        contacts=contact_figures(session, period),
        campaigns=campaign_figures(session, period),
        social=social,
        media=media_figures(session, period),
        notes=media_notes(session, period),
        bulletins=press_items(session, period, PressKind.BULLETIN.value),
        materials=press_items(session, period, PressKind.MATERIAL.value),
        activities=activities(session, period),
        provided={s: providers.figures(s, session, period)
                  for s in ("coordination", "electronic_voting")},
        charts={},
        sample=is_loaded(session),
        biweekly_reports=_biweekly_reports(session, period),
    )
    data.charts = _charts(data)
    return data


def _biweekly_reports(session: Session, period: Period) -> int:
    """Biweekly card reports for the local bodies made in the period (audit log)."""
    from sqlalchemy import func, select

    from vmre.core.audit import AuditEvent

    first, after = period.instants()
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "reports.biweekly", AuditEvent.at >= first,
        AuditEvent.at < after)) or 0



def month_label(month: dt.date) -> str:
    return f"{text(f'reports.month.m{month.month}', LANG)} {month.year}"


def _charts(data: QuarterlyData) -> dict[str, str]:
    c = data.contacts
    out = {}
    if c.total:
        out["channels"] = charts.bars(
            [text(f"service.channel.{ch.value}", LANG) for ch in Channel],
            [c.by_channel[ch.value] for ch in Channel],
            text("reports.chart.channels", LANG))
        out["origins"] = charts.bars(
            [text(f"service.origin.{o.value}", LANG) for o in Origin],
            [c.by_origin[o.value] for o in Origin],
            text("reports.chart.origins", LANG), horizontal=False)
    civic = data.social[Account.CIVIC.value]
    monthly = [t for t in civic.tables if t.start.day == 1]
    if monthly:
        platforms = sorted({r.platform for t in monthly for r in t.rows})
        series = {
            text(f"service.platform.{p}", LANG): [
                sum(r.values["impressions"] or 0 for r in t.rows if r.platform == p)
                for t in monthly
            ]
            for p in platforms
        }
        out["civic"] = charts.grouped_bars([month_label(t.start) for t in monthly], series,
                                           text("reports.chart.civic", LANG))
    return out


def write_quarterly(session: Session, period: Period, out: Path) -> tuple[Path, Path]:
    """Write `informe-trimestral.html` (with its stylesheet) and `informe-trimestral.pdf`."""
    data = gather(session, period)
    out.mkdir(parents=True, exist_ok=True)
    html = render_document("quarterly.html", d=data, month_label=month_label,
                           period_label=period_label(period))
    html_path = out / "informe-trimestral.html"
    pdf_path = out / "informe-trimestral.pdf"
    html_path.write_text(html, encoding="utf-8")
    write_pdf(html, pdf_path, out)
    return html_path, pdf_path


def date_label(day: dt.date) -> str:
    return people_day(day, LANG)  # the one format people read (vmre.core.clock)


def period_label(period: Period) -> str:
    return text("reports.period", LANG, start=date_label(period.start),
                end=date_label(period.end))
