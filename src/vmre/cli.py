"""The `vmre` command line: one entry point, one sub-command group per part."""

from __future__ import annotations

import ipaddress
import socket
import sys

import typer

from vmre.core.messages import UserError, text

# A failure nobody foresaw still prints no local variables: they may hold a password hash
# or a secret (pretty_exceptions_show_locals).
app = typer.Typer(no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False,
                  help="vmre: voto desde el extranjero / vote from abroad.")
db_app = typer.Typer(no_args_is_help=True, help="Base de datos / database.")
staff_app = typer.Typer(no_args_is_help=True, help="Personal / staff accounts.")
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")

DB_OPTION = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")


@app.callback()
def identity_option(identity: str | None = typer.Option(
        None, "--identity", help="Archivo TOML de la institución: nombre, emblema, colores, "
        "contacto, avisos de privacidad / the institution's TOML file: name, emblem, colours, "
        "contact, privacy notices (VMRE_IDENTITY; docs/identity.md).")) -> None:
    """vmre: voto desde el extranjero / vote from abroad."""
    import os
    from pathlib import Path

    from vmre.core import identity as institution

    if identity:
        os.environ[institution.ENV] = str(Path(identity).resolve())
    institution.current()  # a broken file is refused before any command runs


@db_app.command("upgrade")
def db_upgrade(db: str | None = DB_OPTION) -> None:
    """Aplica las migraciones / apply every migration."""
    from vmre.core.database import make_engine, migrate

    migrate(make_engine(db))


def read_password() -> str:
    """The password: asked twice on a terminal; otherwise one line read from stdin (so that
    `printf '%s\\n' "$PASSWORD" | vmre staff add …` works in scripts)."""
    if sys.stdin is not None and not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
        if not password:
            raise UserError("core.staff.password_empty")
        return password
    return typer.prompt("Contraseña / password", hide_input=True, confirmation_prompt=True)


@staff_app.command("add")
def staff_add(
    username: str,
    roles: str = typer.Option(..., help="administrator,supervisor,reviewer,opl,agent,..."),
    entity: str | None = typer.Option(None, help="Entidad (OPL) / entity scope."),
    party: str | None = typer.Option(
        None, help="Partido de una representación (party_rep): PAN, PRI, … / the party a "
        "party_rep account speaks for."),
    db: str | None = DB_OPTION,
) -> None:
    """Crea una cuenta de personal / create a staff account (password read from stdin).

    La persona configura su segundo factor (TOTP) en su primer acceso / the person sets up
    their second factor (TOTP) at their first sign-in."""
    from vmre.core.database import make_engine, migrate, session_factory, transaction
    from vmre.core.staff import create_user, parse_roles, party_for

    wanted = parse_roles(roles)  # before the password: a typo costs no typing
    party_for(wanted, party)
    password = read_password()
    engine = make_engine(db)
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        create_user(session, username, password, wanted, entity, party)
    typer.echo(text("core.cli.done"))


@staff_app.command("party")
def staff_party(username: str, party: str, db: str | None = DB_OPTION) -> None:
    """Cambia el partido de una representación / set the party a party_rep account speaks
    for (logged)."""
    from vmre.core.database import make_engine, migrate, session_factory, transaction
    from vmre.core.staff import find_user, set_party

    engine = make_engine(db)
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        user = set_party(session, find_user(session, username), party, "command")
        done = user.party
    typer.echo(text("core.staff.party_set", username=username, party=done))


@staff_app.command("password")
def staff_password(username: str, db: str | None = DB_OPTION) -> None:
    """Cambia la contraseña y cierra sus sesiones / set a new password, ending the account's
    sessions (password read from stdin)."""
    from vmre.core.database import make_engine, migrate, session_factory, transaction
    from vmre.core.staff import change_password, find_user

    engine = make_engine(db)
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        find_user(session, username)  # an unknown name is said before the password is asked
    password = read_password()
    with transaction(session_factory(engine)) as session:
        change_password(session, find_user(session, username), password)
    typer.echo(text("core.staff.password_changed", username=username))


@staff_app.command("reset-2fa")
def staff_reset_2fa(username: str, db: str | None = DB_OPTION) -> None:
    """Restablece el segundo factor (teléfono perdido) y cierra sus sesiones / reset the
    second factor (lost phone), ending the account's sessions; it is set up again at the
    next sign-in."""
    from vmre.core import audit
    from vmre.core.database import make_engine, migrate, session_factory, transaction
    from vmre.core.staff import find_user, reset_totp

    engine = make_engine(db)
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        user = find_user(session, username)
        reset_totp(session, user)
        audit.record(session, "command", "totp_reset", user.username)
    typer.echo(text("core.staff.totp_reset", username=username))


def forwarded_allow_ips(value: str) -> str | None:
    """The proxies whose X-Forwarded-For/-Proto are believed (comma-separated addresses or
    networks, or `*`); None when empty: then every client is its own TCP address."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        return None
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise UserError("web.serve.bad_forwarded", value=item) from None
    return ",".join(items)


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the server starts so that a taken port is a clear
    message (and exit code 2), not a traceback. Same family rule as uvicorn's own binding."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, OverflowError, UnicodeError) as err:
        sock.close()
        reason = getattr(err, "strerror", None) or str(err)
        raise UserError("web.serve.port_taken", host=host, port=port, reason=reason) from None
    sock.set_inheritable(True)
    return sock


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, db: str | None = DB_OPTION,
          jobs: bool = typer.Option(False, "--jobs", help="Ejecuta también los trabajos "
                                    "periódicos del registro / also run the registry's "
                                    "periodic jobs (docs/registry.md §10)."),
          jobs_every: float = typer.Option(60.0, help="Segundos entre pasadas / seconds "
                                                      "between passes."),
          https: bool = typer.Option(False, "--https", help="El sitio se sirve por HTTPS (aquí o "
                                     "en un proxy): cookies Secure y HSTS / the site is reached "
                                     "over HTTPS (here or at a proxy): Secure cookies, HSTS "
                                     "(VMRE_HTTPS=1)."),
          forwarded: str = typer.Option("", "--forwarded-allow-ips", help="Proxies de confianza "
                                        "para X-Forwarded-For (IP o redes, con comas); por "
                                        "omisión ninguno / trusted proxies for X-Forwarded-For "
                                        "(addresses or networks, comma-separated); default none."),
          ) -> None:
    """Inicia el servidor web / start the web server."""
    import uvicorn

    from vmre.web.app import create_app, https_from_env

    trusted = forwarded_allow_ips(forwarded)
    sock = listen(host, port)
    application = create_app(db, https_only=https or https_from_env())
    runner = None
    if jobs:
        from vmre.registry.jobs import JobRunner

        runner = JobRunner(application.state.sessions, jobs_every)
        runner.start()
    # Without configured proxies uvicorn must not read X-Forwarded-For at all: it trusts it
    # from 127.0.0.1 by default, and a forged address per request would dodge rate limits.
    config = uvicorn.Config(application, host=host, port=port, proxy_headers=trusted is not None,
                            forwarded_allow_ips=trusted or "")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
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
    """The command line's one guard: a person's mistake (UserError, a form's field errors)
    is the catalogue's message and exit code 2, never a traceback."""
    from vmre.registry.rules import FieldErrors

    register_parts()
    try:
        app()
    except UserError as err:
        typer.echo(str(err), err=True)
        sys.exit(2)
    except FieldErrors as err:
        es, en = err.messages("es"), err.messages("en")
        for name in es:
            line = es[name] if es[name] == en[name] else f"{es[name]} / {en[name]}"
            typer.echo(f"{name}: {line}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
