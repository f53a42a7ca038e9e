"""Load the sample quarter (December 2019 – February 2020) as individual rows.

Contacts and notices are generated one by one so that every figure of the report is
computed from rows, never stored as a total. A fixed seed makes the load reproducible.
"""

from __future__ import annotations

import datetime as dt
import random
import tomllib
from importlib import resources

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from vmre.cards.campaigns import create_campaign
from vmre.cards.models import CHOOSABLE, Campaign, CardRequest, Notice, RequestStatus
from vmre.core.clock import day_start
from vmre.core.entities import ENTITIES
from vmre.core.messages import UserError
from vmre.service.activities import add_activity
from vmre.service.models import Contact
from vmre.service.outreach import add_media_note, add_press_item, record_social
from vmre.service.periods import month_end

SEED = 2020
CONSULATES = (("Los Ángeles", "US"), ("Chicago", "US"), ("Houston", "US"), ("Dallas", "US"),
              ("San Diego", "US"), ("Phoenix", "US"), ("Nueva York", "US"),
              ("Montreal", "CA"), ("Madrid", "ES"))


def sample_data() -> dict:
    raw = (resources.files("vmre.reports") / "sample_data.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def _expand(counts: dict[str, int], rng: random.Random) -> list[str]:
    values = [code for code, n in counts.items() for _ in range(n)]
    rng.shuffle(values)
    return values


def _instant(rng: random.Random, start: dt.date, end: dt.date) -> dt.datetime:
    days = (end - start).days
    day = start + dt.timedelta(days=rng.randint(0, days))
    # Office hours of that Mexico City day.
    return day_start(day) + dt.timedelta(hours=rng.randint(8, 17), minutes=rng.randint(0, 59))


def _sample_codes() -> list[str]:
    code = sample_data()["campaign"]["code"]
    return [f"{code}-llamada", f"{code}-correo"]


def is_loaded(session: Session) -> bool:
    """Whether the database holds the sample quarter: every report made from it is then
    marked as sample data."""
    return session.scalar(select(Campaign.id).where(Campaign.code.in_(_sample_codes()))
                          .limit(1)) is not None


def load_sample(session: Session) -> None:
    """Load the sample quarter into an empty service and campaign store."""
    data = sample_data()
    if is_loaded(session):
        raise UserError("reports.error.sample_loaded")
    rng = random.Random(SEED)
    start, end = data["period"]["start"], data["period"]["end"]
    _load_contacts(session, data["contacts"], rng, start, end)
    _load_campaign(session, data["campaign"], rng)
    _load_social(session, data["social"])
    _load_media(session, data["media"], rng, start, end)
    for item in data["press"]:
        add_press_item(session, kind=item["kind"], published_on=item["date"],
                       title=item["title"], links=item["links"])
    for position, item in enumerate(data["activity"]):
        add_activity(session, section=item["section"], happened_on=item["date"],
                     text=item["text"], position=position)
    session.flush()


def _load_contacts(session: Session, counts: dict, rng: random.Random, start: dt.date,
                   end: dt.date) -> None:
    channels = _expand(counts["channel"], rng)
    origins = _expand(counts["origin"], rng)
    topics = _expand(counts["topic"], rng)
    if not len(channels) == len(origins) == len(topics):
        raise ValueError("sample contact breakdowns disagree on the total")
    created = dt.datetime.now(dt.UTC)
    rows = [
        {
            "occurred_at": _instant(rng, start, end),
            "channel": channel,
            "origin": origin,
            "topic": topic,
            "agent": "muestra",
            "registration_folio": None,
            "card_request": None,
            "notes": "",
            "resolution": "resolved",
            "created_at": created,
        }
        for channel, origin, topic in zip(channels, origins, topics, strict=True)
    ]
    session.execute(insert(Contact), rows)


def _load_campaign(session: Session, spec: dict, rng: random.Random) -> None:
    """The card requests of 2018 or earlier never activated, and one notice per person: the
    report's two campaigns ("sendas campañas"), one by automated call, one by e-mail."""
    by_call = create_campaign(session, f"{spec['code']}-llamada", spec["name"],
                              spec["requested_until"], "call")
    by_mail = create_campaign(session, f"{spec['code']}-correo", spec["name"],
                              spec["requested_until"], "email")
    by_call.audience, by_mail.audience = spec["calls"], spec["emails"]
    total = spec["calls"] + spec["emails"]
    mechanisms = [m.value for m in CHOOSABLE]
    requests = []
    for n in range(total):
        consulate, country = CONSULATES[n % len(CONSULATES)]
        with_email = n < spec["emails"]
        requests.append({
            "request_id": f"M{2016 + n % 3}{n:07d}",
            "elector_key": None,
            "consulate": consulate,
            "country": country,
            "appointment_date": dt.date(2016 + n % 3, 1 + n % 12, 1 + n % 28),
            "entity": ENTITIES[rng.randrange(len(ENTITIES))].id,
            "mechanism": mechanisms[n % len(mechanisms)],
            "third_party_consent": False,
            "email": f"persona{n}@correo.example" if with_email else None,
            "phone": None if with_email else f"+1555{n:07d}",
            "status": RequestStatus.DELIVERED.value,
        })
    session.execute(insert(CardRequest), requests)
    ids = dict(session.execute(
        select(CardRequest.request_id, CardRequest.id)
        .where(CardRequest.request_id.in_([r["request_id"] for r in requests]))
    ).all())
    noon = dt.time(18, 0, tzinfo=dt.UTC)
    email_at = dt.datetime.combine(spec["emails_sent_on"], noon)
    call_at = dt.datetime.combine(spec["calls_sent_on"], noon)
    notices = [
        {
            "campaign_id": by_mail.id if r["email"] else by_call.id,
            "request_id": ids[r["request_id"]],
            "channel": "email" if r["email"] else "call",
            "sent_at": email_at if r["email"] else call_at,
            "outcome": "sent" if r["email"] else "queued",
        }
        for r in requests
    ]
    session.execute(insert(Notice), notices)


def _load_social(session: Session, rows: list[dict]) -> None:
    for row in rows:
        row = dict(row)
        if "month" in row:
            year, month = (int(x) for x in row.pop("month").split("-"))
            first = dt.date(year, month, 1)
            row["start"], row["end"] = first, month_end(first)
        record_social(session, account=row.pop("account"), platform=row.pop("platform"),
                      period_start=row.pop("start"), period_end=row.pop("end"), **row)


def _load_media(session: Session, spec: dict, rng: random.Random, start: dt.date,
                end: dt.date) -> None:
    # The source gives the total (110) and the four media, nothing of each note: the sample
    # notes name no outlet, summary or link, and their split by medium is illustrative.
    for medium in ("press", "television", "internet", "radio"):
        for _n in range(spec[medium]):
            day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
            add_media_note(session, published_on=day, outlet=spec["outlet"], medium=medium)
