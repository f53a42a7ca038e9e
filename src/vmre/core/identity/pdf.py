"""The institution on every PDF: a running header (its name, the citizen-service contact) and
footer (where the privacy notice is) in the page margins, added as one extra style sheet
when WeasyPrint renders a document, so no document template has to repeat it."""

from __future__ import annotations

import re

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
    return (f"@page {{ @top-left {{ content: {_css_string(org.name(lang))}; {small} "
            f"font-weight: bold; }} "
            f"@top-right {{ content: {_css_string(contact)}; {small} }} "
            f"@bottom-left {{ content: {_css_string(privacy)}; {small} }} }}\n")


def stylesheets(html: str) -> list:
    """WeasyPrint style sheets to pass to `write_pdf(stylesheets=…)` for `html`."""
    from weasyprint import CSS

    return [CSS(string=margin_css(language_of(html)))]
