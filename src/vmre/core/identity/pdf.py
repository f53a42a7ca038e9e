"""The institution on every PDF: a running header (its emblem, its name, the citizen-service
contact) and footer (where the privacy notice is) in the page margins, added as one extra
style sheet when WeasyPrint renders a document, so no document template has to repeat it.

Every PDF the system produces is rendered through `render` here. The emblem is the operator's
SVG, put in the page margin as a data: URI; whatever it refers to beyond that (an image or a
style sheet on some server) is never fetched: the URL fetcher reads only data: and file: URLs,
so a document cannot make the server reach out to a network address while it is rendered."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from vmre.core.config import public_url
from vmre.core.identity import current
from vmre.core.messages import DEFAULT_LANGUAGE, LANGUAGES, text

_LANG = re.compile(r"<html[^>]*\blang=\"([a-z]{2})\"", re.IGNORECASE)


def _css_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def language_of(html: str) -> str:
    found = _LANG.search(html[:2000])
    return found.group(1) if found and found.group(1) in LANGUAGES else DEFAULT_LANGUAGE


def margin_css(lang: str = DEFAULT_LANGUAGE) -> str:
    org = current()
    free = [p for p in org.phones if p.free] or list(org.phones)
    phone = f" · {free[0].number}" if free else ""
    contact = f"{text('web.footer.contact', lang)}: {org.email}{phone}"
    privacy = f"{text('web.footer.privacy', lang)}: {public_url()}/privacidad"
    small = "font-family: 'DejaVu Sans', sans-serif; font-size: 7pt; color: #444;"
    emblem = base64.b64encode(org.emblem_svg()).decode("ascii")
    # the emblem in the top-left corner, scaled into a 1 cm square whatever its own size;
    # the institution's name beside it
    return (f"@page {{ @top-left {{ content: {_css_string(org.name(lang))}; {small} "
            f"font-weight: bold; padding-left: 1.2cm; "
            f"background: url(data:image/svg+xml;base64,{emblem}) no-repeat left center; "
            f"background-size: 1cm 1cm; }} "
            f"@top-right {{ content: {_css_string(contact)}; {small} }} "
            f"@bottom-left {{ content: {_css_string(privacy)}; {small} }} }}\n")


ALLOWED = frozenset({"data", "file"})  # the emblem inline, a document's own style sheet


def url_fetcher():
    """WeasyPrint's fetcher limited to data: and file: URLs: the emblem is the operator's file
    and may be hostile, and a PDF is rendered on the server, which must not fetch from the
    network on a document's say (WeasyPrint logs the refusal and draws without it)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=ALLOWED, allow_redirects=False)


def stylesheets(html: str) -> list:
    """WeasyPrint style sheets to pass to `write_pdf(stylesheets=…)` for `html`."""
    from weasyprint import CSS

    return [CSS(string=margin_css(language_of(html)), url_fetcher=url_fetcher())]


def render(html: str, base_url: str | None = None, target: Path | None = None) -> bytes | None:
    """The PDF of `html` with the institution in its margins: its bytes, or written to
    `target`. `base_url` resolves the document's relative links (a style sheet beside it)."""
    from weasyprint import HTML  # imported late: loading Pango costs a moment

    document = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher())
    return document.write_pdf(str(target) if target else None,
                              stylesheets=stylesheets(html))
