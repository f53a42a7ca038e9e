"""Reminder campaigns: a target group by rule, e-mails and automated calls, one notice each.

The rule of the seed's campaign: card requested on or before a date (2018 or earlier) and
never activated. A person is notified at most once per campaign (a unique constraint, and
the selection skips whoever already has a notice), so re-running a campaign only reaches
those added since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.cards.models import Campaign, CardRequest, Notice, NoticeChannel
from vmre.cards.telephony import Call, TelephonyPort
from vmre.core import audit
from vmre.core.audit import utcnow
from vmre.core.email import Mail, Mailer
from vmre.core.messages import UserError, text
from vmre.service.periods import Period


def create_campaign(session: Session, code: str, name: str,
                    requested_until: dt.date) -> Campaign:
    if session.scalar(select(Campaign).where(Campaign.code == code)):
        raise UserError("cards.error.campaign_exists", code=code)
    campaign = Campaign(code=code, name=name, requested_until=requested_until)
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
    for request in targets(session, campaign):
        if request.email:
            mails.append((request, Mail(lang=lang,
                to=request.email,
                subject=text("cards.reminder.subject", lang),
                text=text("cards.reminder.body", lang, request_id=request.request_id),
            )))
        elif request.phone:
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
    notice.outcome = outcome


@dataclass(frozen=True)
class CampaignFigures:
    code: str
    name: str
    by_channel: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_channel.values())


def campaign_figures(session: Session, period: Period) -> list[CampaignFigures]:
    """Notices sent in the period, per campaign and channel."""
    first, after = period.instants()
    rows = session.execute(
        select(Campaign.code, Campaign.name, Notice.channel, func.count())
        .join(Notice, Notice.campaign_id == Campaign.id)
        .where(Notice.sent_at >= first, Notice.sent_at < after)
        .group_by(Campaign.code, Campaign.name, Notice.channel)
        .order_by(Campaign.code)
    )
    out: dict[str, CampaignFigures] = {}
    for code, name, channel, count in rows:
        figures = out.setdefault(
            code, CampaignFigures(code, name, {c.value: 0 for c in NoticeChannel}))
        figures.by_channel[channel] = count
    return list(out.values())
