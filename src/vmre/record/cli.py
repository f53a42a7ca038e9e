"""`vmre verify RECORD [--fingerprint HEX] [--receipt RECEIPT.json]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from vmre.core.messages import bilingual, bilingual_counts, bilingual_plural, number, text
from vmre.record.progress import ProgressLine
from vmre.record.verifier import verify_record


def _refuse(message: str) -> None:
    # Plain text: a path or parser message is neither read as rich markup ("[x]" would
    # vanish) nor folded at the terminal's width (a folded path cannot be copied).
    typer.echo(message, err=True)


def verify(
    record: Path = typer.Argument(..., help="Carpeta o zip del registro / record folder or zip."),
    fingerprint: str | None = typer.Option(
        None, help="Huella publicada de la elección / the election's published fingerprint "
                   "(hex; docs/record.md §2.4)."),
    receipt: Path | None = typer.Option(
        None, help="Recibo de un voto (JSON) a buscar en el tablero / a voter's receipt "
                   "(JSON) to find on the board (§7.6)."),
    scheduler: str | None = typer.Option(None, help="Dask scheduler (host:port)."),
    workers: int | None = typer.Option(None, help="Procesos locales / local processes."),
    progress: bool = typer.Option(
        False, "--progress",
        help="Una línea por segundo con el avance (por omisión solo en una terminal) / "
             "a progress line a second on stderr (by default only on a terminal)."),
) -> None:
    """Verifica una elección desde su registro / verify an election from its record."""
    for path in (record, receipt):
        if path is not None and not path.exists():
            _refuse(text("core.file.not_found", path=str(path)))
            raise typer.Exit(2)
    receipt_doc = None
    if receipt is not None:
        try:
            receipt_doc = json.loads(receipt.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            _refuse(text("core.file.unreadable", path=str(receipt), reason=str(err)))
            raise typer.Exit(2) from None
    shown = progress or sys.stderr.isatty()
    line = ProgressLine(lambda message: typer.echo(message, err=True))
    report = verify_record(record, scheduler, line.update if shown else None, workers,
                           fingerprint=fingerprint, receipt=receipt_doc)
    for line in report.checks:
        typer.echo(f"ok  {line}")
    if report.fingerprint:
        typer.echo(bilingual("record.verify.fingerprint", fingerprint=report.fingerprint))
    if report.ok:
        if report.receipt:
            typer.echo(bilingual("record.verify.receipt_ok", tracking=report.receipt))
        typer.echo(bilingual_counts("record.verify.ok", {
            "counted": ("record.verify.counted", report.counted),
            "spoiled": ("record.verify.spoiled", report.spoiled)},
            ballots=number(report.ballots)))
        if report.policy == "last":
            typer.echo(bilingual_plural("record.verify.counted_last",
                                        report.ballots - report.counted))
        typer.echo(bilingual("record.verify.fingerprint_matches" if report.fingerprint_checked
                             else "record.verify.fingerprint_unchecked",
                             fingerprint=report.fingerprint))
        return
    for failure in report.failures:
        typer.echo(f"FAIL {failure}")
    typer.echo(bilingual_plural("record.verify.failed", len(report.failures)))
    raise typer.Exit(1)
