"""What the political parties' representatives, the National Surveillance Commission (CNV)
and the system's auditors may see, read-only, under /admin/observacion (docs/registry.md
§5.2): the lists' figures (never a person's data), the observations on the lists and their
validity, each election's board, acts and record, and the count's progress. Every page or
file they open is written to the audit log under their name."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.core import audit
from vmre.core.messages import text
from vmre.core.staff import OBSERVERS, StaffUser
from vmre.count.models import Acta, CountingTable
from vmre.registry import lists, validity
from vmre.registry.service import all_processes
from vmre.voting.models import Election
from vmre.web.deps import DB, require_roles
from vmre.web.security import language
from vmre.web.templating import render

router = APIRouter(prefix="/admin/observacion")
observers = require_roles(*OBSERVERS)


def _log(session: Session, user: StaffUser, request: Request, what: str) -> None:
    audit.record(session, user.username, "observer_view", what,
                 f"roles={user.roles} path={request.url.path}")


def count_progress(session: Session, election_id: str) -> dict:
    """Counting tables of the election and, per status, the actas of their latest version."""
    tables = session.scalar(select(func.count()).select_from(CountingTable).where(
        CountingTable.election_id == election_id)) or 0
    latest = (select(Acta.table_id, Acta.contest_id, func.max(Acta.version).label("v"))
              .join(CountingTable, CountingTable.id == Acta.table_id)
              .where(CountingTable.election_id == election_id)
              .group_by(Acta.table_id, Acta.contest_id).subquery())
    rows = session.execute(select(Acta.status, func.count()).join(latest, (
        Acta.table_id == latest.c.table_id) & (Acta.contest_id == latest.c.contest_id) & (
        Acta.version == latest.c.v)).group_by(Acta.status))
    return {"tables": tables, "actas": {status: n for status, n in rows}}


@router.get("/")
def index(request: Request, session: Session = DB, user: StaffUser = Depends(observers)):
    processes = []
    for process in all_processes(session):
        notes = validity.observations(session, process.id)
        processes.append({
            "id": process.id, "name": process.name,
            "figures": lists.figures(session, process.id),
            "closures": lists.closures(session, process.id),
            "declared": {d.entity_id: d for d in session.scalars(
                select(validity.ValidityDeclaration).where(
                    validity.ValidityDeclaration.election_id == process.id))},
            "observations": notes,
        })
    elections = []
    for election in session.scalars(select(Election).order_by(Election.id)):
        elections.append({"id": election.id, "state": election.state,
                          "ballots": election.ballot_count, "head": election.head_hash,
                          "fingerprint": election.fingerprint,
                          "count": count_progress(session, election.id)})
    _log(session, user, request, "index")
    return render(request, "observers.html", user=user, processes=processes,
                  elections=elections)


@router.get("/{election_id}/{what}")
def document(request: Request, election_id: str, what: str, session: Session = DB,
             user: StaffUser = Depends(observers)):
    """The public document, reached through here so that the opening is logged."""
    targets = {"tablero": f"/tablero/{election_id}", "inicio": f"/actas/{election_id}/inicio.pdf",
               "cierre": f"/actas/{election_id}/cierre.pdf",
               "expediente": f"/expediente/{election_id}.zip"}
    if what not in targets or session.get(Election, election_id) is None:
        raise HTTPException(404, text("web.not_found", language(request)))
    _log(session, user, request, f"{election_id}/{what}")
    return RedirectResponse(targets[what], status_code=303)
