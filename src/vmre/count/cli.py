"""`vmre count …`: the postal vote and the count from the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from vmre.core.messages import UserError, text

count_app = typer.Typer(no_args_is_help=True, help="Voto postal y cómputo / postal vote and count.")
console = Console()
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
    """Fija el plazo legal: 24 h antes de abrir la jornada / set the legal deadline."""
    from vmre.core.database import transaction
    from vmre.count import postal

    with transaction(_sessions(db)) as s:
        manifest = _manifest(s, election_id)
        moment = postal.legal_deadline(dt.date.fromisoformat(day), manifest.time_zone)
        postal.set_deadline(s, election_id, moment)
    console.print(text("count.cli.deadline", deadline=moment.isoformat()))


@count_app.command("packages")
def packages(election_id: str, voters: Path, out: Path = typer.Option(Path("paquetes")),
             db: str | None = DB) -> None:
    """Lista postal (CSV) → paquetes PDF y manifiesto de envío / postal packages."""
    from vmre.core.database import transaction
    from vmre.count import ballot_paper, postal

    listed = postal.read_voters_csv(voters.read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    with transaction(_sessions(db)) as s:
        manifest = _manifest(s, election_id)
        made = [postal.register_postal_voter(s, election_id, v) for v in listed]
        for entity in sorted({p.entity for p in made}):
            mine = [p for p in made if p.entity == entity]
            (out / f"paquetes-{entity}.pdf").write_bytes(ballot_paper.packages_pdf(manifest,
                                                                                   mine))
        (out / "manifiesto-envio.csv").write_text(postal.shipping_manifest_csv(s, election_id),
                                                  encoding="utf-8")
    console.print(text("count.cli.packages", count=len(made), folder=str(out)))


@count_app.command("courier-events")
def courier_events(events: Path, db: str | None = DB) -> None:
    """Importa eventos de la mensajería (CSV) / import courier events."""
    from vmre.core.database import transaction
    from vmre.count import postal

    with transaction(_sessions(db)) as s:
        tally = postal.import_events(s, postal.read_events_csv(events.read_text(
            encoding="utf-8")), "csv")
    console.print(text("count.cli.events", **tally))


@count_app.command("receive")
def receive(election_id: str, tracking: str,
            at: str | None = typer.Option(None, help="ISO 8601 con zona / with time zone."),
            operator: str = typer.Option("recepcion"), db: str | None = DB) -> None:
    """Registra un sobre de retorno recibido / log a returned envelope."""
    from vmre.core.database import transaction
    from vmre.count import postal

    moment = dt.datetime.fromisoformat(at) if at else dt.datetime.now(dt.UTC)
    with transaction(_sessions(db)) as s:
        package = postal.receive_envelope(s, election_id, tracking, moment, operator)
        key = "count.cli.received_late" if package.late else "count.cli.received"
    console.print(text(key, tracking=tracking))


@count_app.command("assign")
def assign(election_id: str, entity: str, per_table: int = typer.Option(1500),
           db: str | None = DB) -> None:
    """Asigna los sobres recibidos en plazo a mesas / assign envelopes to tables."""
    from vmre.core.database import transaction
    from vmre.count import postal

    with transaction(_sessions(db)) as s:
        for tbl in postal.assign_envelopes(s, election_id, entity, per_table):
            console.print(text("count.cli.table", table=tbl.label, id=tbl.id,
                               envelopes=postal.envelopes_at(s, tbl.id)))


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
    console.print(text("count.cli.actas", count=len(written), record=str(record)))


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
