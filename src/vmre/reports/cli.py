"""`vmre report ...`: the quarterly report and the biweekly card report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from vmre.core.messages import UserError, bilingual

app = typer.Typer(no_args_is_help=True, help="Informes / reports.")



@app.callback()
def _group() -> None:
    """Keep the sub-commands a group even when only one exists."""


DB_OPTION = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")


def _period(start: str, end: str):
    from vmre.service.periods import Period

    period = Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    if period.end < period.start:
        raise UserError("reports.error.period")
    return period


@app.command("quarterly")
def quarterly(
    start: str = typer.Option(..., "--from", help="AAAA-MM-DD"),
    end: str = typer.Option(..., "--to", help="AAAA-MM-DD"),
    out: Path = typer.Option(..., "--out", help="Carpeta de salida / output folder."),
    sample: bool = typer.Option(False, "--sample", help="Carga antes los datos de muestra."),
    db: str | None = DB_OPTION,
) -> None:
    """Informe trimestral (HTML y PDF) / quarterly report (HTML and PDF)."""
    from vmre.core.database import make_engine, migrate, session_factory, transaction
    from vmre.reports.quarterly import write_quarterly
    from vmre.reports.sample import load_sample

    period = _period(start, end)
    engine = make_engine(db)
    migrate(engine)
    factory = session_factory(engine)
    if sample:
        with transaction(factory) as session:
            load_sample(session)
        typer.echo(bilingual("reports.cli.sample_loaded"))
    with factory() as session:
        html, pdf = write_quarterly(session, period, out)
    typer.echo(bilingual("reports.cli.written", html=html, pdf=pdf))


@app.command("biweekly")
def biweekly(
    cutoff: str = typer.Option(..., "--to", help="Fecha de corte / cut-off date (AAAA-MM-DD)."),
    out: Path = typer.Option(..., "--out", help="Carpeta de salida / output folder."),
    entity: str | None = typer.Option(None, help="Solo una entidad (p. ej. JAL) / one entity."),
    db: str | None = DB_OPTION,
) -> None:
    """Reporte quincenal de credencialización para los OPL (CSV y PDF) / biweekly report."""
    from vmre.core.database import make_engine, migrate, session_factory
    from vmre.reports.biweekly import write_biweekly

    engine = make_engine(db)
    migrate(engine)
    from vmre.core import audit
    from vmre.core.database import transaction

    with transaction(session_factory(engine)) as session:
        csv_path, pdf_path = write_biweekly(session, dt.date.fromisoformat(cutoff), out, entity)
        audit.record(session, "cli", "reports.biweekly", f"{cutoff} {entity or 'all'} pdf+csv")
    typer.echo(bilingual("reports.cli.biweekly_written", csv=csv_path, pdf=pdf_path))
