"""Tables of the citizen-service centre and of outreach.

Channel, origin, topic and the other closed lists are stored as their code; their labels
live in the message catalogue (`service.channel.<code>` and so on).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime


class Channel(StrEnum):
    PHONE = "phone"
    VOICEMAIL = "voicemail"
    EMAIL = "email"
    FACEBOOK = "facebook"
    TWITTER = "twitter"
    IN_PERSON = "in_person"


class Origin(StrEnum):
    UNITED_STATES = "us"
    OTHER = "other"
    MEXICO = "mexico"


class Topic(StrEnum):
    CONSULATES = "consulates"  # consulate hours, phones or location
    REGISTRATION = "registration"  # registration status on the list of voters
    CARD = "card"  # card status, correction, receipt confirmation, reshipping
    VOTE_ABROAD = "vote_abroad"


class Resolution(StrEnum):
    RESOLVED = "resolved"
    REFERRED = "referred"
    PENDING = "pending"


class Platform(StrEnum):
    TWITTER = "twitter"
    FACEBOOK = "facebook"
    YOUTUBE = "youtube"
    INSTAGRAM = "instagram"


class Account(StrEnum):
    """Whose social-media accounts the figures belong to (the seed reports three)."""

    LINKAGE = "linkage"  # the registry's linkage office (DERFE)
    CIVIC = "civic"  # civic-education campaign accounts, "El Poder es Tuyo" (DECEyEC)
    INSTITUTE = "institute"  # the institute's official accounts (CNCS)


class Medium(StrEnum):
    PRESS = "press"
    TELEVISION = "television"
    RADIO = "radio"
    INTERNET = "internet"


class PressKind(StrEnum):
    BULLETIN = "bulletin"
    MATERIAL = "material"


class Contact(Base):
    """One attention given by the citizen-service centre."""

    __tablename__ = "service_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str] = mapped_column(String(80))
    # The person, by reference only: the registry and the card part own the personal data.
    registration_folio: Mapped[str | None] = mapped_column(String(40), index=True)
    card_request: Mapped[str | None] = mapped_column(String(40), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str] = mapped_column(String(20), default=Resolution.RESOLVED.value)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class SocialFigures(Base):
    """Figures of one account on one platform over one period (usually a calendar month)."""

    __tablename__ = "service_social_figures"
    __table_args__ = (UniqueConstraint("account", "platform", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    publications: Mapped[int | None] = mapped_column(Integer)
    impressions: Mapped[int | None] = mapped_column(Integer)
    reach: Mapped[int | None] = mapped_column(Integer)
    interactions: Mapped[int | None] = mapped_column(Integer)
    reactions: Mapped[int | None] = mapped_column(Integer)  # likes / reactions
    shares: Mapped[int | None] = mapped_column(Integer)  # shares / retweets
    comments: Mapped[int | None] = mapped_column(Integer)  # comments / replies
    reproductions: Mapped[int | None] = mapped_column(Integer)  # video plays


class MediaNote(Base):
    """A note about the vote from abroad found by media monitoring."""

    __tablename__ = "service_media_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    published_on: Mapped[dt.date] = mapped_column(Date, index=True)
    outlet: Mapped[str] = mapped_column(String(200))
    medium: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")


class PressItem(Base):
    """A press bulletin or a graphic/audiovisual material, with its links."""

    __tablename__ = "service_press_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    published_on: Mapped[dt.date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(500))
    links: Mapped[str] = mapped_column(Text, default="")  # one URL per line


class Activity(Base):
    """A narrative entry of the quarterly report, filed under one section of its structure."""

    __tablename__ = "service_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section: Mapped[str] = mapped_column(String(40), index=True)
    happened_on: Mapped[dt.date] = mapped_column(Date, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
