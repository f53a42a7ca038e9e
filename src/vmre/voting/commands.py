"""`vmre sivei …`: voter invitations, integrity codes, and a ready-to-click demo election."""

from __future__ import annotations

import datetime as dt
import tempfile
from importlib import resources
from pathlib import Path

import typer

from vmre.core.messages import UserError

app = typer.Typer(no_args_is_help=True, help="Voto por internet / internet voting (SIVEI).")
DB_OPTION = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")
BASE_URL = typer.Option("http://127.0.0.1:8000", help="Dirección pública / public base URL.")


def _sessions(db: str | None):
    from vmre.core.database import make_engine, migrate, session_factory

    engine = make_engine(db)
    migrate(engine)
    return session_factory(engine)


@app.command("invite")
def invite(election: str, entity: str, email: str, phone: str, db: str | None = DB_OPTION,
           base_url: str = BASE_URL, lang: str = "es") -> None:
    """Inscribe a un votante y le envía el enlace de activación / enrol a voter and e-mail
    the activation link. The credential code (from the registry) is read from stdin and only
    travels inside the link's fragment."""
    from vmre.core.database import transaction
    from vmre.core.email import Mailer
    from vmre.crypto import credentials
    from vmre.voting import accounts

    code = typer.prompt("Código de credencial / credential code", hide_input=True)
    if not credentials.is_well_formed(code):
        raise UserError("sivei.ballot.err_credential")
    with transaction(_sessions(db)) as s:
        account = accounts.enrol(s, election, entity, email, phone)
        token = accounts.new_activation(account)
        accounts.send_activation(Mailer(), account, token, base_url, code, lang)
    typer.echo(email)


@app.command("integrity")
def integrity() -> None:
    """Códigos SHA3-256 de la aplicación / SHA3-256 integrity codes of the application."""
    from vmre.voting.acts import integrity_codes

    codes = integrity_codes()
    typer.echo(f"application\t{codes['application']}\t({codes['files']} files)")
    for name, code in codes["static"].items():
        typer.echo(f"{name}\t{code}")


@app.command("demo")
def demo(voters: int = typer.Option(3, help="Votantes / voters (Jalisco)."),
         db: str | None = DB_OPTION, base_url: str = BASE_URL,
         practice_run: bool = typer.Option(False, "--practice", help="Simulacro / practice.")
         ) -> None:
    """Una elección de demostración abierta con votantes listos para activar / a demo
    election, open now, with voters ready to activate. Prints each voter's activation link
    (with the credential code in the fragment) and the phone digits: demo data only."""
    from vmre.core.database import transaction
    from vmre.crypto import credentials
    from vmre.crypto.group import random_scalar
    from vmre.voting import accounts, practice
    from vmre.voting.board import Board
    from vmre.voting.ceremony import Ceremony
    from vmre.voting.credential_list import sign_credential_list

    sessions = _sessions(db)
    manifest = (resources.files("vmre.simulacro") / "manifest-pel.yaml").read_text("utf-8")
    folder = Path(tempfile.mkdtemp(prefix="vmre-ceremony-"))
    ceremony = Ceremony(folder)
    params = ceremony.init(manifest, custodians=1, threshold=1)
    secret_file = folder / "custodian-1.secret"
    for step in (ceremony.keygen, ceremony.deal, ceremony.check):
        step(1, "demostracion-vmre", secret_file)
    ceremony.finalize()
    election = params["election_id"]
    board = Board(sessions)
    board.register(ceremony)
    people = [(f"demo{i}@example.org", f"+1 415 555 {2000 + i:04d}", credentials.new_secret())
              for i in range(1, voters + 1)]
    board.load_credentials(election, sign_credential_list(
        election, random_scalar(),
        [(credentials.public_credential(election, code), "JAL") for _, _, code in people]))
    now = dt.datetime.now(dt.UTC)
    board.schedule(election, now - dt.timedelta(minutes=1), now + dt.timedelta(days=1))
    with transaction(sessions) as s:
        if practice_run:
            practice.flag(s, election)
        for email, phone, code in people:
            account = accounts.enrol(s, election, "JAL", email, phone)
            link = accounts.activation_link(base_url, accounts.new_activation(account), code)
            typer.echo(f"{email}\tphone …{phone[-4:]}\t{link}")
    typer.echo(f"ceremony folder: {folder} (custodian 1, passphrase demostracion-vmre)")
