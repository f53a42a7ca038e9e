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

jobs_app = typer.Typer(no_args_is_help=True,
                       help="Trabajos periódicos / periodic jobs (docs/registry.md §10).")
registry_app.add_typer(jobs_app, name="jobs")

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
    voting_url: str = typer.Option("", help="Informativo; los correos usan VMRE_PUBLIC_URL / "
                                             "informative; mails use VMRE_PUBLIC_URL."),
    review: str = typer.Option("all", help="Qué solicitudes revisa una persona tras la primera "
                               "revisión: all, sample, findings / which requests a person "
                               "reviews after the first review (docs/registry.md §3.1)."),
    review_sample_percent: int = typer.Option(10, help="Con --review sample: porcentaje de "
                                              "las limpias / with --review sample: share of "
                                              "the clean ones, in percent."),
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
                               correction_days=correction_days, voting_url=voting_url,
                               review_rule=review, review_sample_percent=review_sample_percent)
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
             padron: str | None = typer.Option(
                 None, "--padron", help="Padrón / register: synthetic[:SEMILLA:TAMAÑO] | "
                                        "csv:RUTA (VMRE_PADRON; si no, el sintético con "
                                        "--seed y --size / else the synthetic one)."),
             db: str | None = DB_OPTION) -> None:
    """Primera revisión contra el padrón / first review against the register."""
    from vmre.core.database import transaction
    from vmre.registry import notify, service
    from vmre.registry.padron import from_spec

    register = from_spec(padron or os.environ.get("VMRE_PADRON")
                         or f"synthetic:{seed}:{size}")
    factory = _factory(db)
    with transaction(factory) as session:
        counts = service.run_validation(session, register, election)
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
           audience: str = typer.Option("full", "--audience", "--kind",
                                        help="full | opl | shipping | postal-lnere | "
                                             "internet-lnere (docs/count.md §2.1, §2.2)"),
           entity: str | None = None, out: Path = typer.Option(...),
           addendum: bool = typer.Option(False, help="Solo la adenda / addendum only."),
           db: str | None = DB_OPTION) -> None:
    """Exporta la lista (CSV; las LNERE postal y de internet en JSON Lines) / export the list
    (CSV; the postal and internet LNERE as JSON Lines, for `vmre count packages` and `vmre
    count internet-lnere`)."""
    from vmre.core import audit
    from vmre.core.database import transaction
    from vmre.registry import internet_lnere, lists, postal_lnere

    # Written beside the target and renamed into place once the transaction commits, so a
    # refused export never leaves a partial file behind.
    partial = out.with_name(out.name + ".partial")
    try:
        with transaction(_factory(db)) as session, partial.open(
                "w", newline="", encoding="utf-8") as handle:
            if audience == "postal-lnere":
                n = postal_lnere.write(session, election, handle, entity, addendum)
            elif audience == "internet-lnere":
                n = internet_lnere.write(session, election, handle, entity, addendum)
            else:
                n = lists.export_csv(session, election, handle, audience, entity, addendum)
            audit.record(session, _actor(), "registry.list_exported", election,
                         f"audience={audience} entity={entity or 'all'} "
                         f"addendum={int(addendum)} rows={n}")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    written = {"postal-lnere": "registry.lnere.written",
               "internet-lnere": "registry.internet_lnere.written"}
    typer.echo(bilingual(written.get(audience, "core.cli.done"), count=n, path=str(out)))


@registry_app.command("notices")
def notices(db: str | None = DB_OPTION) -> None:
    """Envía los avisos pendientes / mail pending status notices."""
    from vmre.registry import notify

    typer.echo(bilingual("registry.outbox.sent", count=notify.flush_outbox(_factory(db))))


@registry_app.command("prune-uploads")
def prune_uploads(hours: float = typer.Option(24.0, help="Edad mínima / minimum age (h)."),
                  db: str | None = DB_OPTION) -> None:
    """Borra archivos que ninguna solicitud usa / delete uploads no request refers to."""
    from vmre.registry import jobs

    count = jobs.prune_uploads(_factory(db), hours)
    typer.echo(bilingual("registry.uploads.pruned", count=count))


def _print_outcomes(outcomes) -> bool:
    for o in outcomes:
        if o.ok:
            typer.echo(bilingual("registry.jobs.ran", name=o.name, count=o.count))
        else:
            typer.echo(bilingual("registry.jobs.failed", name=o.name, detail=o.error), err=True)
    return all(o.ok for o in outcomes)


@jobs_app.command("run")
def jobs_run(
    every: float = typer.Option(60.0, "--every", help="Segundos entre pasadas / seconds "
                                                      "between passes."),
    once: bool = typer.Option(False, "--once", help="Una pasada y salir / one pass, then "
                                                    "exit (cron, systemd timer)."),
    all_jobs: bool = typer.Option(False, "--all", help="Todos, tocara o no / every job, due "
                                                       "or not."),
    job: list[str] = typer.Option([], "--job", help="Solo este trabajo / only this job "
                                                    "(repeatable)."),
    db: str | None = DB_OPTION,
) -> None:
    """Ejecuta los trabajos periódicos que tocan / run the periodic jobs that are due
    (correction reminders, notices, confirmation mails, pruning of uploads)."""
    import time

    from vmre.registry import jobs as registry_jobs

    chosen = list(registry_jobs.JOBS)
    if job:
        names = ", ".join(j.name for j in registry_jobs.JOBS)
        chosen = []
        for name in job:
            found = registry_jobs.job_named(name)
            if found is None:
                typer.echo(bilingual("registry.jobs.unknown", name=name, names=names), err=True)
                raise typer.Exit(2)
            chosen.append(found)
    factory = _factory(db)
    while True:
        ok = _print_outcomes(registry_jobs.run_due(factory, chosen, force=all_jobs))
        if once:
            raise typer.Exit(0 if ok else 1)
        time.sleep(every)


@jobs_app.command("status")
def jobs_status(db: str | None = DB_OPTION) -> None:
    """Última ejecución de cada trabajo / last run of each job."""
    from vmre.core.clock import people_text
    from vmre.core.database import transaction
    from vmre.core.messages import text
    from vmre.registry import jobs as registry_jobs

    with transaction(_factory(db)) as session:
        runs = registry_jobs.last_runs(session)
        for job in registry_jobs.JOBS:
            run = runs.get(job.name)
            for lang in ("es", "en"):
                started = (people_text(run.started_at, lang) if run and run.started_at
                           else text("registry.jobs.never", lang))
                typer.echo(text("registry.jobs.status", lang, name=job.name, every=int(job.every),
                                started=started,
                                result=text("registry.jobs.ok" if not run or run.ok
                                            else "registry.jobs.error", lang),
                                detail=run.detail if run else ""))


@registry_app.command("issuer-key")
def issuer_key_create(out: Path = typer.Option(..., help="Archivo de llave / key file.")) -> None:
    """Genera la llave emisora cifrada / create the encrypted issuer key."""
    from vmre.crypto.group import base_mul
    from vmre.registry import issuer_key

    secret = issuer_key.create(out, _passphrase(confirm=True))
    typer.echo(bilingual("registry.issuer.created", path=str(out), public=base_mul(secret).hex()))


ISSUER_KEY = typer.Option(Path("registry-issuer.key"), "--key",
                          help="Llave emisora / issuer key (passphrase: "
                               "VMRE_REGISTRY_ISSUER_PASSPHRASE or prompt).")


@registry_app.command("send-credentials")
def send_credentials(election: str = ELECTION, key: Path = ISSUER_KEY,
                     db: str | None = DB_OPTION) -> None:
    """Emite y envía la credencial de votación a cada votante por internet aceptado y entrega
    sus cuentas al servidor de votación / issue and mail every accepted internet voter their
    credential, handing the signed list and their accounts to the voting server."""
    from vmre.registry import issuance, issuer_key

    secret = issuer_key.load(key, _passphrase())
    count = issuance.issue_credentials(_factory(db), election, _actor(), secret)
    typer.echo(bilingual("registry.credentials.issued", count=count))


@registry_app.command("resend-credentials")
def resend_credentials(who: str = typer.Argument(..., help="Correo o folio / e-mail or "
                                                           "tracking number."),
                       election: str = ELECTION, key: Path = ISSUER_KEY,
                       db: str | None = DB_OPTION) -> None:
    """Credencial nueva para un votante, solo antes del primer voto / a new credential for
    one voter whose mail never arrived or was lost, only before the first ballot."""
    from vmre.registry import issuance, issuer_key

    secret = issuer_key.load(key, _passphrase())
    folio = issuance.reissue_credential(_factory(db), election, who, _actor(), secret)
    typer.echo(bilingual("registry.credentials.reissued", folio=folio))


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


# -- the LNERE as the law has it: observations, validity, the in-country files -------------
lnere_app = typer.Typer(no_args_is_help=True,
                        help="Observaciones, declaración de validez y bajas temporales de la "
                             "LNERE / observations, validity and the in-country files.")
registry_app.add_typer(lnere_app, name="lnere")


@lnere_app.command("observe")
def lnere_observe(election: str = ELECTION, entity: str = typer.Option(...),
                  filer_kind: str = typer.Option(..., "--filer-kind",
                                                 help="party | cnv"),
                  filer: str = typer.Option(..., help="Partido (siglas) o CNV / party or CNV."),
                  subject: str = typer.Option(..., help="La observación / the observation."),
                  db: str | None = DB_OPTION) -> None:
    """Registra una observación de un partido o de la CNV / file an observation."""
    from vmre.core.database import transaction
    from vmre.registry import validity

    with transaction(_factory(db)) as session:
        row = validity.file_observation(session, election, entity, filer_kind, filer, subject,
                                        _actor())
        typer.echo(bilingual("registry.lnere.observation_filed", id=row.id,
                             entity=row.entity_id))


@lnere_app.command("answer")
def lnere_answer(observation: int, election: str = ELECTION,
                 outcome: str = typer.Option(..., help="upheld | partly_upheld | dismissed"),
                 answer: str = typer.Option(..., help="La respuesta / the answer."),
                 db: str | None = DB_OPTION) -> None:
    """Responde una observación con su resultado / answer an observation with its outcome."""
    from vmre.core.database import transaction
    from vmre.registry import validity

    with transaction(_factory(db)) as session:
        row = validity.answer_observation(session, election, observation, answer, outcome,
                                          _actor())
        typer.echo(bilingual("registry.lnere.observation_answered", id=row.id,
                             outcome=row.outcome))


@lnere_app.command("observations")
def lnere_observations(election: str = ELECTION, entity: str | None = None,
                       db: str | None = DB_OPTION) -> None:
    """Observaciones: presentadas, respondidas y su resultado / filed, answered, outcome."""
    from vmre.registry import validity

    with _factory(db)() as session:
        for row in validity.observations(session, election, entity):
            state = row.outcome or bilingual("registry.lnere.pending")
            typer.echo(bilingual("registry.lnere.observation_line", id=row.id,
                                 entity=row.entity_id, filer=f"{row.filer_kind}:{row.filer}",
                                 state=state))


@lnere_app.command("declare-valid")
def lnere_declare_valid(election: str = ELECTION, entity: str = typer.Option(...),
                        agreement: str = typer.Option(..., help="Acuerdo / agreement."),
                        election_day: dt.datetime = typer.Option(
                            ..., "--election-day", formats=["%Y-%m-%d"],
                            help="Jornada electoral / election day (AAAA-MM-DD)."),
                        db: str | None = DB_OPTION) -> None:
    """Declara válida y definitiva la LNERE de una entidad / declare an entity's LNERE valid."""
    from vmre.core.database import transaction
    from vmre.registry import validity

    with transaction(_factory(db)) as session:
        row = validity.declare_valid(session, election, entity, agreement,
                                     election_day.date(), _actor())
        typer.echo(bilingual("registry.lnere.declared", entity=row.entity_id,
                             agreement=row.agreement, included=row.included))


@lnere_app.command("in-country")
def lnere_in_country(election: str = ELECTION, entity: str = typer.Option(...),
                     kind: str = typer.Option(..., help="removal (baja temporal) | "
                                                        "restoration (reincorporación)"),
                     out: Path = typer.Option(...),
                     today: dt.datetime | None = typer.Option(
                         None, formats=["%Y-%m-%d"], help="Hoy / today (AAAA-MM-DD)."),
                     db: str | None = DB_OPTION) -> None:
    """Archivo para la lista nominal en territorio nacional: baja temporal de quienes están
    en la LNERE, o su reincorporación tras la elección / the in-country list's file."""
    from vmre.core.database import transaction
    from vmre.registry import validity

    partial = out.with_name(out.name + ".partial")
    try:
        with transaction(_factory(db)) as session, partial.open(
                "w", newline="", encoding="utf-8") as handle:
            n = validity.export_in_country(session, election, entity, kind, handle, _actor(),
                                           today.date() if today else None)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    typer.echo(bilingual("registry.lnere.in_country_written", kind=kind, count=n,
                         path=str(out)))
