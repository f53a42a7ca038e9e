"""The identity an administrator saved (/admin/identidad/): one row in the database that,
once there, overrides the identity file for every page, mail and PDF (docs/identity.md §1.1).

Read through a short per-process cache (every page and every mail asks for it); saving in a
process forgets that process's copy at once, other processes (a command that mails, another
server) read the new row within `CACHE_SECONDS`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass

from sqlalchemy import Integer, LargeBinary, String, Text, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core import audit, countries
from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime
from vmre.core.email import ADDRESS
from vmre.core.identity import COLOUR, HOUR, Identity, Phone, contrast
from vmre.core.messages import UserError
from vmre.core.row_cache import RowCache

CACHE_SECONDS = 5.0
ROW_ID = 1
_PHONE = re.compile(r"\+?[0-9][0-9 ().-]{2,28}[0-9]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a name is one line: it goes into headers and PDFs
MAX_NAME, MAX_HOURS, MAX_PHONES = 200, 200, 40
log = logging.getLogger(__name__)


class StoredIdentity(Base):
    __tablename__ = "institution_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fields: Mapped[str] = mapped_column(Text)  # JSON: the values of `Values`
    emblem: Mapped[bytes] = mapped_column(LargeBinary)  # an SVG checked by identity.emblem
    saved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    saved_by: Mapped[str] = mapped_column(String(120))


@dataclass(frozen=True)
class Values:
    """What the page sets: every value but the privacy notices (those stay the file's)."""
    names: dict[str, str]
    primary: str
    primary_text: str
    focus: str
    email: str
    days: dict[str, str]
    opens: str
    closes: str
    phones: tuple[Phone, ...]

    @classmethod
    def of(cls, org: Identity) -> Values:
        return cls(dict(org.names), org.primary, org.primary_text, org.accent, org.email,
                   dict(org.days), org.opens, org.closes, tuple(org.phones))

    def as_json(self) -> str:
        data = dataclasses.asdict(self)
        data["phones"] = [dataclasses.asdict(p) for p in self.phones]
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Values:
        data = json.loads(text)
        data["phones"] = tuple(Phone(**p) for p in data["phones"])
        return cls(**data)


# The name each value goes by in the audit log and in the file (docs/identity.md §1).
FIELD_NAMES = {
    "names": "institution.name", "primary": "colours.primary",
    "primary_text": "colours.primary_text", "focus": "colours.focus",
    "email": "contact.email", "days": "contact.hours.days", "opens": "contact.hours.opens",
    "closes": "contact.hours.closes", "phones": "contact.phones",
}


def phone_countries(lang: str) -> tuple[tuple[str, str], ...]:
    """Where a line may be for: every country abroad and Mexico, in the order of the names."""
    pairs = (*countries.choices(lang), (countries.HOME, countries.name(countries.HOME, lang)))
    return tuple(sorted(pairs, key=lambda pair: (countries.sort_key(pair[1]), pair[0])))


def check(values: Values) -> list[tuple[str, UserError]]:
    """Every problem of the submitted values: (field, error), empty when they can be saved."""
    problems: list[tuple[str, UserError]] = []

    def bad(field_: str, key: str, **params: object) -> None:
        problems.append((field_, UserError(key, **params)))

    for lang, name in values.names.items():
        if not name.strip() or len(name) > MAX_NAME or _CONTROL.search(name):
            bad(f"name_{lang}", "web.identity.form.name", limit=MAX_NAME)
    colours_ok = True
    for field_ in ("primary", "primary_text", "focus"):
        if not COLOUR.fullmatch(getattr(values, field_)):
            colours_ok = False
            bad(field_, "web.identity.form.colour")
    if colours_ok:
        found = contrast.ratio(values.primary, values.primary_text)
        if found < contrast.AA_NORMAL_TEXT:
            bad("primary", "web.identity.form.low_contrast", ratio=f"{found:.2f}",
                needed=f"{contrast.AA_NORMAL_TEXT:.1f}")
    if len(values.email) > 254 or not ADDRESS.fullmatch(values.email):
        bad("email", "web.identity.form.email")
    for lang, days in values.days.items():
        if not days.strip() or len(days) > MAX_HOURS or _CONTROL.search(days):
            bad(f"days_{lang}", "web.identity.form.days", limit=MAX_HOURS)
    if not (HOUR.fullmatch(values.opens) and HOUR.fullmatch(values.closes)) \
            or values.opens >= values.closes:
        bad("opens", "web.identity.form.hours")
    known = {code for code, _ in phone_countries("es")}
    if len(values.phones) > MAX_PHONES:
        bad("phones", "web.identity.form.too_many_phones", limit=MAX_PHONES)
    for i, phone in enumerate(values.phones):
        if phone.country and phone.country not in known:
            bad(f"phone-{i}-country", "web.identity.form.country")
        if not _PHONE.fullmatch(phone.number):
            bad(f"phone-{i}-number", "web.identity.form.phone")
    return problems


def changed_fields(before: Identity, values: Values, emblem: bytes | None) -> list[str]:
    """The names of the values that differ from the identity in force (for the audit log:
    which fields changed, never their content)."""
    old = Values.of(before)
    names = [FIELD_NAMES[f.name] for f in dataclasses.fields(Values)
             if getattr(old, f.name) != getattr(values, f.name)]
    if emblem is not None and emblem != before.emblem_svg():
        names.append("institution.emblem")
    return names


def save(session: Session, actor: str, values: Values, emblem: bytes | None,
         before: Identity) -> list[str]:
    """Store the identity (the emblem in force when none is given) and log who changed
    which fields; returns those fields. The caller commits, then calls `forget`."""
    changed = changed_fields(before, values, emblem)
    row = session.get(StoredIdentity, ROW_ID)
    if row is None:
        row = StoredIdentity(id=ROW_ID)
        session.add(row)
    row.fields = values.as_json()
    row.emblem = emblem if emblem is not None else before.emblem_svg()
    row.saved_at = utcnow()
    row.saved_by = actor
    audit.record(session, actor, "identity_saved", "institution",
                 "fields: " + (", ".join(changed) or "none"))
    return changed


def discard(session: Session, actor: str) -> bool:
    """Remove the stored identity, so that the identity file rules again; logged. False when
    none was stored. The caller commits, then calls `forget`."""
    row = session.get(StoredIdentity, ROW_ID)
    if row is None:
        return False
    session.delete(row)
    audit.record(session, actor, "identity_discarded", "institution",
                 f"saved_by: {row.saved_by}")
    return True


_cache: RowCache[tuple[Identity, Identity | None]] = RowCache(CACHE_SECONDS)
_KEY = "identity"


def forget(engine: Engine) -> None:
    _cache.forget(engine, _KEY)


def in_force(engine: Engine, base: Identity, pooled: bool = True) -> Identity:
    """The stored identity over `base` (the file's), or `base` while none is stored.
    `pooled=False` reads over a connection that is closed afterwards, not kept in the
    engine's pool: the engine is borrowed (the one a command opened last), and a connection
    left there would keep SQLite's write-ahead log out of the database file."""
    hit = _cache.get(engine, _KEY)
    if hit is not None and hit[0] is base:
        return hit[1] or base
    merged = _read(engine, base, pooled)
    _cache.put(engine, _KEY, (base, merged))
    return merged or base


def _read(engine: Engine, base: Identity, pooled: bool = True) -> Identity | None:
    try:
        with engine.connect() as connection:
            if not pooled:
                connection.detach()  # closed with this block, never returned to the pool
            with Session(bind=connection) as session:
                row = session.scalars(select(StoredIdentity).where(
                    StoredIdentity.id == ROW_ID)).first()
    except SQLAlchemyError as err:  # a database not yet migrated, or gone: the file's
        log.warning("stored identity unreadable (%s); the identity file is used",
                    type(err).__name__)
        return None
    if row is None:
        return None
    values = Values.from_json(row.fields)
    return dataclasses.replace(
        base, names=dict(values.names), short_names=dict(values.names),
        primary=values.primary, primary_text=values.primary_text, accent=values.focus,
        email=values.email, days=dict(values.days), opens=values.opens, closes=values.closes,
        phones=values.phones, emblem_data=bytes(row.emblem), saved_at=row.saved_at,
        saved_by=row.saved_by)
