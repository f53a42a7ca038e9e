"""What a person (or a screen reader) would trip over on a page, as headless Chromium shows it:
an error in the console, a page wider than the window (horizontal scroll), the institution's
header, footer or privacy link missing, any axe-core violation of any impact. A screenshot of
each page looked at is kept under tests/browser/screenshots/ (gitignored) for a person to look
at, never compared pixel by pixel."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import SHOTS, problems_on, watch_console

WIDTHS = (360, 1280)  # a phone's and a desktop's


def wait_for_ballot(page) -> None:
    """The ballot page's script asks for the election's public data before it is usable."""
    if page.locator("#ballot-app").count():
        page.wait_for_selector("#ballot-app[data-ready='1']", state="attached")


def problems_of(page, url: str, axe_source: str, shot: Path) -> list[str]:
    """What is wrong with the page at `url`, opened in a fresh tab."""
    errors = watch_console(page)
    response = page.goto(url)
    wait_for_ballot(page)
    found = []
    if response is None or response.status != 200:
        found.append(f"status {response.status if response else None}")
    return found + problems_on(page, errors, axe_source, shot)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def shot_name(width: int, path: str, lang: str) -> Path:
    path = re.sub(r"/[\w-]{32,}", "", path)  # a link's token, a tracking code: not in the name
    return SHOTS / f"{width}-{lang}-{slug(path) or 'inicio'}.png"


class Eyes:
    """One person's tab through a walk at one width. The console is watched all along (an
    uncaught script error included); `look` checks the page now shown, as that step of the
    walk left it, and files what is wrong under the step's name."""

    def __init__(self, browser, axe_source: str, width: int, walk: str, lang: str = "es"
                 ) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900},
                                           locale="es-MX" if lang == "es" else "en-US")
        self.page = self.context.new_page()
        self.axe, self.width, self.walk, self.lang = axe_source, width, walk, lang
        self.errors: list[str] = []
        self.found: dict[str, list[str]] = {}
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("response", self._document_status)

    def _document_status(self, response) -> None:
        if response.request.is_navigation_request() and response.status >= 400:
            self.errors.append(f"status {response.status} for {response.url}")

    def look(self, step: str) -> None:
        self.page.wait_for_load_state()
        wait_for_ballot(self.page)
        shot = SHOTS / f"{self.width}-{self.lang}-{slug(self.walk)}-{slug(step)}.png"
        problems = problems_on(self.page, self.errors, self.axe, shot)
        if problems:
            self.found[f"{self.width} px, {step}"] = problems

    def close(self) -> None:
        self.context.close()
