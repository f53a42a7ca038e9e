"""`vmre simulacro` on the command line."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from vmre.core.messages import text
from vmre.simulacro.postal import summary_table
from vmre.simulacro.run import run

console = Console(width=None if Console().is_terminal else 120)


def simulacro(
    voters: int = typer.Option(200, help="Electores / voters."),
    custodians: int = typer.Option(5, help="Custodios / custodians (n)."),
    threshold: int = typer.Option(3, help="Umbral / threshold (t)."),
    absent: int = typer.Option(2, help="Custodios ausentes al cierre / absent at closing."),
    out: Path = typer.Option(Path("simulacro-out"), help="Carpeta de salida / output folder."),
    db: str | None = typer.Option(None, "--db", help="URL de la base / database URL."),
    seed: int = typer.Option(2024, help="Semilla / seed."),
    manifest: Path | None = typer.Option(None, help="Manifiesto / manifest (YAML/JSON)."),
    cheater: int | None = typer.Option(None, help="Custodio que reparte una parte falsa."),
    scheduler: str | None = typer.Option(None, help="Dask scheduler address."),
    postal_share: float = typer.Option(
        0.3, min=0.0, max=1.0,
        help="Votantes postales por votante por internet / postal voters per internet voter."),
) -> None:
    """Simulacro completo de votación / a complete mock election."""
    manifest_text = manifest.read_text(encoding="utf-8") if manifest else None
    started = [time.perf_counter()]

    def say(step: str) -> None:
        # Each step's message, then how long the previous one took.
        now = time.perf_counter()
        if step != "ceremony":
            console.print(text("simulacro.elapsed", seconds=f"{now - started[0]:.1f}"))
        started[0] = now
        console.print(text(f"simulacro.step.{step}"))

    outcome = run(voters, out, custodians, threshold, absent, db, seed, manifest_text, cheater,
                  scheduler, say=say, postal_share=postal_share)
    console.print(text("simulacro.elapsed", seconds=f"{time.perf_counter() - started[0]:.1f}"))
    console.print(text("simulacro.results_title"))
    for contest in outcome.manifest.contests:
        data = outcome.results["contests"][contest.id]
        table = Table(title=f"{contest.office} ({contest.id}) — "
                            + text("simulacro.ballots", n=data["ballots"]), title_justify="left")
        table.add_column(text("simulacro.column.option"))
        table.add_column(text("simulacro.column.votes"), justify="right")
        for option in contest.options:
            table.add_row(option.id, str(data["counts"][option.id]))
        console.print(table)
    console.print(summary_table(outcome.postal))
    console.print(text("simulacro.summary", voters=outcome.voters, cast=outcome.cast,
                       challenged=outcome.challenged,
                       refused=outcome.second_attempts_refused,
                       absent=", ".join(map(str, outcome.absent)) or "-"))
    console.print(text("simulacro.where", record=outcome.record, archive=outcome.archive))
    console.print(text("simulacro.fingerprint", fingerprint=outcome.fingerprint), soft_wrap=True)
    report = outcome.report
    if report and report.ok:
        console.print(text("simulacro.verified", checks=len(report.checks)))
    else:
        for failure in report.failures if report else []:
            console.print(f"[red]{failure}[/red]")
        raise typer.Exit(1)
