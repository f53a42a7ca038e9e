"""What a person (or a screen reader) would trip over on a page, as headless Chromium shows it:
an error in the console, a page wider than the window (horizontal scroll), the institution's
header, footer or privacy link missing, any axe-core violation of any impact. A screenshot of
each page looked at is kept under tests/browser/screenshots/ (gitignored) for a person to look
at, never compared pixel by pixel."""

from __future__ import annotations

import re
from pathlib import Path

SHOTS = Path(__file__).resolve().parent / "screenshots"
WIDTHS = (360, 1280)  # a phone's and a desktop's


def wait_for_ballot(page) -> None:
    """The ballot page's script asks for the election's public data before it is usable."""
    if page.locator("#ballot-app").count():
        page.wait_for_selector("#ballot-app[data-ready='1']", state="attached")


def shown_problems(page, axe_source: str, shot: Path) -> list[str]:
    """What is wrong with the page now shown (the console is watched by the caller)."""
    found = []
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        found.append(f"horizontal scroll: {widths[0]} px in a {widths[1]} px window")
    for selector in ("header#site-header a.brand img.emblem", "footer#site-footer",
                     "footer#site-footer a[href='/privacidad']"):
        if not page.locator(selector).first.is_visible():
            found.append(f"missing {selector}")
    page.evaluate(axe_source)  # through the DevTools protocol: the page's CSP stays on
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found += [f"axe {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
              for v in result["violations"]]
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    return found


def problems_of(page, url: str, axe_source: str, shot: Path) -> list[str]:
    """What is wrong with the page at `url`, opened in a fresh tab."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    response = page.goto(url)
    wait_for_ballot(page)
    found = []
    if response is None or response.status != 200:
        found.append(f"status {response.status if response else None}")
    found += [f"console: {e}" for e in errors]
    return found + shown_problems(page, axe_source, shot)


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
        problems = [f"console: {e}" for e in self.errors]
        problems += shown_problems(self.page, self.axe, shot)
        self.errors.clear()
        if problems:
            self.found[f"{self.width} px, {step}"] = problems

    def close(self) -> None:
        self.context.close()
