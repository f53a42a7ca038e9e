"""Field rules of the request form: each bad field gets a catalogue key the citizen can act on.

Every check here is about the shape of what was typed; checks against the register and the
process (deadlines, duplicates) live in the service.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from vmre.core import countries
from vmre.core.email import ADDRESS
from vmre.core.entities import BY_ID
from vmre.core.messages import text

_POSTAL = {
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
    "ES": r"\d{5}", "DE": r"\d{5}", "FR": r"\d{5}", "IT": r"\d{5}",
}
_POSTAL_ANY = r"[A-Z0-9][A-Z0-9 -]{1,9}"
ELECTOR_KEY = re.compile(r"[A-Z]{6}\d{8}[HMX][0-9A-Z]{3}")
PHONE = re.compile(r"\+[1-9]\d{7,14}")
NAME_PUNCTUATION = set(" '-.")

REQUIRED = ("given_names", "first_surname", "birth_date", "elector_key", "card_issued",
            "entity_id", "country", "region", "city", "postal_code", "street", "email",
            "phone", "modality")
TEXT_LIMITS = {"given_names": 120, "first_surname": 80, "second_surname": 80, "region": 120,
               "city": 120, "street": 200}


# -- who must look at a request (a process rule; docs/registry.md §3.1) ----------------------
# After the first review against the register, a request with a finding always goes to a
# person. The rule says which clean requests do too: `all` (every one: only a person sees
# the card images and the proof of address, which the register check cannot read),
# `sample` (a share of them, drawn from the random folio), or `findings` (none).
REVIEW_RULES = ("all", "sample", "findings")
DEFAULT_REVIEW_RULE = "all"
DEFAULT_SAMPLE_PERCENT = 10
# The finding recorded on a clean request sent to a person by the rule (catalogue texts
# registry.reason.review_all / review_sample).
REVIEW_FINDINGS = {"all": "review_all", "sample": "review_sample"}


def check_review_rule(rule: str, percent: int) -> None:
    from vmre.core.messages import UserError

    if rule not in REVIEW_RULES:
        raise UserError("registry.process.bad_review_rule", rule=rule[:20],
                        rules=", ".join(REVIEW_RULES))
    if not 1 <= percent <= 100:
        raise UserError("registry.process.bad_sample_percent", percent=percent)


def human_review(rule: str, percent: int, folio: str) -> str:
    """The finding that sends a clean request to a person under `rule`, or "" (accepted).
    A sample is drawn from the folio's hash: folios are random, so nobody can aim a request
    past the sample, and the same request is always drawn the same way."""
    if rule == "all":
        return REVIEW_FINDINGS["all"]
    if rule == "sample":
        draw = int.from_bytes(hashlib.sha256(folio.encode()).digest()[:8], "big") % 10_000
        return REVIEW_FINDINGS["sample"] if draw < percent * 100 else ""
    return ""


@dataclass
class FieldErrors(Exception):
    """Field name -> catalogue key (with its parameters)."""

    errors: dict[str, tuple[str, dict]] = field(default_factory=dict)

    def add(self, name: str, key: str, **params: object) -> None:
        self.errors.setdefault(name, (key, params))

    def messages(self, lang: str) -> dict[str, str]:
        return {k: text(key, lang, **params) for k, (key, params) in self.errors.items()}

    def __bool__(self) -> bool:
        return bool(self.errors)


def _clean(value: object) -> str:
    # Normalise whitespace and drop control characters; keep everything else verbatim.
    s = "" if value is None else str(value)
    s = "".join(ch for ch in s if ch.isprintable() or ch == " ")
    return " ".join(s.split())


def _is_name(value: str) -> bool:
    return any(ch.isalpha() for ch in value) and all(
        ch.isalpha() or ch in NAME_PUNCTUATION for ch in value)


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def check_request(raw: dict[str, object], today: dt.date) -> tuple[dict, FieldErrors]:
    """Clean values (what is stored) and the field errors; on error the form is shown again
    with what was typed, so nothing is lost."""
    v = {k: _clean(raw.get(k)) for k in (*REQUIRED, "second_surname", "ocr", "cic", "consent")}
    errors = FieldErrors()
    country = v["country"].upper()
    # A country whose addresses carry no postal code (Hong Kong, Qatar...) needs none.
    optional = set() if not countries.is_country(country) or countries.uses_postal_codes(
        country) else {"postal_code"}
    for name in REQUIRED:
        if not v[name] and name not in optional:
            errors.add(name, "registry.field.required")
    for name, limit in TEXT_LIMITS.items():
        if len(v[name]) > limit:
            errors.add(name, "registry.field.too_long", limit=limit)
    for name in ("given_names", "first_surname", "second_surname"):
        if v[name] and not _is_name(v[name]):
            errors.add(name, "registry.field.name")

    born = parse_date(v["birth_date"]) if v["birth_date"] else None
    if v["birth_date"] and born is None:
        errors.add("birth_date", "registry.field.date")
    elif born is not None:
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age < 18 or age > 120:
            errors.add("birth_date", "registry.field.age")

    v["elector_key"] = v["elector_key"].upper().replace(" ", "")
    if v["elector_key"] and not ELECTOR_KEY.fullmatch(v["elector_key"]):
        errors.add("elector_key", "registry.field.elector_key")
    v["ocr"] = v["ocr"].replace(" ", "")
    v["cic"] = v["cic"].replace(" ", "")
    if not v["ocr"] and not v["cic"]:
        errors.add("cic", "registry.field.ocr_or_cic")
    if v["ocr"] and not re.fullmatch(r"\d{13}", v["ocr"]):
        errors.add("ocr", "registry.field.ocr")
    if v["cic"] and not re.fullmatch(r"\d{9}", v["cic"]):
        errors.add("cic", "registry.field.cic")
    if v["card_issued"] and v["card_issued"] not in ("mexico", "abroad"):
        errors.add("card_issued", "registry.field.choice")
    if v["entity_id"] and v["entity_id"] not in BY_ID:
        errors.add("entity_id", "registry.field.choice")

    v["country"] = v["country"].upper()
    # Any country but Mexico (LGIPE art. 329), from the ISO 3166-1 list (core.countries).
    if v["country"] == countries.HOME:
        errors.add("country", "registry.field.not_abroad")
    elif v["country"] and not countries.is_abroad(v["country"]):
        errors.add("country", "registry.field.choice")
    v["postal_code"] = v["postal_code"].upper()
    pattern = _POSTAL.get(v["country"], _POSTAL_ANY)
    if v["postal_code"] and not re.fullmatch(pattern, v["postal_code"]):
        errors.add("postal_code", "registry.field.postal_code")

    v["email"] = v["email"].strip()
    if v["email"] and (len(v["email"]) > 254 or not ADDRESS.fullmatch(v["email"])):
        errors.add("email", "registry.field.email")
    else:
        v["email"] = v["email"].lower()  # one spelling per address, so uniqueness uses the index
    v["phone"] = re.sub(r"[\s().-]", "", v["phone"])
    if v["phone"] and not PHONE.fullmatch(v["phone"]):
        errors.add("phone", "registry.field.phone")
    if v["modality"] and v["modality"] not in ("postal", "internet"):
        errors.add("modality", "registry.field.choice")
    if v["consent"] not in ("yes", "on", "true", "1", "True"):
        errors.add("consent", "registry.field.consent")

    clean = dict(v)
    clean["birth_date"] = born
    clean["card_issued_abroad"] = v["card_issued"] == "abroad"
    return clean, errors
