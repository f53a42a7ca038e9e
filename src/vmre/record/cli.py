"""`vmre verify RECORD`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

from vmre.core.messages import text
from vmre.record.verifier import verify_record

console = Console(stderr=True)


def verify(
    record: Path = typer.Argument(..., help="Carpeta o zip del registro / record folder or zip."),
    scheduler: str | None = typer.Option(None, help="Dask scheduler (host:port)."),
    workers: int | None = typer.Option(None, help="Procesos locales / local processes."),
) -> None:
    """Verifica una elección desde su registro / verify an election from its record."""
    if not record.exists():
        console.print(text("core.file.not_found", path=str(record)))
        raise typer.Exit(2)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(text("record.verify.progress"), total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = verify_record(record, scheduler, step, workers)
    for line in report.checks:
        typer.echo(f"ok  {line}")
    if report.ok:
        typer.echo(text("record.verify.ok", ballots=report.ballots, spoiled=report.spoiled))
        return
    for failure in report.failures:
        typer.echo(f"FAIL {failure}")
    typer.echo(text("record.verify.failed", count=len(report.failures)))
    raise typer.Exit(1)
