"""The institution that runs the site: its name, emblem, colours, citizen-service contact and
privacy notices, set once by the operator (docs/identity.md).

An administrator's page (/admin/identidad/) stores them in the database; until one is saved,
the TOML file named by `VMRE_IDENTITY` (or `vmre --identity FILE …`, which sets it) is used,
and without one the example shipped beside this module (`example.toml`: a neutral placeholder
emblem and fictitious numbers, never a real institution's mark or lines). Paths inside the
file are relative to the file. Every web page, mail and PDF reads the same `Identity`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tomllib
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from sqlalchemy.engine import Engine

from vmre.core.messages import DEFAULT_LANGUAGE, LANGUAGES, UserError

ENV = "VMRE_IDENTITY"
# The database whose stored identity is in force for the work at hand: set by the web
# application for each request; elsewhere the database the process opened (a command's).
database: ContextVar[Engine | None] = ContextVar("vmre_identity_database", default=None)
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")  # the file and the administrators' page alike
HOUR = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def example_path() -> Path:
    return Path(str(resources.files("vmre.core.identity") / "example.toml"))


@dataclass(frozen=True)
class Phone:
    country: str  # ISO 3166-1 alpha-2, or "" for "from any other country"
    number: str
    free: bool  # a toll-free line in that country


@dataclass(frozen=True)
class Section:
    """One part of a privacy notice: a title and its blocks (paragraphs and lists)."""
    title: str
    blocks: tuple[tuple[str, tuple[str, ...]], ...]  # ("p", (text,)) or ("ul", items)


@dataclass(frozen=True)
class Notice:
    title: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Identity:
    source: Path
    names: dict[str, str]
    short_names: dict[str, str]
    emblem: Path
    primary: str
    primary_text: str
    accent: str
    email: str
    phones: tuple[Phone, ...]
    days: dict[str, str]
    opens: str
    closes: str
    privacy_files: dict[str, Path] = field(default_factory=dict)
    emblem_data: bytes | None = None  # an emblem stored in the database (else the file's)
    saved_at: dt.datetime | None = None  # when an administrator saved it (None: the file's)
    saved_by: str = ""

    @cached_property
    def revision(self) -> str:
        """A short digest of what the browser caches (colours, emblem): the pages' links to
        the style sheet and the emblem carry it, so a change shows at the next page."""
        digest = hashlib.sha256(f"{self.primary}{self.primary_text}{self.accent}".encode())
        digest.update(self.emblem_svg())
        return digest.hexdigest()[:12]

    def name(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.names.get(lang) or self.names[DEFAULT_LANGUAGE]

    def short_name(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.short_names.get(lang) or self.name(lang)

    def hours(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The opening hours (Mexico City time; the pages name the zone)."""
        days = self.days.get(lang) or self.days[DEFAULT_LANGUAGE]
        return days.replace("{opens}", self.opens).replace("{closes}", self.closes)

    def emblem_svg(self) -> bytes:
        return self.emblem_data if self.emblem_data is not None else self.emblem.read_bytes()

    def notice(self, kind: str, lang: str = DEFAULT_LANGUAGE) -> Notice:
        """The privacy notice `kind` ("simplified" or "full") in `lang`; "{institution}" in
        its texts stands for the institution's name."""
        notice = _notice(self.privacy_files[kind], lang)
        name = self.name(lang)

        def fill(value: str) -> str:
            return value.replace("{institution}", name)

        return Notice(fill(notice.title), tuple(
            Section(fill(s.title), tuple((kind_, tuple(fill(i) for i in items))
                                         for kind_, items in s.blocks))
            for s in notice.sections))


def _lang_table(data: dict, key: str, where: Path) -> dict[str, str]:
    value = data.get(key)
    if isinstance(value, str):
        return dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict) or not isinstance(value.get(DEFAULT_LANGUAGE), str):
        raise UserError("web.identity.missing", file=str(where), key=key)
    return {lang: str(value.get(lang) or value[DEFAULT_LANGUAGE]) for lang in LANGUAGES}


def _colour(data: dict, key: str, default: str, where: Path) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not COLOUR.fullmatch(value):
        raise UserError("web.identity.bad_value", file=str(where), key=f"colours.{key}")
    return value.lower()


def load(path: Path) -> Identity:
    """Read and check an identity file; a UserError names the file and the key at fault."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeError, tomllib.TOMLDecodeError) as err:
        raise UserError("web.identity.unreadable", file=str(path),
                        reason=type(err).__name__) from None
    base = path.parent
    institution = data.get("institution", {})
    colours = data.get("colours", {})
    contact = data.get("contact", {})
    privacy = data.get("privacy", {})
    emblem = base / str(institution.get("emblem", "emblem.svg"))
    if not emblem.is_file():
        raise UserError("web.identity.missing", file=str(path), key="institution.emblem")
    phones = []
    for item in contact.get("phones", []):
        if not isinstance(item, dict) or not isinstance(item.get("number"), str):
            raise UserError("web.identity.bad_value", file=str(path), key="contact.phones")
        phones.append(Phone(str(item.get("country", "")).upper(), item["number"],
                            bool(item.get("free", False))))
    hours = contact.get("hours", {})
    opens, closes = str(hours.get("opens", "")), str(hours.get("closes", ""))
    if not HOUR.fullmatch(opens) or not HOUR.fullmatch(closes):
        raise UserError("web.identity.bad_value", file=str(path), key="contact.hours")
    files = {}
    for kind in ("simplified", "full"):
        if kind not in privacy:
            raise UserError("web.identity.missing", file=str(path), key=f"privacy.{kind}")
        files[kind] = base / str(privacy[kind])
        _notice(files[kind], DEFAULT_LANGUAGE)  # refuse a broken notice at start-up
    email = contact.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise UserError("web.identity.missing", file=str(path), key="contact.email")
    return Identity(
        source=path, names=_lang_table(institution, "name", path),
        short_names=_lang_table(institution, "short_name", path)
        if "short_name" in institution else _lang_table(institution, "name", path),
        emblem=emblem,
        primary=_colour(colours, "primary", "#7a1f3d", path),
        primary_text=_colour(colours, "primary_text", "#ffffff", path),
        accent=_colour(colours, "focus", "#f5a623", path),
        email=email, phones=tuple(phones), days=_lang_table(hours, "days", path),
        opens=opens, closes=closes, privacy_files=files)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Identity:
    del mtime  # part of the cache key: an edited file is read again
    return load(Path(path))


def current() -> Identity:
    """The identity in force: the one an administrator stored in the database (of the
    request, else of the process), else VMRE_IDENTITY's file, else the shipped example."""
    base = from_file()
    from vmre.core.identity.stored import in_force

    engine = database.get()
    if engine is not None:
        return in_force(engine, base)
    from vmre.core.database import latest_engine

    engine = latest_engine()
    return base if engine is None else in_force(engine, base, pooled=False)


def from_file() -> Identity:
    """VMRE_IDENTITY's file, else the shipped example."""
    path = Path(os.environ.get(ENV) or example_path())
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise UserError("web.identity.unreadable", file=str(path), reason="missing") from None
    return _load_cached(str(path), mtime)


@lru_cache(maxsize=32)
def _notice_cached(path: str, mtime: float, lang: str) -> Notice:
    del mtime
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeError, tomllib.TOMLDecodeError) as err:
        raise UserError("web.identity.unreadable", file=path,
                        reason=type(err).__name__) from None
    where = Path(path)
    sections = []
    for raw in data.get("section", []):
        title = _lang_table(raw, "title", where)[lang]
        sections.append(Section(title, blocks(_lang_table(raw, "body", where)[lang])))
    return Notice(_lang_table(data, "title", where)[lang], tuple(sections))


def _notice(path: Path, lang: str) -> Notice:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise UserError("web.identity.unreadable", file=str(path), reason="missing") from None
    return _notice_cached(str(path), mtime, lang)


def blocks(body: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Plain text as blocks: paragraphs split by blank lines; a paragraph whose lines all
    start with "- " is a list. No markup is interpreted (pages escape every text)."""
    out = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            out.append(("ul", tuple(line[2:].strip() for line in lines)))
        else:
            out.append(("p", (" ".join(lines),)))
    return tuple(out)
