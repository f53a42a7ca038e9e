"""Reminder campaigns: a target group by rule, one channel per campaign, one notice each.

The rule of the seed's campaigns: card requested on or before a date (the cut-off, a
parameter: 2018-12-31 in the report) and never activated. The report ran "sendas campañas",
one by automated outbound call and one by e-mail: a campaign has one channel (`call` through
the telephony port, `email` through the mailer), its own audience (who the rule matches and
the channel can reach), the outcomes reported back (answered, voicemail…; bounced, opened when
known) and its own figures. A person is notified at most once per campaign (a unique
constraint, and the selection skips whoever already has a notice), so re-running a campaign
only reaches those added since. Campaigns of the first schema (channel "") used both.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.cards.models import Campaign, CardRequest, Notice, NoticeChannel
from vmre.cards.telephony import Call, TelephonyPort
from vmre.core import audit
from vmre.core.audit import utcnow
from vmre.core.email import Mail, Mailer
from vmre.core.messages import UserError, text
from vmre.service.imports import ImportReport
from vmre.service.periods import Period

CHANNELS = (NoticeChannel.CALL.value, NoticeChannel.EMAIL.value)
# What each channel's provider may report of a notice ("opened" only when the mail is tracked).
OUTCOMES = {
    NoticeChannel.CALL.value: ("queued", "answered", "voicemail", "no_answer", "failed"),
    NoticeChannel.EMAIL.value: ("sent", "bounced", "opened"),
}


def create_campaign(session: Session, code: str, name: str,
                    requested_until: dt.date, channel: str) -> Campaign:
    if session.scalar(select(Campaign).where(Campaign.code == code)):
        raise UserError("cards.error.campaign_exists", code=code)
    if channel not in CHANNELS:
        raise UserError("cards.error.campaign_channel", channel=channel,
                        allowed=", ".join(CHANNELS))
    campaign = Campaign(code=code, name=name, requested_until=requested_until,
                        channel=channel)
    session.add(campaign)
    session.flush()
    return campaign


def campaign_by_code(session: Session, code: str) -> Campaign:
    campaign = session.scalar(select(Campaign).where(Campaign.code == code))
    if campaign is None:
        raise UserError("cards.error.no_campaign", code=code)
    return campaign


def targets(session: Session, campaign: Campaign) -> list[CardRequest]:
    """Requests matching the rule that this campaign has not yet notified."""
    already = select(Notice.request_id).where(Notice.campaign_id == campaign.id)
    query = (
        select(CardRequest)
        .where(
            CardRequest.appointment_date <= campaign.requested_until,
            CardRequest.activated_at.is_(None),
            CardRequest.id.not_in(already),
        )
        .order_by(CardRequest.id)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class RunResult:
    emails: int
    calls: int
    unreachable: int


def run_campaign(session: Session, campaign: Campaign, mailer: Mailer,
                 telephony: TelephonyPort, lang: str = "es") -> RunResult:
    """E-mail those with an address, queue a call for those with only a phone.

    Notices are recorded in the caller's transaction after the sends succeed; an SMTP
    failure raises before anything is recorded, so a re-run retries the same people.
    """
    mails: list[tuple[CardRequest, Mail]] = []
    calls: list[tuple[CardRequest, Call]] = []
    unreachable = 0
    by_mail = campaign.channel in ("", NoticeChannel.EMAIL.value)
    by_call = campaign.channel in ("", NoticeChannel.CALL.value)
    for request in targets(session, campaign):
        if by_mail and request.email:
            mails.append((request, Mail(lang=lang,
                to=request.email,
                subject=text("cards.reminder.subject", lang),
                text=text("cards.reminder.body", lang, request_id=request.request_id),
            )))
        elif by_call and request.phone:
            calls.append((request, Call(phone=request.phone, request_id=request.request_id,
                                        message=text("cards.reminder.call", lang))))
        else:
            unreachable += 1
    mailer.send_many([m for _, m in mails])
    outcomes = telephony.queue_calls([c for _, c in calls]) if calls else []
    now = utcnow()
    for request, _ in mails:
        session.add(Notice(campaign_id=campaign.id, request_id=request.id,
                           channel=NoticeChannel.EMAIL.value, sent_at=now, outcome="sent"))
    for (request, _), outcome in zip(calls, outcomes, strict=True):
        session.add(Notice(campaign_id=campaign.id, request_id=request.id,
                           channel=NoticeChannel.CALL.value, sent_at=now, outcome=outcome))
    session.flush()
    notified = session.scalar(select(func.count()).select_from(Notice).where(
        Notice.campaign_id == campaign.id)) or 0
    campaign.audience, campaign.unreachable = notified + unreachable, unreachable
    audit.record(session, "system", "cards.campaign_run", campaign.code,
                 f"emails={len(mails)} calls={len(calls)}")
    return RunResult(emails=len(mails), calls=len(calls), unreachable=unreachable)


def record_outcome(session: Session, campaign: Campaign, request_id: str, outcome: str) -> None:
    """Store what became of a notice (e.g. the provider reports a call was answered)."""
    notice = session.scalar(
        select(Notice).join(CardRequest, CardRequest.id == Notice.request_id)
        .where(Notice.campaign_id == campaign.id, CardRequest.request_id == request_id)
    )
    if notice is None:
        raise UserError("cards.error.no_notice", request_id=request_id)
    allowed = OUTCOMES[notice.channel]
    if outcome not in allowed:
        raise UserError("cards.error.bad_outcome", outcome=outcome, channel=notice.channel,
                        allowed=", ".join(allowed))
    notice.outcome = outcome


def import_outcomes(session: Session, campaign: Campaign, data: str,
                    lang: str = "es") -> ImportReport:
    """The provider's report (CSV `request_id,outcome`): every row checked, then all or none
    (the caller's transaction is rolled back when any row is refused)."""
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    missing = [c for c in ("request_id", "outcome") if c not in (reader.fieldnames or [])]
    if missing:
        raise UserError("service.import.columns", columns=", ".join(missing))
    report = ImportReport()
    for line, row in enumerate(reader, start=2):
        try:
            record_outcome(session, campaign, (row["request_id"] or "").strip(),
                           (row["outcome"] or "").strip())
            report.accepted += 1
        except UserError as err:
            report.refused.append((line, err.message(lang)))
    if report.refused:
        report.accepted = 0
    return report


@dataclass(frozen=True)
class CampaignFigures:
    code: str
    name: str
    by_channel: dict[str, int]
    channel: str = ""
    requested_until: dt.date | None = None
    audience: int = 0
    unreachable: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())


def campaign_figures(session: Session, period: Period) -> list[CampaignFigures]:
    """Per campaign with notices sent in the period: notices per channel, its audience, those
    it could not reach and the outcomes reported."""
    first, after = period.instants()
    rows = session.execute(
        select(Campaign.id, Notice.channel, Notice.outcome, func.count())
        .join(Notice, Notice.campaign_id == Campaign.id)
        .where(Notice.sent_at >= first, Notice.sent_at < after)
        .group_by(Campaign.id, Notice.channel, Notice.outcome)
    )
    out: dict[int, CampaignFigures] = {}
    for campaign_id, channel, outcome, count in rows:
        if campaign_id not in out:
            c = session.get(Campaign, campaign_id)
            out[campaign_id] = CampaignFigures(
                c.code, c.name, {ch.value: 0 for ch in NoticeChannel}, c.channel,
                c.requested_until, c.audience, c.unreachable, {})
        figures = out[campaign_id]
        figures.by_channel[channel] += count
        figures.outcomes[outcome] = figures.outcomes.get(outcome, 0) + count
    return sorted(out.values(), key=lambda f: (f.channel, f.code))
