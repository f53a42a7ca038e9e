"""`vmre service ...`: log and import contacts, import outreach figures, print figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from vmre.core.messages import bilingual, text

app = typer.Typer(no_args_is_help=True, help="Atención ciudadana y difusión / citizen service.")


@app.callback()
def _group() -> None:
    """Keep the sub-commands a group even when only one exists."""


DB_OPTION = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")


def _factory(db: str | None):
    from vmre.core.database import make_engine, migrate, session_factory

    engine = make_engine(db)
    migrate(engine)
    return session_factory(engine)


def _import(kind: str, path: Path, db: str | None, agent: str) -> None:
    from vmre.core.database import transaction
    from vmre.service import imports

    data = path.read_text(encoding="utf-8-sig")
    with transaction(_factory(db)) as session:
        if kind == "contacts":
            report = imports.import_contacts(session, data, agent)
        elif kind == "social":
            report = imports.import_social(session, data)
        else:
            report = imports.import_media(session, data)
    for line in imports.describe(report):
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


@app.command("import-contacts")
def import_contacts(path: Path, agent: str = typer.Option(..., help="Usuario / user name."),
                    db: str | None = DB_OPTION) -> None:
    """Importa atenciones de un CSV (todo o nada) / import contacts from CSV (all or none)."""
    _import("contacts", path, db, agent)


@app.command("import-social")
def import_social(path: Path, db: str | None = DB_OPTION) -> None:
    """Importa cifras de redes sociales / import social-media figures (CSV)."""
    _import("social", path, db, "")


@app.command("import-media")
def import_media(path: Path, db: str | None = DB_OPTION) -> None:
    """Importa notas del monitoreo de medios / import media-monitoring notes (CSV)."""
    _import("media", path, db, "")


@app.command("log")
def log(channel: str, origin: str, topic: str,
        agent: str = typer.Option(..., help="Usuario / user name."),
        folio: str = typer.Option("", help="Folio de registro / registration folio."),
        card_request: str = typer.Option("", help="Solicitud de CPVE / card request."),
        notes: str = "", resolution: str = "resolved", db: str | None = DB_OPTION) -> None:
    """Registra una atención / log one contact."""
    from vmre.core.database import transaction
    from vmre.service.service import log_contact

    with transaction(_factory(db)) as session:
        contact = log_contact(session, agent=agent, channel=channel, origin=origin, topic=topic,
                              registration_folio=folio, card_request=card_request, notes=notes,
                              resolution=resolution)
        typer.echo(contact.id)


@app.command("figures")
def figures(start: str = typer.Option(..., "--from"), end: str = typer.Option(..., "--to"),
            lang: str = "es", db: str | None = DB_OPTION) -> None:
    """Cifras de atención por medio, origen y tema / figures by channel, origin and topic."""
    from vmre.service.periods import Period
    from vmre.service.service import contact_figures

    period = Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    with _factory(db)() as session:
        f = contact_figures(session, period)
    typer.echo(bilingual("service.page.total", total=f.total))
    for prefix, counts in (("channel", f.by_channel), ("origin", f.by_origin),
                           ("topic", f.by_topic)):
        for code, count in counts.items():
            typer.echo(f"  {text(f'service.{prefix}.{code}', lang)}: {count}")
