"""`vmre count …`: the postal vote and the count from the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from vmre.core.clock import people_moment, people_text
from vmre.core.messages import UserError, plural, text

count_app = typer.Typer(no_args_is_help=True, help="Voto postal y cómputo / postal vote and count.")
console = Console()
FILE_ARG = {"exists": True, "dir_okay": False, "readable": True}  # a usage error, not a trace
DB = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")


def _sessions(db: str | None):
    from vmre.core.database import make_engine, migrate, session_factory

    engine = make_engine(db)
    migrate(engine)
    return session_factory(engine)


def _manifest(session, election_id: str):
    from vmre.count.service import manifest_of

    manifest = manifest_of(session, election_id)
    if manifest is None:
        raise UserError("count.cli.unknown_election", election=election_id)
    return manifest


@count_app.command("deadline")
def deadline(election_id: str, day: str = typer.Option(..., help="Jornada / election day."),
             db: str | None = DB) -> None:
    """Fija el plazo legal: 24 h antes de abrir la jornada (hora de la Ciudad de México) /
    set the legal deadline (Mexico City time)."""
    from vmre.core.database import transaction
    from vmre.count import postal

    with transaction(_sessions(db)) as s:
        _manifest(s, election_id)
        moment = postal.legal_deadline(dt.date.fromisoformat(day))
        postal.set_deadline(s, election_id, moment)
    console.print(text("count.cli.deadline", deadline=people_moment(moment)))


@count_app.command("packages")
def packages(election_id: str,
             lnere: Path = typer.Argument(..., **FILE_ARG,
                                 help="LNERE postal (vmre/postal-lnere/v1), de `vmre "
                                      "registry export --kind postal-lnere`."),
             out: Path = typer.Option(Path("paquetes")), db: str | None = DB) -> None:
    """LNERE postal → paquetes PDF y manifiesto de envío / postal LNERE → packages."""
    from vmre.core.database import transaction
    from vmre.count import ballot_paper, postal

    listed = postal.read_lnere(lnere.read_bytes())  # the whole file is checked first
    with transaction(_sessions(db)) as s:
        manifest = _manifest(s, election_id)
        outcome = postal.import_lnere(s, election_id, listed)
        out.mkdir(parents=True, exist_ok=True)
        suffix = "-adenda" if listed.addendum else ""
        made = outcome.packages
        for entity in sorted({p.entity for p in made}):
            mine = [p for p in made if p.entity == entity]
            (out / f"paquetes-{entity}{suffix}.pdf").write_bytes(
                ballot_paper.packages_pdf(manifest, mine))
        (out / "manifiesto-envio.csv").write_text(postal.shipping_manifest_csv(s, election_id),
                                                  encoding="utf-8")
    for voter in outcome.other_modality:
        console.print(text("count.cli.other_modality", line=voter.line, folio=voter.voter_id))
    console.print(text("count.cli.lnere_imported", packages=len(made), already=outcome.already,
                       other=len(outcome.other_modality)))
    console.print(plural("count.cli.packages", len(made), folder=str(out)))


@count_app.command("internet-lnere")
def internet_lnere(election_id: str,
                   lnere: Path = typer.Argument(..., **FILE_ARG,
                                                help="LNERE de internet (vmre/internet-lnere/v1),"
                                                     " de `vmre registry export --kind "
                                                     "internet-lnere`."),
                   db: str | None = DB) -> None:
    """Marca a quienes votan por internet: su sobre postal se rechaza / mark the internet
    voters: a postal envelope of theirs is refused (one modality per voter)."""
    from vmre.core.database import transaction
    from vmre.count import postal

    listed = postal.read_internet_lnere(lnere.read_bytes())  # the whole file is checked first
    with transaction(_sessions(db)) as s:
        _manifest(s, election_id)
        outcome = postal.import_internet_lnere(s, election_id, listed)
    for voter, what in outcome.postal:
        console.print(text(f"count.cli.internet_{what}", line=voter.line, folio=voter.voter_id),
                      highlight=False)
    console.print(text("count.cli.internet_lnere_imported", marked=outcome.marked,
                       already=outcome.already, postal=len(outcome.postal)), highlight=False)


@count_app.command("courier-events")
def courier_events(events: Path, db: str | None = DB) -> None:
    """Importa eventos de la mensajería (CSV) / import courier events."""
    from vmre.core.database import transaction
    from vmre.count import postal

    with transaction(_sessions(db)) as s:
        tally = postal.import_events(s, postal.read_events_csv(events.read_text(
            encoding="utf-8")), "csv")
    console.print(text("count.cli.events", **tally))


def _print_return(row, line: int | None = None) -> None:
    outcome = text(f"count.returns.outcome.{row.outcome}")
    console.print(text("count.cli.return_line", line=line or 1, envelope=row.envelope,
                       outcome=outcome), highlight=False)


@count_app.command("receive")
def receive(election_id: str, tracking: str,
            at: str | None = typer.Option(None, help="ISO 8601 con zona / with time zone."),
            operator: str = typer.Option("recepcion"), db: str | None = DB) -> None:
    """Registra un sobre de retorno recibido / log a returned envelope."""
    from vmre.core.database import transaction
    from vmre.count import postal

    try:
        moment = dt.datetime.fromisoformat(at) if at else dt.datetime.now(dt.UTC)
    except ValueError:
        raise UserError("count.postal.naive_deadline") from None
    with transaction(_sessions(db)) as s:
        row = postal.record_return(s, election_id, tracking, moment, operator)
    if row.outcome in postal.REFUSED:
        console.print(text("count.cli.refused", envelope=row.envelope,
                           received=people_moment(moment),
                           outcome=text(f"count.returns.outcome.{row.outcome}")),
                      highlight=False)
        raise typer.Exit(1)
    key = "count.cli.received_late" if row.outcome == "late" else "count.cli.received"
    console.print(text(key, tracking=row.envelope), highlight=False)


@count_app.command("returns")
def returns(election_id: str,
            scans: Path = typer.Argument(..., **FILE_ARG,
                                         help="CSV envelope,received_at (ISO 8601 con zona "
                                              "/ with time zone)."),
            operator: str = typer.Option("recepcion"), db: str | None = DB) -> None:
    """Registra los sobres recibidos y los marca en la LNERE postal / log returned envelopes
    and mark them on the postal LNERE."""
    from vmre.core.database import transaction
    from vmre.count import postal

    lines = postal.read_returns_csv(scans.read_bytes())
    tally = {"on_time": 0, "late": 0, "refused": 0}
    with transaction(_sessions(db)) as s:
        rows = [(line, postal.record_return(s, election_id, code, moment, operator))
                for line, code, moment in lines]
    for line, row in rows:
        if row.outcome != "on_time":
            _print_return(row, line)
        tally[row.outcome if row.outcome in postal.MARKED else "refused"] += 1
    console.print(text("count.cli.returns", **tally))


@count_app.command("lnere")
def lnere(election_id: str, entity: str | None = None, db: str | None = DB) -> None:
    """La LNERE postal con la marca de sobre devuelto / the postal LNERE with return marks."""
    from vmre.core.database import transaction
    from vmre.count import postal

    with transaction(_sessions(db)) as s:
        marks = postal.lnere_marks(s, election_id, entity)
    table = Table(title=text("count.lnere.title"))
    for key in ("count.lnere.column.folio", "count.pdf.entity", "count.late.envelope",
                "count.lnere.column.mark", "count.late.received"):
        table.add_column(text(key))
    for m in marks:
        received = people_text(postal.as_utc(m["received_at"])) if m["received_at"] else ""
        table.add_row(m["folio"], m["entity"], m["envelope"],
                      text(f"count.lnere.mark.{m['mark']}"), received)
    Console(width=200).print(table)


@count_app.command("refused")
def refused(election_id: str, db: str | None = DB) -> None:
    """Sobres rechazados (duplicados, fuera de la lista, de votantes por internet) / refused
    envelopes."""
    from vmre.core.database import transaction
    from vmre.count import postal

    with transaction(_sessions(db)) as s:
        rows = postal.refused_returns(s, election_id)
        lines = [text("count.cli.refused", envelope=r.envelope,
                      received=people_moment(postal.as_utc(r.received_at)),
                      outcome=text(f"count.returns.outcome.{r.outcome}")) for r in rows]
    for line in lines or [text("count.cli.no_refused")]:
        console.print(line, highlight=False)


@count_app.command("late")
def late(election_id: str, entity: str | None = None,
         out: Path = typer.Option(..., help="PDF de salida / output PDF."),
         db: str | None = DB) -> None:
    """Relación de sobres fuera de plazo y acta de su destrucción (LGIPE art. 345.2) / list of
    late envelopes and acta of their destruction."""
    from vmre.core.database import transaction
    from vmre.count import acta_pdf, postal

    with transaction(_sessions(db)) as s:
        manifest = _manifest(s, election_id)
        rows = postal.late_envelopes(s, election_id, entity)
        pdf = acta_pdf.late_acta_pdf(manifest.name, postal.deadline_of(s, election_id), rows,
                                     entity)
    out.write_bytes(pdf)
    console.print(plural("count.cli.late_acta", len(rows), path=str(out)))


@count_app.command("assign")
def assign(election_id: str, entity: str, per_table: int = typer.Option(1500),
           db: str | None = DB) -> None:
    """Asigna los sobres recibidos en plazo a mesas / assign envelopes to tables."""
    from vmre.core.database import transaction
    from vmre.count import postal

    with transaction(_sessions(db)) as s:
        for tbl in postal.assign_envelopes(s, election_id, entity, per_table):
            console.print(plural("count.cli.table", postal.envelopes_at(s, tbl.id),
                                 table=tbl.label, id=tbl.id))


@count_app.command("capture")
def capture(table_id: int, contest_id: str, figures: Path,
            operator: str = typer.Option(...), db: str | None = DB) -> None:
    """Captura un acta (JSON: counts, total, ballots_taken) / capture an acta."""
    from vmre.core.database import transaction
    from vmre.count import service, tables

    with transaction(_sessions(db)) as s:
        tbl = tables.table(s, table_id)
        acta = service.capture(s, _manifest(s, tbl.election_id), table_id, contest_id,
                               operator, json.loads(figures.read_text(encoding="utf-8")))
        status = text(f"count.acta.status.{acta.status}")
        reason = text(acta.reason, **json.loads(acta.reason_params)) if acta.reason else ""
    console.print(f"{tbl.label} {contest_id} v{acta.version}: {status} {reason}".strip())


@count_app.command("electronic")
def electronic(record: Path, db: str | None = DB) -> None:
    """La mesa electrónica desde results.json del registro / electronic table from a record."""
    from vmre.core.database import transaction
    from vmre.count import service
    from vmre.record import layout
    from vmre.voting.manifest import parse_manifest

    manifest = parse_manifest((record / layout.MANIFEST).read_text(encoding="utf-8"))
    results = json.loads((record / layout.RESULTS).read_text(encoding="utf-8"))
    with transaction(_sessions(db)) as s:
        service.import_electronic(s, manifest, results)
    console.print(text("count.cli.electronic", election=manifest.election_id))


@count_app.command("actas")
def actas(election_id: str, record: Path, db: str | None = DB) -> None:
    """Añade actas/ y SHA256SUMS al registro / add the actas to the record."""
    from vmre.core.database import transaction
    from vmre.count import entity_count

    with transaction(_sessions(db)) as s:
        written = entity_count.write_actas(s, _manifest(s, election_id), election_id, record)
    console.print(plural("count.cli.actas", len(written), record=str(record)))


@count_app.command("show")
def show(election_id: str, entity: str, db: str | None = DB) -> None:
    """Muestra el cómputo de una entidad / show an entity count."""
    from vmre.core.database import transaction
    from vmre.count import service

    with transaction(_sessions(db)) as s:
        manifest = _manifest(s, election_id)
        row = service.current_count(s, manifest, election_id, entity)
        if row is None:
            raise UserError("count.cli.no_count", entity=entity)
        figures = service.figures_of(row)
    for contest in manifest.contests_for(entity):
        data = figures["contests"][contest.id]
        table = Table(title=f"{data['office']} — v{figures['version']}")
        for column in ("candidate", "votes"):
            table.add_column(text(f"count.pdf.{column}"))
        names = {c["id"]: c["name"] for c in contest.candidates}
        for cand, votes in data["candidates"].items():
            table.add_row(names[cand], str(votes))
        table.add_row(text("count.pdf.total_votes"), str(data["total"]))
        console.print(table)
