"""The entity count (cómputo de entidad federativa, docs/count.md §5): the postal tables plus
the electronic table, the coalition distribution, the acta as PDF with its integrity hash,
versioned whenever a table's effective acta changes; and the actas written into the record."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.core import atomic
from vmre.count import acta_pdf
from vmre.count.actas import ELECTRONIC_TABLE, entity_figures, figures_hash
from vmre.count.models import ELECTRONIC, EntityCount
from vmre.count.tables import effective, table_document, tables_of
from vmre.record.layout import ACTAS_DIR, file_text
from vmre.voting.manifest import Manifest

SUMS = "SHA256SUMS"


def electronic_document(session: Session, manifest: Manifest, election_id: str) -> dict:
    """The electronic table's acta, contest by contest, as stored from the tally."""
    contests = {}
    for tbl in tables_of(session, election_id, kind=ELECTRONIC):
        for contest in manifest.contests_for(tbl.entity):
            acta = effective(session, tbl.id, contest.id)
            if acta is not None:
                contests[contest.id] = {**json.loads(acta.figures), "entity": tbl.entity,
                                        "version": acta.version}
    return {"election_id": election_id, "table": ELECTRONIC_TABLE, "kind": "electronic",
            "contests": contests}


def latest_count(session: Session, election_id: str, entity: str) -> EntityCount | None:
    return session.scalar(select(EntityCount).where(
        EntityCount.election_id == election_id, EntityCount.entity == entity
    ).order_by(EntityCount.version.desc()).limit(1))


def compute(session: Session, manifest: Manifest, election_id: str, entity: str,
            pdf: bool = True) -> EntityCount:
    """The entity count from the effective actas; a new version only when a figure changed."""
    electronic = electronic_document(session, manifest, election_id)
    tables = [table_document(session, manifest, t)
              for t in tables_of(session, election_id, entity)]
    previous = latest_count(session, election_id, entity)
    version = previous.version if previous else 1
    figures = entity_figures(manifest, entity, electronic, tables, version)
    if previous is not None and json.loads(previous.figures) == figures:
        if pdf and previous.pdf is None:
            _attach_pdf(manifest, previous)
        return previous
    if previous is not None:
        figures["version"] = version = previous.version + 1
    row = EntityCount(election_id=election_id, entity=entity, version=version,
                      figures=json.dumps(figures, sort_keys=True, ensure_ascii=False),
                      figures_sha256=figures_hash(figures))
    if pdf:
        _attach_pdf(manifest, row)
    session.add(row)
    session.flush()
    return row


def _attach_pdf(manifest: Manifest, row: EntityCount) -> None:
    row.pdf = acta_pdf.entity_acta_pdf(manifest, json.loads(row.figures), row.figures_sha256)
    row.pdf_sha256 = hashlib.sha256(row.pdf).hexdigest()


def entity_document(row: EntityCount) -> dict:
    """The record's JSON for an entity count: figures, their hash, and the PDF's hash."""
    return {"figures": json.loads(row.figures), "figures_sha256": row.figures_sha256,
            "pdf": f"{ACTAS_DIR}/computo/{row.entity}.pdf", "pdf_sha256": row.pdf_sha256}


def write_actas(session: Session, manifest: Manifest, election_id: str,
                folder: str | Path) -> list[str]:
    """Adds actas/ to a record folder (docs/count.md §6) and SHA256SUMS at its root listing
    every file under actas/. Returns the written paths, relative to the record folder."""
    folder = Path(folder)
    written: dict[str, bytes] = {}
    written[f"{ACTAS_DIR}/{ELECTRONIC_TABLE}.json"] = file_text(
        electronic_document(session, manifest, election_id)).encode()
    for tbl in tables_of(session, election_id):
        written[f"{ACTAS_DIR}/mesas/{tbl.label}.json"] = file_text(
            table_document(session, manifest, tbl)).encode()
    for entity in manifest.entities:
        row = compute(session, manifest, election_id, entity)
        written[f"{ACTAS_DIR}/computo/{entity}.json"] = file_text(entity_document(row)).encode()
        written[f"{ACTAS_DIR}/computo/{entity}.pdf"] = row.pdf or b""
    for name, data in written.items():  # each whole or not at all; SUMS last
        atomic.write_bytes(folder / name, data)
    atomic.write_text(folder / SUMS, sums_text(written))
    return sorted(written)


def sums_text(files: dict[str, bytes]) -> str:
    """`<sha256>  <path>` per file, sorted by path, LF line ends (the sha256sum format)."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                   for name, data in sorted(files.items()))
