"""`vmre ceremony ...` (each custodian's steps) and `vmre election ...` (the voting server's)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from vmre.core import atomic, crashpoint
from vmre.core.clock import people_date, people_moment
from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.core.messages import UserError, plural, text
from vmre.crypto.group import GroupError, point_from_hex
from vmre.voting import closing
from vmre.voting.board import Board
from vmre.voting.ceremony import Ceremony, disqualification_text

ceremony_app = typer.Typer(no_args_is_help=True,
                           help="Ceremonia de apertura / opening key ceremony.")
election_app = typer.Typer(no_args_is_help=True,
                           help="Elección en el servidor de votación / voting server steps.")

FOLDER = typer.Option(Path("ceremony"), "--dir", help="Carpeta compartida / shared folder.")
INDEX = typer.Option(..., "--custodian", help="Número de custodio / custodian number (1..n).")
SECRET = typer.Option(..., "--secret", help="Archivo secreto del custodio / custodian file.")
DB = typer.Option(None, "--db", help="URL de la base / database URL (VMRE_DATABASE_URL).")


def _passphrase(confirm: bool = False) -> str:
    return typer.prompt(text("voting.cli.passphrase"), hide_input=True,
                        confirmation_prompt=confirm)


def _done(message: str, **params: object) -> None:
    typer.echo(text(message, **params))


@ceremony_app.command("init")
def init(manifest: Path, custodians: int = 5, threshold: int = 3, folder: Path = FOLDER) -> None:
    """Parámetros de la ceremonia / ceremony parameters."""
    params = Ceremony(folder).init(manifest.read_text(encoding="utf-8"), custodians, threshold)
    _done("voting.cli.initialised", election=params["election_id"], n=custodians, t=threshold)


@ceremony_app.command("keygen")
def keygen(index: int = INDEX, secret: Path = SECRET, folder: Path = FOLDER) -> None:
    """Genera la llave del custodio / generate this custodian's keys."""
    ceremony = Ceremony(folder)
    ceremony.refuse_keygen_again(index, secret)  # before the passphrase is asked
    ceremony.keygen(index, _passphrase(confirm=True), secret)
    _done("voting.cli.announced", index=index)


@ceremony_app.command("deal")
def deal(index: int = INDEX, secret: Path = SECRET, folder: Path = FOLDER) -> None:
    """Reparte las partes cifradas / deal the encrypted shares."""
    Ceremony(folder).deal(index, _passphrase(), secret)
    _done("voting.cli.dealt", index=index)


@ceremony_app.command("check")
def check(index: int = INDEX, secret: Path = SECRET, folder: Path = FOLDER) -> None:
    """Verifica las partes recibidas / verify the shares received."""
    against = Ceremony(folder).check(index, _passphrase(), secret)
    _done("voting.cli.checked", index=index, against=", ".join(map(str, against)) or "-")


@ceremony_app.command("respond")
def respond(index: int = INDEX, secret: Path = SECRET, folder: Path = FOLDER) -> None:
    """Responde a una queja revelando la parte / answer complaints."""
    Ceremony(folder).respond(index, _passphrase(), secret)
    _done("voting.cli.responded", index=index)


@ceremony_app.command("finalize")
def finalize(folder: Path = FOLDER) -> None:
    """Cierra la ceremonia: llave conjunta y transcripción / joint key and transcript."""
    transcript = Ceremony(folder).finalize()
    _done("voting.cli.finalized", key=transcript["joint_public_key"],
          qualified=", ".join(map(str, transcript["qualified"])),
          disqualified="; ".join(f"{who}: {disqualification_text(why)}" for who, why in
                                 transcript["disqualified"].items()) or "-")


@ceremony_app.command("attendance")
def attendance_cmd(
        election: str,
        act: str = typer.Option(..., help="inicio (apertura / opening) | cierre (closing)"),
        custodian: list[str] = typer.Option([], help="Custodio presente / present: N=Nombre"),
        absent: list[str] = typer.Option([], help="Custodio ausente / absent: N=Nombre"),
        staff: list[str] = typer.Option([], help="Personal que condujo / staff who ran it"),
        party: list[str] = typer.Option([], help="Representación / party: PARTIDO=Nombre"),
        oficialia: list[str] = typer.Option([], help="Oficialía Electoral (da fe / attests)"),
        db: str | None = DB) -> None:
    """Quién estuvo en la ceremonia: lo imprime el acta, con una línea de firma por persona /
    who was there: the act names them, with a signature line for each."""
    from vmre.core import audit as audit_log
    from vmre.voting import attendance

    people = attendance.people(custodian, absent, staff, party, oficialia)
    board = _board(db)
    with transaction(board.sessions) as s:
        rows = attendance.record(s, election, act, people)
        audit_log.record(s, "cli", "sivei_attendance", election, f"act={act} people={len(rows)}")
    _done("voting.cli.attendance_recorded", act=act, election=election, count=len(rows))


@ceremony_app.command("decrypt")
def decrypt(aggregate: Path, out: Path, index: int = INDEX, secret: Path = SECRET,
            folder: Path = FOLDER) -> None:
    """Descifrado parcial del cómputo / this custodian's partial decryption."""
    share = closing.custodian_decrypt(Ceremony(folder), json.loads(aggregate.read_text()), index,
                                      _passphrase(), str(secret))
    atomic.write_text(out, json.dumps(share, indent=1))
    _done("voting.cli.decrypted", index=index, out=out)


def _board(db: str | None) -> Board:
    engine = make_engine(db)
    migrate(engine)
    return Board(session_factory(engine))


@election_app.command("register")
def register(folder: Path = FOLDER, policy: str = "single", db: str | None = DB,
             issuer: str | None = typer.Option(
                 None, help="Llave pública de la autoridad de credenciales (hex) / credential "
                            "authority's public key (hex); fija la huella / fixes the "
                            "fingerprint."),
             postal: str = typer.Option(
                 "", help="Entidades con mesas de voto postal, separadas por comas / entities "
                          "counted with postal tables, comma-separated (e.g. JAL,CDMX).")
             ) -> None:
    """Registra la elección tras la ceremonia / register the election after the ceremony."""
    try:
        issuer_key = point_from_hex(issuer) if issuer else None
    except GroupError as err:
        raise UserError("voting.cli.bad_issuer_key", reason=str(err)) from None
    board = _board(db)
    election_id = board.register(Ceremony(folder), policy, issuer_key,
                                 [e.strip().upper() for e in postal.split(",") if e.strip()])
    _done("voting.cli.registered", election=election_id)
    if issuer_key is None:
        _done("voting.cli.fingerprint_pending")
    else:
        _print_fingerprint(board, election_id)


@election_app.command("credentials")
def credentials(election: str, document: Path, db: str | None = DB) -> None:
    """Carga la lista firmada de credenciales públicas / load the signed credential list.
    Solo la firmada por la autoridad fijada para la elección / only one signed by the
    credential authority pinned for the election (the first list loaded pins its signer)."""
    board = _board(db)
    count = board.load_credentials(election, json.loads(document.read_text()))
    _done("voting.cli.credentials_loaded", count=count)
    _print_fingerprint(board, election)


@election_app.command("fingerprint")
def fingerprint(election: str, db: str | None = DB) -> None:
    """Huella de la elección y sus datos / the election fingerprint and its inputs."""
    value, inputs = _board(db).fingerprint(election)
    typer.echo(json.dumps(inputs, indent=1, sort_keys=True))
    _done("voting.cli.fingerprint", election=election, fingerprint=value)


def _print_fingerprint(board: Board, election_id: str) -> None:
    value, _inputs = board.fingerprint(election_id)
    _done("voting.cli.fingerprint", election=election_id, fingerprint=value)


EXEMPTION = typer.Option(
    None, "--audit-exemption",
    help="Solo simulacros y elecciones de práctica: 'simulacro' o 'practice' abre la votación "
         "sin las dos auditorías publicadas (docs/ceremony.md, Audits) / only mock and practice "
         "elections: 'simulacro' or 'practice' opens the window without the two published "
         "audits.")


@election_app.command("schedule")
def schedule(election: str, opens: dt.datetime, closes: dt.datetime, db: str | None = DB,
             audit_exemption: str | None = EXEMPTION) -> None:
    """Programa el periodo de votación (ISO 8601 con zona) / schedule the voting window.
    Exige dos auditorías publicadas de empresas distintas (LGIPE, décimo tercero
    transitorio) / requires two published audits by distinct firms."""
    if opens.tzinfo is None or closes.tzinfo is None:
        raise UserError("voting.cli.naive_time")
    _board(db).schedule(election, opens, closes, audit_exemption)
    _done("voting.cli.scheduled", election=election, opens=people_moment(opens),
          closes=people_moment(closes))


@election_app.command("close")
def close(election: str, out: Path = Path("closing"), db: str | None = DB,
          scheduler: str | None = None) -> None:
    """Cierra la urna y calcula el agregado cifrado / close and aggregate. Se puede repetir:
    tras un corte, volver a ejecutarlo termina el paso / may be run again: after a crash,
    running it again finishes the step (the same statement, the same aggregate)."""
    board = _board(db)
    out.mkdir(parents=True, exist_ok=True)
    closing_doc = board.close(election)  # once closed, the same signed statement every time
    atomic.write_text(out / "closing.json", json.dumps(closing_doc, indent=1))
    atomic.write_text(out / "aggregate.json", json.dumps(
        closing.aggregate(board, election, scheduler), indent=1))
    _done("voting.cli.closed", ballots=plural("web.names.ballots", closing_doc["ballots"]),
          hash=closing_doc["final_hash"], out=out)


@election_app.command("tally")
def tally_cmd(election: str, shares: list[Path], closing_dir: Path = Path("closing"),
              folder: Path = FOLDER, record: Path = Path("record"), db: str | None = DB) -> None:
    """Combina las partes de descifrado y escribe el registro / combine shares, write record.
    Se puede repetir / may be run again: the results are kept in one transaction, the record
    folder and its zip replace any earlier (or half-written) version whole."""
    from vmre.record.writer import archive, write_record
    from vmre.voting import server_tally

    ceremony = Ceremony(folder)
    aggregate_doc = json.loads((closing_dir / "aggregate.json").read_text())
    results, valid, rejected = closing.combine(
        ceremony.context(), ceremony.transcript(), aggregate_doc,
        [json.loads(p.read_text()) for p in shares])
    board = _board(db)
    with transaction(board.sessions) as s:  # published: listed on /resultados like a web tally
        server_tally.record_tally(s, board, election, aggregate_doc, valid, results)
    crashpoint.reached("election-tally:published")
    write_record(record, board, election, json.loads((closing_dir / "closing.json")
                 .read_text()), aggregate_doc, valid, results)
    archive(record)
    typer.echo(json.dumps(results["contests"], indent=1, ensure_ascii=False))
    _done("voting.cli.tallied", used=", ".join(map(str, results["custodians_used"])),
          rejected=", ".join(map(str, rejected)) or "-", record=record)


audit_app = typer.Typer(no_args_is_help=True,
                        help="Auditorías del sistema (LGIPE, décimo tercero transitorio) / "
                             "audits of the system before internet voting.")
election_app.add_typer(audit_app, name="audit")


def _audit_state(link: str) -> str:
    return text("voting.cli.audit_published", link=link) if link else \
        text("voting.cli.audit_unpublished")


@audit_app.command("add")
def audit_add(election: str,
              firm: str = typer.Option(..., help="Empresa auditora / auditing firm."),
              scope: str = typer.Option(..., help="Alcance / scope of the audit."),
              started: dt.datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"],
                                                  help="Inicio / first day (AAAA-MM-DD)."),
              ended: dt.datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"],
                                                help="Fin / last day (AAAA-MM-DD)."),
              opinion: Path = typer.Option(..., help="Dictamen / the opinion document."),
              link: str = typer.Option("", help="Enlace público al dictamen / public link."),
              db: str | None = DB) -> None:
    """Registra una auditoría y el SHA-256 de su dictamen / record an audit and its opinion's
    SHA-256."""
    from vmre.core import audit as audit_log
    from vmre.voting import audits

    try:
        digest = audits.opinion_digest(opinion.read_bytes())
    except OSError:
        raise UserError("voting.audits.no_opinion", path=opinion) from None
    board = _board(db)
    with transaction(board.sessions) as s:
        row = audits.add(s, election, firm, scope, started.date(), ended.date(), digest, link)
        audit_log.record(s, "cli", "sivei_audit_add", election, f"{row.id} {row.firm}")
        _done("voting.cli.audit_added", audit=row.id, firm=row.firm, election=election,
              digest=digest, state=_audit_state(row.public_link))


@audit_app.command("publish")
def audit_publish(election: str, audit_id: int, link: str = typer.Option(...),
                  db: str | None = DB) -> None:
    """Enlace público del dictamen / the opinion's public link."""
    from vmre.core import audit as audit_log
    from vmre.voting import audits

    board = _board(db)
    with transaction(board.sessions) as s:
        row = audits.publish(s, election, audit_id, link)
        audit_log.record(s, "cli", "sivei_audit_publish", election, str(row.id))
        _done("voting.cli.audit_added", audit=row.id, firm=row.firm, election=election,
              digest=row.opinion_sha256, state=_audit_state(row.public_link))


@audit_app.command("list")
def audit_list(election: str, db: str | None = DB) -> None:
    """Auditorías registradas y si se cumple la regla / recorded audits and the rule."""
    from vmre.voting import audits

    board = _board(db)
    with board.sessions() as s:
        for row in audits.listed(s, election):
            _done("voting.cli.audit_line", audit=row.id, firm=row.firm,
                  start=people_date(row.started_on), end=people_date(row.ended_on),
                  digest=row.opinion_sha256, link=row.public_link or "-")
        _done("voting.cli.audit_rule", firms=len(audits.published_firms(s, election)),
              needed=audits.MIN_FIRMS)
