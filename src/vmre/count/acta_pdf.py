"""PDF documents of the count, rendered by WeasyPrint from HTML templates, in Spanish.

The Acta de Cómputo de Entidad Federativa prints its figures and their integrity hash
(SHA-256 of the figures' canonical JSON); the record lists the SHA-256 of the PDF bytes.
`pdf_text` reads a PDF back (pypdf) so tests and the verifier can compare it with the figures.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, FileSystemLoader, select_autoescape

from vmre.core.clock import people_text
from vmre.core.entities import BY_ID as ENTITIES
from vmre.core.messages import number, text
from vmre.count.actas import ELECTRONIC_TABLE
from vmre.count.models import Package
from vmre.voting import names
from vmre.voting.manifest import Manifest

LANG = "es"


@lru_cache(maxsize=1)
def _env() -> Environment:
    folder = resources.files("vmre.count") / "templates" / "pdf"
    env = Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(
        default=True))
    env.globals["t"] = lambda key, **p: text(key, LANG, **p)
    env.filters["n"] = number  # 18,425: the one way counts are written
    env.filters["table"] = table_name
    return env


def table_name(label: str) -> str:
    """A counting table as people call it: the electronic table by name, a postal table by
    its label (`JAL-01`, written on the table itself)."""
    return text("count.pdf.electronic_table", LANG) if label == ELECTRONIC_TABLE else label


def render_html(template: str, **context: object) -> str:
    return _env().get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    from vmre.core.identity import pdf  # the institution's emblem and running header

    return pdf.render(html)


def split_hash(digest: str, size: int = 16) -> list[str]:
    """The hash in groups, so it fits the page and reads back without line-break guessing."""
    return [digest[i:i + size] for i in range(0, len(digest), size)]


def entity_acta_pdf(manifest: Manifest, figures: dict, figures_sha256: str) -> bytes:
    contests = []
    for contest in manifest.contests_for(figures["entity"]):  # ballot order, not key order
        data = figures["contests"][contest.id]
        candidates = {c["id"]: c["name"] for c in contest.candidates}
        parties = [p for p in manifest.parties if p in data["parties"]]
        # names people read: the office, parties and coalitions with their candidates
        contests.append({"id": contest.id, "data": data, "options": contest.options,
                         "title": names.contest_name(contest, LANG),
                         "option_names": {o.id: names.option_name(manifest, contest, o, LANG)
                                          for o in contest.options},
                         "candidates": candidates, "parties": parties})
    html = render_html("acta_entidad.html", manifest=manifest, figures=figures,
                       contests=contests, hash_groups=split_hash(figures_sha256))
    return html_to_pdf(html)


def late_acta_pdf(election_name: str, deadline: dt.datetime, late: Sequence[Package],
                  entity: str | None = None) -> bytes:
    """The list of envelopes received after the deadline and the acta of their destruction
    (LGIPE art. 345.2): their number per entity and, per envelope, only what the law asks
    for: its code, its sender (remitente) and when it arrived, on Mexico City's clock, in
    the one format people read (vmre.core.clock.people_text), entities by name."""
    rows = [{"entity": entity_name(p.entity), "envelope": p.return_tracking, "sender": p.name,
             "received": _local(p.received_at)} for p in late]
    per_entity = [(entity_name(e), n) for e, n in sorted(Counter(p.entity for p in late).items())]
    html = render_html("acta_extemporaneos.html", election_name=election_name,
                       entity=entity_name(entity) if entity else None,
                       deadline=_local(deadline), rows=rows, per_entity=per_entity)
    return html_to_pdf(html)


def entity_name(entity: str) -> str:
    known = ENTITIES.get(entity)
    return known.name if known else entity


def _local(moment: dt.datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite drops zones
    return people_text(aware, LANG)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
