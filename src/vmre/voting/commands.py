"""`vmre sivei …`: integrity codes and a ready-to-click demo election.

Voters of a real election get their accounts from the registry's hand-over
(`vmre registry send-credentials`): no one but the voter ever holds a credential code."""

from __future__ import annotations

import datetime as dt
import tempfile
from importlib import resources
from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True, help="Voto por internet / internet voting (SIVEI).")
DB_OPTION = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")


def _sessions(db: str | None):
    from vmre.core.database import make_engine, migrate, session_factory

    engine = make_engine(db)
    migrate(engine)
    return session_factory(engine)


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
         db: str | None = DB_OPTION,
         practice_run: bool = typer.Option(False, "--practice", help="Simulacro / practice.")
         ) -> None:
    """Una elección de demostración abierta con votantes listos para activar / a demo
    election, open now, with voters ready to activate. Prints each voter's activation link
    (with the credential code in the fragment, under VMRE_PUBLIC_URL) and the phone digits:
    demo data only. The demo acts as its own credential authority and hands its voters over
    to the voting server the way the registry does."""
    from vmre.core.clock import people_moment
    from vmre.core.config import public_url
    from vmre.core.database import transaction
    from vmre.core.messages import bilingual, bilingual_plural
    from vmre.crypto import credentials
    from vmre.crypto.group import random_scalar
    from vmre.voting import accounts, audits, handover, practice
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
    people = [(f"demo{i}@example.org", f"+1 415 555 {2000 + i:04d}", credentials.new_secret(),
               accounts.new_token()) for i in range(1, voters + 1)]
    publics = [credentials.public_credential(election, code) for _, _, code, _ in people]
    listing = sign_credential_list(election, random_scalar(), [(p, "JAL") for p in publics])
    handover.receive(sessions, handover.Handover(election, listing, tuple(
        handover.AccountAccess("JAL", email, phone, public.hex(), hashed)
        for (email, phone, _code, (_token, hashed)), public in zip(people, publics,
                                                                    strict=True))), "demo")
    now = dt.datetime.now(dt.UTC)
    if practice_run:
        with transaction(sessions) as s:
            practice.flag(s, election)
    # a demo is a mock election: it opens under the documented exemption (docs/ceremony.md)
    closes = now + dt.timedelta(days=1)
    board.schedule(election, now - dt.timedelta(minutes=1), closes,
                   audit_exemption=audits.PRACTICE if practice_run else audits.SIMULACRO)
    typer.echo(bilingual_plural("sivei.demo.made", voters, election=election,
                                closes=people_moment(closes)))
    for email, phone, code, (token, _hashed) in people:
        typer.echo(f"{email}\tphone …{phone[-4:]}\t{accounts.activation_link(token, code)}")
    typer.echo(bilingual("sivei.demo.ceremony", folder=str(folder),
                         passphrase="demostracion-vmre"))
    db_flag = f" --db {db}" if db else ""
    typer.echo(bilingual("sivei.demo.next", url=public_url(), db=db_flag, election=election))
