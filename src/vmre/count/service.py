"""Use cases of the count that span its concepts, for the web and the command line: capture
and corrections that keep the entity count current, the electronic table from the tally,
and what the public and the local electoral body (OPL) may read."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy.orm import Session

from vmre.core.staff import Role, StaffUser
from vmre.count import entity_count, tables
from vmre.count.actas import electronic_acta
from vmre.count.models import Acta, EntityCount
from vmre.voting.manifest import Manifest


def _recompute_if_valid(session: Session, manifest: Manifest, acta: Acta) -> Acta:
    if acta.status == "valid":
        tbl = tables.table(session, acta.table_id)
        entity_count.compute(session, manifest, tbl.election_id, tbl.entity, pdf=False)
    return acta


def capture(session: Session, manifest: Manifest, table_id: int, contest_id: str,
            operator: str, figures: Mapping) -> Acta:
    acta = tables.capture(session, manifest, table_id, contest_id, operator, figures)
    return _recompute_if_valid(session, manifest, acta)


def resolve(session: Session, manifest: Manifest, table_id: int, contest_id: str,
            supervisor: StaffUser, figures: Mapping, note: str) -> Acta:
    acta = tables.resolve(session, manifest, table_id, contest_id, supervisor, figures, note)
    return _recompute_if_valid(session, manifest, acta)


def recapture(session: Session, table_id: int, contest_id: str, actor: str, reason: str) -> Acta:
    return tables.recapture(session, table_id, contest_id, actor, reason)


def import_electronic(session: Session, manifest: Manifest, results: Mapping) -> None:
    """The record's decrypted tally becomes the electronic table's acta of every entity."""
    election_id = results.get("election_id") or manifest.election_id
    tables.record_electronic(session, manifest, election_id, electronic_acta(manifest, results))
    for entity in manifest.entities:
        entity_count.compute(session, manifest, election_id, entity, pdf=False)


def current_count(session: Session, manifest: Manifest, election_id: str, entity: str,
                  pdf: bool = False) -> EntityCount | None:
    if entity_count.latest_count(session, election_id, entity) is None:
        return None
    return entity_count.compute(session, manifest, election_id, entity, pdf=pdf)


def figures_of(row: EntityCount) -> dict:
    return json.loads(row.figures)


def may_read_entity(user: StaffUser, entity: str) -> bool:
    """Administrators and supervisors read every entity; an OPL only its own."""
    if user.has(Role.SUPERVISOR):
        return True
    return Role.OPL.value in user.roles.split(",") and user.entity == entity
