"""The `vmre` command line: one entry point, one sub-command group per part."""

from __future__ import annotations

import sys

import typer

from vmre.core.messages import UserError

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="vmre: voto desde el extranjero / vote from abroad.")
db_app = typer.Typer(no_args_is_help=True, help="Base de datos / database.")
staff_app = typer.Typer(no_args_is_help=True, help="Personal / staff accounts.")
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")

DB_OPTION = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")


@db_app.command("upgrade")
def db_upgrade(db: str | None = DB_OPTION) -> None:
    """Aplica las migraciones / apply every migration."""
    from vmre.core.database import make_engine, migrate

    migrate(make_engine(db))


@staff_app.command("add")
def staff_add(
    username: str,
    roles: str = typer.Option(..., help="administrator,supervisor,reviewer,opl,agent,..."),
    entity: str | None = typer.Option(None, help="Entidad (OPL) / entity scope."),
    db: str | None = DB_OPTION,
) -> None:
    """Crea una cuenta de personal / create a staff account (password read from stdin)."""
    from vmre.core.database import make_engine, migrate, session_factory, transaction
    from vmre.core.staff import Role, create_user

    password = typer.prompt("Contraseña / password", hide_input=True, confirmation_prompt=True)
    engine = make_engine(db)
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        create_user(session, username, password, [Role(r) for r in roles.split(",")], entity)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, db: str | None = DB_OPTION,
          jobs: bool = typer.Option(False, "--jobs", help="Ejecuta también los trabajos "
                                    "periódicos del registro / also run the registry's "
                                    "periodic jobs (docs/registry.md §10)."),
          jobs_every: float = typer.Option(60.0, help="Segundos entre pasadas / seconds "
                                                      "between passes.")) -> None:
    """Inicia el servidor web / start the web server."""
    import uvicorn

    from vmre.web.app import create_app

    application = create_app(db)
    runner = None
    if jobs:
        from vmre.registry.jobs import JobRunner

        runner = JobRunner(application.state.sessions, jobs_every)
        runner.start()
    try:
        uvicorn.run(application, host=host, port=port)
    finally:
        if runner is not None:
            runner.stop()


_registered = False


def register_parts() -> None:
    """Each part contributes its own command group (once per process)."""
    global _registered
    if _registered:
        return
    _registered = True
    from vmre.cards.cli import app as cards_app
    from vmre.count.cli import count_app
    from vmre.record.cli import verify
    from vmre.registry.cli import registry_app
    from vmre.reports.cli import app as report_app
    from vmre.service.cli import app as service_app
    from vmre.simulacro.cli import simulacro
    from vmre.voting.cli import ceremony_app, election_app
    from vmre.voting.commands import app as sivei_app

    app.add_typer(ceremony_app, name="ceremony")
    app.add_typer(election_app, name="election")
    app.add_typer(count_app, name="count")
    app.command("verify")(verify)
    app.command("simulacro")(simulacro)
    app.add_typer(cards_app, name="cards")
    app.add_typer(report_app, name="report")
    app.add_typer(service_app, name="service")
    app.add_typer(sivei_app, name="sivei")
    app.add_typer(registry_app, name="registry")


def main() -> None:
    register_parts()
    try:
        app()
    except UserError as err:
        typer.echo(str(err), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
