"""`vmre registry …`: the registry's command line (processes, validation, the list, exports,
the issuer key and the credentials of internet voters)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path

import typer

from vmre.core.messages import bilingual

registry_app = typer.Typer(no_args_is_help=True,
                           help="Registro de electores en el extranjero / registration (SRVE).")

DB_OPTION = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")
ELECTION = typer.Option(..., "--election", help="Id del proceso / election id.")
PASSPHRASE_ENV = "VMRE_REGISTRY_ISSUER_PASSPHRASE"


def _factory(db: str | None):
    from vmre.core.database import make_engine, migrate, session_factory

    engine = make_engine(db)
    migrate(engine)
    return session_factory(engine)


def _actor() -> str:
    return "cli:" + (os.environ.get("USER") or getpass.getuser() or "unknown")


def _passphrase(confirm: bool = False) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    return typer.prompt("Frase de paso / passphrase", hide_input=True,
                        confirmation_prompt=confirm)


@registry_app.command("process-add")
def process_add(
    election: str = ELECTION,
    name: str = typer.Option(..., help="Nombre / name."),
    opens: dt.datetime = typer.Option(..., help="Apertura, hora local / opening, local time."),
    closes: dt.datetime = typer.Option(..., help="Cierre, hora local / closing, local time."),
    corrections_until: dt.datetime = typer.Option(..., help="Fin de correcciones / last "
                                                            "moment for corrections."),
    card_min_year: int = typer.Option(..., help="Vigencia mínima de la credencial / the "
                                                "card must be valid through this year."),
    entities: str = typer.Option(..., help="AGS,BC,... (entidades con elección)."),
    timezone: str = typer.Option("America/Mexico_City", help="Zona horaria / time zone."),
    modalities: str = typer.Option("postal,internet"),
    correction_days: int = typer.Option(10, help="Días para corregir / days to correct."),
    voting_url: str = typer.Option("", help="Enlace de votación / voting link."),
    db: str | None = DB_OPTION,
) -> None:
    """Crea un proceso de inscripción / create a registration process."""
    from vmre.core.database import transaction
    from vmre.registry import service

    with transaction(_factory(db)) as session:
        service.create_process(session, election, name, opens_at=opens, closes_at=closes,
                               corrections_until=corrections_until,
                               card_min_validity_year=card_min_year,
                               entities=entities.split(","), timezone=timezone,
                               modalities=modalities.split(","),
                               correction_days=correction_days, voting_url=voting_url)
    typer.echo(bilingual("registry.process.created", election=election))


@registry_app.command("padron")
def padron_sample(seed: int = 2024, size: int = 1000,
                  out: Path = typer.Option(..., help="CSV de salida / output CSV.")) -> None:
    """Escribe el padrón sintético / write the synthetic register as CSV."""
    import csv

    from vmre.registry.padron import PadronRecord, SyntheticPadron

    fields = list(PadronRecord.__dataclass_fields__)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for record in SyntheticPadron(seed, size):
            writer.writerow(getattr(record, f) for f in fields)
    typer.echo(bilingual("core.cli.done"))


@registry_app.command("validate")
def validate(election: str = ELECTION, seed: int = 2024, size: int = 100_000,
             db: str | None = DB_OPTION) -> None:
    """Primera revisión contra el padrón / first review against the register."""
    from vmre.core.database import transaction
    from vmre.registry import notify, service
    from vmre.registry.padron import SyntheticPadron

    factory = _factory(db)
    with transaction(factory) as session:
        counts = service.run_validation(session, SyntheticPadron(seed, size), election)
    typer.echo(bilingual("registry.review.validated", **counts))
    notify.flush_outbox(factory)


@registry_app.command("close")
def close(election: str = ELECTION, entity: str | None = None, modality: str | None = None,
          db: str | None = DB_OPTION) -> None:
    """Cierra la lista por entidad y modalidad / close the list per entity and modality."""
    from vmre.core.database import transaction
    from vmre.registry import lists, notify

    factory = _factory(db)
    with transaction(factory) as session:
        done = lists.close(session, election, _actor(), [entity] if entity else None,
                           [modality] if modality else None)
        for c in done:
            typer.echo(f"{c.entity_id}\t{c.modality}\t{c.included}")
    typer.echo(bilingual("registry.list.closed", count=len(done)))
    notify.flush_outbox(factory)


@registry_app.command("figures")
def figures(election: str = ELECTION, db: str | None = DB_OPTION) -> None:
    """Cifras por país, entidad y modalidad / figures by country, entity and modality."""
    from vmre.core.database import transaction
    from vmre.registry import lists

    with transaction(_factory(db)) as session:
        lists.figures_csv(session, election, sys.stdout)


@registry_app.command("export")
def export(election: str = ELECTION,
           audience: str = typer.Option("full", help="full | opl | shipping"),
           entity: str | None = None, out: Path = typer.Option(...),
           addendum: bool = typer.Option(False, help="Solo la adenda / addendum only."),
           db: str | None = DB_OPTION) -> None:
    """Exporta la lista en CSV / export the list as CSV."""
    from vmre.core import audit
    from vmre.core.database import transaction
    from vmre.registry import lists

    with transaction(_factory(db)) as session, out.open("w", newline="",
                                                         encoding="utf-8") as handle:
        n = lists.export_csv(session, election, handle, audience, entity, addendum)
        audit.record(session, _actor(), "registry.list_exported", election,
                     f"audience={audience} entity={entity or 'all'} addendum={int(addendum)} "
                     f"rows={n}")
    typer.echo(bilingual("core.cli.done"))


@registry_app.command("notices")
def notices(db: str | None = DB_OPTION) -> None:
    """Envía los avisos pendientes / mail pending status notices."""
    from vmre.registry import notify

    typer.echo(bilingual("registry.outbox.sent", count=notify.flush_outbox(_factory(db))))


@registry_app.command("prune-uploads")
def prune_uploads(hours: float = typer.Option(24.0, help="Edad mínima / minimum age (h)."),
                  db: str | None = DB_OPTION) -> None:
    """Borra archivos que ninguna solicitud usa / delete uploads no request refers to."""
    from sqlalchemy import select

    from vmre.core.database import transaction
    from vmre.registry import documents
    from vmre.registry.models import Request

    with transaction(_factory(db)) as session:
        referenced = {sha for row in session.execute(
            select(Request.card_front_sha, Request.card_back_sha, Request.proof_sha))
            for sha in row if sha}
    count = documents.prune(referenced, hours * 3600)
    typer.echo(bilingual("registry.uploads.pruned", count=count))


@registry_app.command("issuer-key")
def issuer_key_create(out: Path = typer.Option(..., help="Archivo de llave / key file.")) -> None:
    """Genera la llave emisora cifrada / create the encrypted issuer key."""
    from vmre.crypto.group import base_mul
    from vmre.registry import issuer_key

    secret = issuer_key.create(out, _passphrase(confirm=True))
    typer.echo(bilingual("registry.issuer.created", path=str(out), public=base_mul(secret).hex()))


@registry_app.command("send-credentials")
def send_credentials(election: str = ELECTION, db: str | None = DB_OPTION) -> None:
    """Envía la credencial de votación a cada votante por internet aceptado /
    mail every accepted internet voter their voting credential."""
    from vmre.registry import issuance

    count = issuance.issue_credentials(_factory(db), election, _actor())
    typer.echo(bilingual("registry.credentials.issued", count=count))


@registry_app.command("credentials")
def credential_list(election: str = ELECTION,
                    out: Path = typer.Option(..., help="JSON de salida / output JSON."),
                    key: Path = typer.Option(Path("registry-issuer.key"), help="Llave emisora "
                                                                              "/ issuer key."),
                    db: str | None = DB_OPTION) -> None:
    """Escribe la lista firmada de credenciales públicas / write the signed list of public
    credentials for the voting server."""
    from vmre.core.database import transaction
    from vmre.registry import issuance, issuer_key

    secret = issuer_key.load(key, _passphrase())
    with transaction(_factory(db)) as session:
        document = issuance.signed_list(session, election, secret, _actor())
    out.write_text(json.dumps(document, indent=2, sort_keys=True), encoding="utf-8")
    typer.echo(bilingual("registry.credentials.written", count=len(document["credentials"]),
                         path=str(out)))
