"""`vmre cards ...`: requests, production, shipping, courier events, activation, campaigns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from vmre.core import clock
from vmre.core.messages import bilingual, text

app = typer.Typer(no_args_is_help=True, help="Credenciales en el extranjero / voter cards abroad.")
campaign_app = typer.Typer(no_args_is_help=True, help="Campañas de aviso / reminder campaigns.")
app.add_typer(campaign_app, name="campaign")
rules_app = typer.Typer(no_args_is_help=True,
                        help="Reglas de entrega (MOCE) / delivery rules of the process.")
app.add_typer(rules_app, name="rules")
DB_OPTION = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")


def _factory(db: str | None):
    from vmre.core.database import make_engine, migrate, session_factory

    engine = make_engine(db)
    migrate(engine)
    return session_factory(engine)


def _report_lines(report) -> None:
    from vmre.service.imports import describe

    for line in describe(report):
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


@app.command("import-requests")
def import_requests(path: Path, db: str | None = DB_OPTION) -> None:
    """Importa solicitudes de los consulados (CSV, todo o nada) / import requests."""
    from vmre.cards.imports import import_requests as run
    from vmre.core.database import transaction

    with transaction(_factory(db)) as session:
        report = run(session, path.read_text(encoding="utf-8-sig"))
    _report_lines(report)


@app.command("batch")
def batch(code: str, produced_on: str, request_ids: list[str],
          db: str | None = DB_OPTION) -> None:
    """Registra un lote de producción / record a production batch."""
    from vmre.cards.service import create_batch
    from vmre.core.database import transaction

    with transaction(_factory(db)) as session:
        create_batch(session, code, dt.date.fromisoformat(produced_on), request_ids)


@app.command("ship")
def ship(request_id: str, tracking: str, shipped_on: str, db: str | None = DB_OPTION) -> None:
    """Registra un envío por mensajería / record a courier shipment."""
    from vmre.cards.service import ship as run
    from vmre.core.database import transaction

    with transaction(_factory(db)) as session:
        run(session, request_id, tracking, dt.date.fromisoformat(shipped_on))


@app.command("import-events")
def import_events(path: Path, db: str | None = DB_OPTION) -> None:
    """Importa eventos de la mensajería (CSV, todo o nada) / import courier events."""
    from vmre.cards import courier

    rows, report = courier.parse_csv(path.read_text(encoding="utf-8-sig"))
    _report_lines(courier.apply_all(_factory(db), rows, report))


@app.command("expire-ocurre")
def expire_ocurre(today: str = typer.Option(None, help="AAAA-MM-DD (hoy / today)"),
                  db: str | None = DB_OPTION) -> None:
    """Devuelve a México lo que cumplió sus días en Ocurre (30, MOCE) / start the returns of
    cards held their days at Ocurre (30 by the MOCE)."""
    from vmre.cards.service import expire_ocurre as run
    from vmre.core.database import transaction

    day = dt.date.fromisoformat(today) if today else clock.today()
    with transaction(_factory(db)) as session:
        typer.echo(bilingual("cards.cli.returning", count=run(session, day)))


@rules_app.command("show")
def rules_show(db: str | None = DB_OPTION) -> None:
    """Reglas de entrega vigentes y su fuente / the delivery rules in force and their source."""
    from vmre.cards import rules

    with _factory(db)() as session:
        now = rules.current(session)
    typer.echo(bilingual("cards.cli.rules", attempts=now.attempts, days=now.ocurre_days,
                         source=now.source))


@rules_app.command("set")
def rules_set(attempts: int = typer.Option(..., help="Intentos / delivery attempts."),
              ocurre_days: int = typer.Option(..., help="Días en Ocurre / days at Ocurre."),
              source: str = typer.Option(..., help="Fuente (acuerdo, manual) / source."),
              actor: str = typer.Option(..., "--by", help="Usuario / user name."),
              db: str | None = DB_OPTION) -> None:
    """Fija nuevas reglas de entrega con su fuente / set new delivery rules, with a source."""
    from vmre.cards import rules
    from vmre.core import audit
    from vmre.core.database import transaction

    with transaction(_factory(db)) as session:
        now = rules.set_rules(session, attempts, ocurre_days, source, actor)
        audit.record(session, actor, "cards_rules_set", "delivery",
                     f"attempts={now.attempts} ocurre_days={now.ocurre_days}")
    typer.echo(bilingual("cards.cli.rules", attempts=now.attempts, days=now.ocurre_days,
                         source=now.source))


@app.command("activate")
def activate(reference: str, agent: str = typer.Option(..., help="Usuario / user name."),
             db: str | None = DB_OPTION) -> None:
    """Activa por teléfono (centro de atención) / activate by phone (service centre)."""
    from vmre.cards.service import activate as run
    from vmre.core.database import transaction

    with transaction(_factory(db)) as session:
        run(session, reference, "phone", agent)
    typer.echo(bilingual("cards.page.activated"))


@app.command("figures")
def figures(by: str = typer.Option("status", help="country, consulate, entity, mechanism, status"),
            lang: str = "es", db: str | None = DB_OPTION) -> None:
    """Solicitudes por país, consulado, entidad, mecanismo o estado / request figures."""
    from vmre.cards.service import figures as run

    with _factory(db)() as session:
        counts = run(session, by)
    for value, count in counts.items():
        label = text(f"cards.{by}.{value}", lang) if by in ("status", "mechanism") else value
        typer.echo(f"{label}\t{count}")


@campaign_app.command("create")
def campaign_create(code: str, name: str,
                    requested_until: str = typer.Option(
                        ..., help="Corte: solicitudes hasta este día / cut-off (AAAA-MM-DD); "
                                  "2018-12-31 en el informe / in the report"),
                    channel: str = typer.Option(
                        ..., help="call (llamada automatizada / automated call) | email"),
                    db: str | None = DB_OPTION) -> None:
    """Crea una campaña de un canal: solicitudes hasta el corte y sin activar / create a
    one-channel campaign: requests up to the cut-off, never activated."""
    from vmre.cards.campaigns import create_campaign
    from vmre.core.database import transaction

    with transaction(_factory(db)) as session:
        create_campaign(session, code, name, dt.date.fromisoformat(requested_until), channel)


@campaign_app.command("run")
def campaign_run(code: str,
                 calls: Path = typer.Option(
                     Path("vmre-llamadas.csv"), envvar="VMRE_CALL_LIST",
                     help="Archivo de la lista de llamadas (CSV) / call list file."),
                 db: str | None = DB_OPTION) -> None:
    """Envía correos y encola llamadas (SMTP de VMRE_SMTP_*) / send e-mails, queue calls."""
    from vmre.cards.campaigns import campaign_by_code, run_campaign
    from vmre.cards.telephony import CallListFile
    from vmre.core.database import transaction
    from vmre.core.email import Mailer

    with transaction(_factory(db)) as session:
        result = run_campaign(session, campaign_by_code(session, code), Mailer(),
                              CallListFile(calls))
    typer.echo(bilingual("cards.cli.campaign_run", emails=result.emails, calls=result.calls,
                         unreachable=result.unreachable))


@campaign_app.command("outcomes")
def campaign_outcomes(code: str, path: Path, db: str | None = DB_OPTION) -> None:
    """Resultados que reporta el proveedor (CSV request_id,outcome; todo o nada) / outcomes
    the provider reports (answered, voicemail, bounced, opened…)."""
    from vmre.cards.campaigns import campaign_by_code, import_outcomes
    from vmre.core.database import transaction

    with transaction(_factory(db)) as session:
        report = import_outcomes(session, campaign_by_code(session, code),
                                 path.read_text(encoding="utf-8-sig"))
        _report_lines(report)  # a refused row ends the transaction: nothing is stored


@campaign_app.command("figures")
def campaign_figures_cmd(start: str = typer.Option(..., "--from", help="AAAA-MM-DD"),
                         end: str = typer.Option(..., "--to", help="AAAA-MM-DD"),
                         lang: str = "es", db: str | None = DB_OPTION) -> None:
    """Cifras por campaña: canal, audiencia, avisos y resultados / per-campaign figures."""
    from vmre.cards.campaigns import campaign_figures
    from vmre.service.periods import Period

    with _factory(db)() as session:
        rows = campaign_figures(session, Period(dt.date.fromisoformat(start),
                                                dt.date.fromisoformat(end)))
    for f in rows:
        outcomes = ", ".join(f"{k}={v}" for k, v in sorted(f.outcomes.items()))
        typer.echo(text("cards.cli.campaign_figures", lang, code=f.code,
                             channel=f.channel or "call+email", audience=f.audience,
                             notices=f.total, unreachable=f.unreachable, outcomes=outcomes))
