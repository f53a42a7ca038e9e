"""Use cases of the count that span its concepts, for the web and the command line: capture
and corrections that keep the entity count current, the electronic table from the tally,
and what the public and the local electoral body (OPL) may read."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.core.messages import UserError
from vmre.core.staff import Role, StaffUser
from vmre.count import entity_count, tables
from vmre.count.actas import electronic_acta
from vmre.count.models import Acta, EntityCount
from vmre.voting.manifest import Contest, Manifest, parse_manifest


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
    """Administrators, supervisors and capture operators (reviewers) read every entity; the
    local electoral body (OPL) only its own."""
    if user.has(Role.SUPERVISOR, Role.REVIEWER):
        return True
    return Role.OPL.value in user.roles.split(",") and user.entity == entity


def manifest_of(session: Session, election_id: str) -> Manifest | None:
    """The manifest the voting server registered for the election."""
    from vmre.voting.models import Election

    election = session.get(Election, election_id)
    if election is None:
        return None
    return parse_manifest(json.dumps(json.loads(election.manifest), ensure_ascii=False),
                          "manifest.json")


def published(session: Session) -> list[EntityCount]:
    """The latest entity count of every election and entity, for the public index."""
    rows = session.scalars(select(EntityCount).order_by(
        EntityCount.election_id, EntityCount.entity, EntityCount.version.desc()))
    seen, out = set(), []
    for row in rows:
        if (row.election_id, row.entity) not in seen:
            seen.add((row.election_id, row.entity))
            out.append(row)
    return out


def published_internet(session: Session) -> list[dict]:
    """The elections whose internet tally is published: id, name and the page of its results."""
    from vmre.voting import server_tally

    return [{"id": election_id, "name": name, "href": f"/resultados/internet/{election_id}"}
            for election_id, name in server_tally.published(session)]


def candidate_color(manifest: Manifest, contest: Contest, candidate_id: str) -> str:
    """The colour of the candidate's first party (a coalition takes its first member's)."""
    for option in contest.options:
        if option.kind == "party" and option.candidate == candidate_id:
            return manifest.parties[option.parties[0]].get("color", "#777777")
    return "#777777"


def table_rows(session: Session, manifest: Manifest, election_id: str, entity: str) -> list:
    """Per postal table and contest: envelopes, latest version and status, effective version."""
    from vmre.count.postal import envelopes_at

    rows = []
    for tbl in tables.tables_of(session, election_id, entity):
        for contest in manifest.contests_for(entity):
            last = tables.latest(session, tbl.id, contest.id)
            used = tables.effective(session, tbl.id, contest.id)
            rows.append({"table": tbl, "contest": contest.id,
                         "envelopes": envelopes_at(session, tbl.id),
                         "version": last.version if last else 0,
                         "status": last.status if last else "open",
                         "reason": last.reason if last else "",
                         "params": json.loads(last.reason_params) if last else {},
                         "effective": used.version if used else None})
    return rows


def capture_context(session: Session, manifest: Manifest, tbl, contest_id: str) -> dict:
    from vmre.count.postal import envelopes_at

    contest = contest_of_table(manifest, tbl, contest_id)
    history = tables.history(session, tbl.id, contest_id)
    return {"table": tbl, "contest": contest, "history": history,
            "latest": history[-1] if history else None,
            "envelopes": envelopes_at(session, tbl.id),
            "reason_params": {a.id: json.loads(a.reason_params) for a in history}}


def figures_from_form(contest: Contest, form: Mapping) -> dict:
    """Acta figures from a capture form; a field that is not a whole number is refused."""
    def number(name: str) -> int:
        raw = str(form.get(name, "")).strip()
        if not (raw.isascii() and raw.isdigit()):
            raise UserError("count.acta.not_a_count", field=name)
        return int(raw)

    return {"counts": {o.id: number(f"option-{o.id}") for o in contest.options},
            "total": number("total"), "ballots_taken": number("ballots_taken")}


def contest_of_table(manifest: Manifest, tbl, contest_id: str) -> Contest:
    """The contest, if it is one of the table's entity."""
    try:
        contest = manifest.contest(contest_id)
    except KeyError:
        contest = None
    if contest is None or contest.entity != tbl.entity:
        raise UserError("count.table.unknown_contest", contest=contest_id)
    return contest
