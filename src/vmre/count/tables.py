"""Counting tables (MEC, docs/count.md §4): acta capture by two operators, the consistency
checks that block an acta, the supervisor's resolution of a mismatch, and re-capture with a
reason. Every version of an acta stays; the effective one is the latest valid version."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.core import audit
from vmre.core.messages import UserError
from vmre.core.staff import Role, StaffUser
from vmre.count.actas import check_figures, differences
from vmre.count.models import ELECTRONIC, POSTAL, Acta, Capture, CountingTable
from vmre.count.postal import envelopes_at
from vmre.voting.manifest import Manifest


def tables_of(session: Session, election_id: str, entity: str | None = None,
              kind: str | None = POSTAL) -> list[CountingTable]:
    query = select(CountingTable).where(CountingTable.election_id == election_id)
    if entity:
        query = query.where(CountingTable.entity == entity)
    if kind:
        query = query.where(CountingTable.kind == kind)
    return list(session.scalars(query.order_by(CountingTable.entity, CountingTable.number)))


MAX_ID = 2**63 - 1  # the largest integer key either database holds


def table(session: Session, table_id: int) -> CountingTable:
    row = session.get(CountingTable, table_id) if 0 < table_id <= MAX_ID else None
    if row is None:
        raise UserError("count.table.unknown", table=table_id)
    return row


def history(session: Session, table_id: int, contest_id: str) -> list[Acta]:
    return list(session.scalars(select(Acta).where(
        Acta.table_id == table_id, Acta.contest_id == contest_id).order_by(Acta.version)))


def latest(session: Session, table_id: int, contest_id: str) -> Acta | None:
    rows = history(session, table_id, contest_id)
    return rows[-1] if rows else None


def effective(session: Session, table_id: int, contest_id: str) -> Acta | None:
    """The acta that counts: the latest valid version (a re-capture in progress or blocked
    leaves the previous valid version in force until the new one is valid)."""
    valid = [a for a in history(session, table_id, contest_id) if a.status == "valid"]
    return valid[-1] if valid else None


def _contest(manifest: Manifest, tbl: CountingTable, contest_id: str):
    try:
        contest = manifest.contest(contest_id)
    except KeyError:
        raise UserError("count.table.unknown_contest", contest=contest_id) from None
    if contest.entity != tbl.entity:
        raise UserError("count.table.unknown_contest", contest=contest_id)
    return contest


def _decide(session: Session, manifest: Manifest, tbl: CountingTable, acta: Acta,
            figures: Mapping, actor: str) -> Acta:
    contest = _contest(manifest, tbl, acta.contest_id)
    envelopes = None if tbl.kind == ELECTRONIC else envelopes_at(session, tbl.id)
    reasons = check_figures(contest, figures, envelopes)
    acta.figures = json.dumps(figures, sort_keys=True)
    acta.decided_by = actor
    if reasons:
        key, params = reasons[0]
        acta.status, acta.reason, acta.reason_params = "blocked", key, json.dumps(params)
        audit.record(session, actor, "count.acta_blocked", _subject(tbl, acta), key)
    else:
        acta.status, acta.reason, acta.reason_params = "valid", "", "{}"
        audit.record(session, actor, "count.acta_valid", _subject(tbl, acta))
    session.flush()
    return acta


def _subject(tbl: CountingTable, acta: Acta) -> str:
    return f"{tbl.label} {acta.contest_id} v{acta.version}"


def capture(session: Session, manifest: Manifest, table_id: int, contest_id: str,
            operator: str, figures: Mapping) -> Acta:
    """One operator's entry. The second entry, by another operator, decides the round: equal
    entries are checked for consistency (valid or blocked); different ones are flagged."""
    if not isinstance(figures, Mapping):
        raise UserError("count.acta.malformed", field="counts")
    tbl = table(session, table_id)
    _contest(manifest, tbl, contest_id)
    acta = latest(session, table_id, contest_id)
    if acta is None:
        acta = Acta(table_id=table_id, contest_id=contest_id, version=1, status="open")
        session.add(acta)
        session.flush()
    if acta.status == "mismatch":
        raise UserError("count.capture.awaiting_supervisor")
    if acta.status != "open":
        raise UserError("count.capture.closed", version=acta.version)
    done = list(session.scalars(select(Capture).where(
        Capture.table_id == table_id, Capture.contest_id == contest_id,
        Capture.version == acta.version).order_by(Capture.slot)))
    if any(c.operator == operator for c in done):
        raise UserError("count.capture.same_operator")
    session.add(Capture(table_id=table_id, contest_id=contest_id, version=acta.version,
                        slot=len(done) + 1, operator=operator,
                        figures=json.dumps(figures, sort_keys=True)))
    audit.record(session, operator, "count.capture", _subject(tbl, acta), f"slot {len(done) + 1}")
    session.flush()
    if not done:
        return acta
    diff = differences(json.loads(done[0].figures), figures)
    if diff:
        acta.status, acta.reason = "mismatch", "count.capture.mismatch"
        acta.reason_params = json.dumps({"fields": ", ".join(diff)})
        audit.record(session, operator, "count.capture_mismatch", _subject(tbl, acta),
                     ", ".join(diff))
        session.flush()
        return acta
    return _decide(session, manifest, tbl, acta, figures, operator)


def captures(session: Session, table_id: int, contest_id: str, version: int) -> list[Capture]:
    return list(session.scalars(select(Capture).where(
        Capture.table_id == table_id, Capture.contest_id == contest_id,
        Capture.version == version).order_by(Capture.slot)))


def resolve(session: Session, manifest: Manifest, table_id: int, contest_id: str,
            supervisor: StaffUser, figures: Mapping, note: str) -> Acta:
    """A supervisor settles a mismatch by entering the figures read from the paper acta."""
    if not supervisor.has(Role.SUPERVISOR):
        raise UserError("count.capture.supervisor_only")
    if not note.strip():
        raise UserError("count.capture.reason_required")
    if not isinstance(figures, Mapping):
        raise UserError("count.acta.malformed", field="counts")
    tbl = table(session, table_id)
    acta = latest(session, table_id, contest_id)
    if acta is None or acta.status != "mismatch":
        raise UserError("count.capture.nothing_to_resolve")
    audit.record(session, supervisor.username, "count.capture_resolved", _subject(tbl, acta),
                 note[:500])
    return _decide(session, manifest, tbl, acta, figures, supervisor.username)


def recapture(session: Session, table_id: int, contest_id: str, actor: str,
              reason: str) -> Acta:
    """Opens a new version of a decided acta (a recount or a correction); needs a reason."""
    if not reason.strip():
        raise UserError("count.capture.reason_required")
    tbl = table(session, table_id)
    acta = latest(session, table_id, contest_id)
    if acta is None or acta.status not in ("valid", "blocked"):
        raise UserError("count.capture.not_decided")
    new = Acta(table_id=table_id, contest_id=contest_id, version=acta.version + 1,
               status="open", recapture_reason=reason.strip())
    session.add(new)
    audit.record(session, actor, "count.recapture", _subject(tbl, new), reason[:500])
    session.flush()
    return new


def record_electronic(session: Session, manifest: Manifest, election_id: str,
                      electronic: Mapping) -> list[CountingTable]:
    """Stores the electronic acta (from the decrypted tally) as table 0 of each entity."""
    out = []
    for entity in manifest.entities:
        tbl = session.scalar(select(CountingTable).where(
            CountingTable.election_id == election_id, CountingTable.entity == entity,
            CountingTable.kind == ELECTRONIC))
        if tbl is None:
            tbl = CountingTable(election_id=election_id, entity=entity, number=0,
                                kind=ELECTRONIC)
            session.add(tbl)
            session.flush()
        for contest in manifest.contests_for(entity):
            data = dict(electronic["contests"][contest.id])
            figures = {k: data[k] for k in ("counts", "total", "ballots_taken")}
            current = latest(session, tbl.id, contest.id)
            if current is not None and json.loads(current.figures or "{}") == figures:
                continue
            acta = Acta(table_id=tbl.id, contest_id=contest.id,
                        version=(current.version + 1) if current else 1, status="open")
            session.add(acta)
            session.flush()
            _decide(session, manifest, tbl, acta, figures, "sistema")
        out.append(tbl)
    return out


def table_document(session: Session, manifest: Manifest, tbl: CountingTable) -> dict:
    """A postal table's acta as the record holds it: the effective version per contest."""
    contests = {}
    for contest in manifest.contests_for(tbl.entity):
        acta = effective(session, tbl.id, contest.id)
        if acta is not None:
            contests[contest.id] = {**json.loads(acta.figures), "version": acta.version}
    return {"election_id": tbl.election_id, "table": tbl.label, "entity": tbl.entity,
            "kind": tbl.kind, "envelopes": envelopes_at(session, tbl.id), "contests": contests}
