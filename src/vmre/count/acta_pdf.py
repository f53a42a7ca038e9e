"""PDF documents of the count, rendered by WeasyPrint from HTML templates, in Spanish.

The Acta de Cómputo de Entidad Federativa prints its figures and their integrity hash
(SHA-256 of the figures' canonical JSON); the record lists the SHA-256 of the PDF bytes.
`pdf_text` reads a PDF back (pypdf) so tests and the verifier can compare it with the figures.
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, FileSystemLoader, select_autoescape

from vmre.core.messages import text
from vmre.voting.manifest import Manifest

LANG = "es"


@lru_cache(maxsize=1)
def _env() -> Environment:
    folder = resources.files("vmre.count") / "templates" / "pdf"
    env = Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(
        default=True))
    env.globals["t"] = lambda key, **p: text(key, LANG, **p)
    env.filters["n"] = lambda v: f"{v:,}".replace(",", " ")  # thin grouping, no locale
    return env


def render_html(template: str, **context: object) -> str:
    return _env().get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: loading Pango costs a moment

    return HTML(string=html).write_pdf()


def split_hash(digest: str, size: int = 16) -> list[str]:
    """The hash in groups, so it fits the page and reads back without line-break guessing."""
    return [digest[i:i + size] for i in range(0, len(digest), size)]


def entity_acta_pdf(manifest: Manifest, figures: dict, figures_sha256: str) -> bytes:
    contests = []
    for contest in manifest.contests_for(figures["entity"]):  # ballot order, not key order
        data = figures["contests"][contest.id]
        candidates = {c["id"]: c["name"] for c in contest.candidates}
        parties = [p for p in manifest.parties if p in data["parties"]]
        contests.append({"id": contest.id, "data": data, "options": contest.options,
                         "candidates": candidates, "parties": parties})
    html = render_html("acta_entidad.html", manifest=manifest, figures=figures,
                       contests=contests, hash_groups=split_hash(figures_sha256))
    return html_to_pdf(html)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
