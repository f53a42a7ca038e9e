"""`vmre simulacro` on the command line."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from vmre.core.messages import number, plural, text
from vmre.simulacro.postal import summary_table
from vmre.simulacro.run import Outcome, run
from vmre.voting import names

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
        0.25, min=0.0, max=1.0,
        help="Parte de los ciudadanos que pide votar por correo / share asking for postal vote."),
    web_voters: int = typer.Option(
        12, min=0, help="Votantes por internet que votan en las páginas web (activación, "
                        "segundo factor, entrada); el resto por la recepción en lote / internet "
                        "voters who vote on the web pages; the rest through the bulk intake."),
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
                  scheduler, say=say, postal_share=postal_share, web_voters=web_voters)
    console.print(text("simulacro.elapsed", seconds=f"{time.perf_counter() - started[0]:.1f}"))
    console.print(text("simulacro.results_title"))
    for contest in outcome.manifest.contests:
        data = outcome.results["contests"][contest.id]
        # names people read: the office and its entity, parties, coalitions and candidates
        table = Table(title=f"{names.contest_name(contest, 'es')} — "
                            + plural("simulacro.ballots_counted", data["ballots"]),
                      title_justify="left")
        table.add_column(text("simulacro.column.option"))
        table.add_column(text("simulacro.column.votes"), justify="right")
        for option in contest.options:
            table.add_row(names.option_name(outcome.manifest, contest, option, "es"),
                          number(data["counts"][option.id]))
        console.print(table)
    console.print(summary_table(outcome.postal, outcome.manifest))
    console.print(funnel_table(outcome))
    console.print(text("simulacro.funnel.mails", mails=number(outcome.funnel.mails)))
    console.print(text("simulacro.summary", voters=number(outcome.voters),
                       cast=number(outcome.cast), abstained=number(outcome.abstained),
                       challenged=number(outcome.challenged),
                       refused=number(outcome.second_attempts_refused),
                       absent=", ".join(map(str, outcome.absent)) or "-"))
    console.print(text("simulacro.where", record=outcome.record, archive=outcome.archive))
    console.print(text("simulacro.fingerprint", fingerprint=outcome.fingerprint), soft_wrap=True)
    report = outcome.report
    if report and report.ok:
        console.print(verified_line(len(report.checks)))
    else:
        for failure in report.failures if report else []:
            console.print(f"[red]{failure}[/red]")
        raise typer.Exit(1)


def verified_line(checks: int) -> str:
    """The independent verification passed, with its checks counted grammatically."""
    return plural("simulacro.verified", checks)


def counted(outcome: Outcome) -> tuple[int, int]:
    """Internet and postal ballots in the entity counts (each ballot holds every contest of
    its entity, so one contest per entity says how many)."""
    internet = postal = 0
    for data in outcome.postal.get("entities", {}).values():
        first = next(iter(data["contests"].values()), None)
        if first:
            internet += first["internet"]
            postal += first["postal"]
    return internet, postal


def funnel_table(outcome: Outcome) -> Table:
    """Requests to counted ballots, by modality where the step has one."""
    f, p = outcome.funnel, outcome.postal
    table = Table(title=text("simulacro.funnel.title"), title_justify="left")
    for column in ("step", "internet", "postal", "total"):
        table.add_column(text(f"simulacro.funnel.column.{column}"),
                         justify="left" if column == "step" else "right")

    def row(key: str, internet: int | None, postal: int | None, total: int | None = None,
            **params: object) -> None:
        if total is None:
            total = (internet or 0) + (postal or 0)
        table.add_row(text(f"simulacro.funnel.{key}", **params),
                      *("" if v is None else number(v) for v in (internet, postal, total)))

    row("submitted", None, None, f.submitted)
    row("duplicates", None, None, f.duplicates)
    row("requests", None, None, f.requests)
    row("confirmed", None, None, f.confirmed)
    row("first_review", None, None, f.first_review)
    row("correction_asked", None, None, f.correction_asked)
    row("corrected", None, None, f.corrected)
    row("rejected", None, None, sum(f.rejected.values()))
    for reason, n in sorted(f.rejected.items()):
        row("reason", None, None, n, reason=text(f"registry.reason.{reason}"))
    listed = f.listed
    row("listed", listed.get("internet", 0), listed.get("postal", 0))
    row("credentials", f.credentials_mailed, None)
    row("handed_over", f.handed_over, None)
    row("accounts", f.accounts, None)
    row("voted", outcome.cast, p.get("on_time", 0) + p.get("late", 0))
    row("web", outcome.web_cast, None)
    row("late", None, p.get("late_listed", 0))
    row("refused_scans", None, sum(n for k, n in p.get("scans", {}).items()
                                   if k not in ("on_time", "late")))
    row("counted", *counted(outcome))
    return table
