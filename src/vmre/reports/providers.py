"""Figures other parts contribute to a report section, without this package importing them.

A part that has figures for the quarterly report ships a module
`vmre/<part>/report_figures.py` that registers its providers when imported, e.g.:

    from vmre.reports.providers import register
    register("electronic_voting", lambda session, period: [("registry.fig.accepted", 123)])

Each provider returns (catalogue key of the label, value) pairs for the period. The
modules are found by name, as the web templates are: a part that is absent is skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlalchemy.orm import Session

from vmre.service.periods import Period

Provider = Callable[[Session, Period], list[tuple[str, int]]]
PARTS = ("vmre.registry", "vmre.voting", "vmre.count", "vmre.cards")
_PROVIDERS: dict[str, list[Provider]] = {}
_discovered = False


def register(section: str, provider: Provider) -> None:
    _PROVIDERS.setdefault(section, []).append(provider)


def discover() -> None:
    """Import each part's `report_figures` module once, if the part ships one."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for part in PARTS:
        try:
            importlib.import_module(f"{part}.report_figures")
        except ModuleNotFoundError as err:
            if err.name not in (part, f"{part}.report_figures"):
                raise  # the module exists but is broken: say so


def figures(section: str, session: Session, period: Period) -> list[tuple[str, int]]:
    discover()
    out: list[tuple[str, int]] = []
    for provider in _PROVIDERS.get(section, []):
        out.extend(provider(session, period))
    return out
