"""What the political parties' representatives, the National Surveillance Commission (CNV)
and the system's auditors may see, read-only, under /admin/observacion (docs/registry.md
§5.2): the lists' figures (never a person's data), the observations on the lists and their
validity, each election's board, acts and record, and the count's progress. Every page or
file they open is written to the audit log under their name. The one thing they do is what
the law lets the parties and the CNV do: file an observation on a closed list (§5.1)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.core import audit, parties
from vmre.core.messages import UserError, text
from vmre.core.staff import OBSERVERS, Role, StaffUser
from vmre.count.models import Acta, CountingTable
from vmre.registry import lists, validity
from vmre.registry.service import all_processes
from vmre.voting.models import Election
from vmre.web.deps import DB, Forbidden, require_roles, role_names
from vmre.web.security import check_csrf, language
from vmre.web.templating import render

router = APIRouter(prefix="/admin/observacion")
observers = require_roles(*OBSERVERS)
FILERS = (Role.PARTY_REP, Role.CNV)
filers = require_roles(*FILERS)


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


def _page(request: Request, session: Session, user: StaffUser, code: int = 200,
          **extra) -> HTMLResponse:
    processes = []
    for process in all_processes(session):
        notes = validity.observations(session, process.id)
        processes.append({
            "id": process.id, "name": process.name,
            "entities": process.entity_ids(),
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
    return render(request, "observers.html", code, user=user, processes=processes,
                  elections=elections, can_file=_filer_kind(user) is not None,
                  filing_as=_filer_name(user),
                  **{"error": None, "form": {}, "filed": None, **extra})


@router.get("/")
def index(request: Request, filed: int | None = None, session: Session = DB,
          user: StaffUser = Depends(observers)):
    _log(session, user, request, "index")
    mine = session.get(validity.Observation, filed) if filed else None
    if mine is not None and mine.filed_by != user.username:
        mine = None  # the notice speaks only of the reader's own observation
    return _page(request, session, user, filed=mine)


def _filer_kind(user: StaffUser) -> str | None:
    """The law lets a party's representation and the CNV file observations (not auditors,
    and not an administrator in their name: the staff page records those)."""
    mine = set(user.roles.split(","))
    if Role.CNV.value in mine:
        return "cnv"
    if Role.PARTY_REP.value in mine:
        return "party"
    return None


def _filer(user: StaffUser) -> str:
    """The name an observation is filed under: the CNV, or the party of the representative's
    account (vmre.core.parties) — never a name typed in the form; "" if the account has no
    party yet (an account made before accounts held one)."""
    return "CNV" if _filer_kind(user) == "cnv" else (user.party or "")


def _filer_name(user: StaffUser) -> str:
    """The filer as people read it: "Partido Acción Nacional (PAN)", or "CNV"."""
    filer = _filer(user)
    party = parties.BY_ID.get(filer) if _filer_kind(user) == "party" else None
    return f"{party.name} ({party.id})" if party else filer


@router.post("/{election_id}/observaciones")
def file_observation(request: Request, election_id: str, entity: str = Form(""),
                     subject: str = Form(""), csrf: str = Form(""),
                     session: Session = DB, user: StaffUser = Depends(filers)):
    """An observation filed by the party's representative or the CNV themselves. The filer
    comes from the account: a `party`, `filer` or `filer_kind` field in the form is not read."""
    check_csrf(request, csrf)
    kind = _filer_kind(user)
    lang = language(request)
    if kind is None:
        with request.app.state.sessions() as log_session, log_session.begin():
            audit.record(log_session, user.username, "forbidden", request.url.path)
        raise Forbidden(text("core.staff.needs_role", lang,
                             roles=role_names(FILERS, lang),
                             mine=role_names(user.roles.split(","), lang)), FILERS)
    form = {"process": election_id, "entity": entity, "subject": subject}
    filer = _filer(user)
    if not filer:
        audit.record(session, user.username, "registry.observation_refused",
                     f"{election_id}/{entity[:40]}", "no party on the account")
        return _page(request, session, user, 409, form=form,
                     error=text("core.staff.party_missing", lang))
    try:
        row = validity.file_observation(session, election_id, entity, kind, filer, subject,
                                        user.username)
    except UserError as err:
        code = 404 if err.key in ("registry.process.unknown",
                                  "registry.list.unknown_entity") else (
            422 if err.key == "registry.lnere.observation_empty" else 409)
        return _page(request, session, user, code, error=err.message(lang), form=form)
    return RedirectResponse(f"/admin/observacion/?filed={row.id}", status_code=303)


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
