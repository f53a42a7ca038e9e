"""The one message catalogue: every user-facing text, in Spanish first and English alongside.

Texts live in `catalog/<part>.toml`, one table per key with `es` and `en` entries.
Code refers to texts by key only; `{name}` placeholders are filled with str.format.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    folder = resources.files("vmre.core") / "catalog"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        part = entry.name.removesuffix(".toml")
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for key, value in _flatten(data):
            full = f"{part}.{key}"
            missing = [lang for lang in LANGUAGES if lang not in value]
            if missing:
                raise ValueError(f"catalogue entry {full} lacks {missing}")
            texts[full] = value
    return texts


def _flatten(data: dict, prefix: str = ""):
    for key, value in data.items():
        if isinstance(value, dict) and "es" in value and isinstance(value["es"], str):
            yield prefix + key, value
        elif isinstance(value, dict):
            yield from _flatten(value, prefix + key + ".")


class PerLanguage:
    """A placeholder value that reads differently per language (a date in people's format):
    given to a text before its language is known, e.g. as a UserError's parameter."""

    def __init__(self, say: Callable[[str], str]) -> None:
        self.say = say

    def __str__(self) -> str:
        return self.say(DEFAULT_LANGUAGE)


def text(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The text for `key` in `lang`, with placeholders filled."""
    entry = catalogue().get(key)
    if entry is None:
        raise KeyError(f"no catalogue entry {key}")
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    if not params:
        return template
    return template.format(**{name: value.say(lang) if isinstance(value, PerLanguage)
                              else value for name, value in params.items()})


def _both(es: str, en: str) -> str:
    """Spanish, then English, once when they read the same."""
    return es if es == en else f"{es} / {en}"


def bilingual_plural(key: str, count: int, /, **params: object) -> str:
    return _both(plural(key, count, "es", **params), plural(key, count, "en", **params))


def bilingual_counts(key: str, /, counts: dict[str, tuple[str, int]],
                     **params: object) -> str:
    """Spanish, then English, of a text holding several counts: `counts` maps each
    placeholder to (plural key, count), each said in its language's grammatical form."""
    es, en = (text(key, lang, **{name: plural(k, n, lang) for name, (k, n) in counts.items()},
                   **params) for lang in ("es", "en"))
    return _both(es, en)


def bilingual(key: str, /, **params: object) -> str:
    """Spanish, then English: for the command line and logs read by either."""
    return _both(text(key, "es", **params), text(key, "en", **params))


class UserError(Exception):
    """An error a person can act on; carries a catalogue key and its parameters."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(bilingual(key, **params))

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return text(self.key, lang, **self.params)


def number(value: int | float) -> str:
    """A count with thousands separators, as both languages write it here: 18,425."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def plural(key: str, count: int, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The grammatical form of `key` for `count` ("1 boleta", "2 boletas"): the catalogue holds
    `<key>.one` and `<key>.other`; Spanish and English both use "one" for 1 alone.
    `{n}` is the count with thousands separators."""
    form = "one" if count == 1 else "other"
    return text(f"{key}.{form}", lang, n=number(count), **params)
