"""Figures other parts contribute to a report section, without this package importing them.

A part registers a provider at import time, e.g. the registry for section 2.4:

    from vmre.reports.providers import register
    register("electronic_voting", lambda session, period: [("reports.fig.requests", 123)])

Each provider returns (catalogue key of the label, value) pairs for the period.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from vmre.service.periods import Period

Provider = Callable[[Session, Period], list[tuple[str, int]]]
_PROVIDERS: dict[str, list[Provider]] = {}


def register(section: str, provider: Provider) -> None:
    _PROVIDERS.setdefault(section, []).append(provider)


def figures(section: str, session: Session, period: Period) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for provider in _PROVIDERS.get(section, []):
        out.extend(provider(session, period))
    return out
