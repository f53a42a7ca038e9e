"""Narrative entries of the quarterly report, filed by section of the report's structure."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.core.messages import UserError
from vmre.service.models import Activity
from vmre.service.periods import Period


class Section(StrEnum):
    SECRETARIAT = "secretariat"  # 2.1.1.1 agreements and documents
    COORDINATION = "coordination"  # 2.1.1.2 coordination meetings
    PARTIES = "parties"  # 2.1.1.3 political parties
    OPL = "opl"  # 2.1.1.4 local electoral bodies
    LINK_INSTITUTIONS = "link_institutions"  # 2.2.2.1
    LINK_EDUCATION = "link_education"  # 2.2.2.2
    LINK_COMMUNITY = "link_community"  # 2.2.2.3
    DIGITAL_TOPICS = "digital_topics"  # 2.2.3 topics spread on digital platforms
    DIFFUSION = "diffusion"  # 2.2.4
    CIVIC_EDUCATION = "civic_education"  # 2.2.6
    INFOGRAPHICS = "infographics"  # 2.2.6.1 the infographics' topics
    REPRESENTATION = "representation"  # 2.2.7
    IMPROVEMENTS = "improvements"  # 2.3
    ELECTRONIC_VOTING = "electronic_voting"  # 2.4


def add_activity(session: Session, *, section: str, happened_on: dt.date, text: str,
                 position: int = 0) -> Activity:
    try:
        section = Section(section).value
    except ValueError:
        raise UserError("service.error.section", value=section) from None
    if not text.strip():
        raise UserError("service.error.text")
    row = Activity(section=section, happened_on=happened_on, text=text.strip(),
                   position=position)
    session.add(row)
    session.flush()
    return row


def activities(session: Session, period: Period) -> dict[str, list[str]]:
    """Texts of the period per section, in position then date order."""
    out: dict[str, list[str]] = {s.value: [] for s in Section}
    rows = session.scalars(
        select(Activity)
        .where(Activity.happened_on.between(period.start, period.end))
        .order_by(Activity.position, Activity.happened_on, Activity.id)
    )
    for row in rows:
        out[row.section].append(row.text)
    return out
