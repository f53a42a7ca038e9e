"""`vmre verify` through the command-line application, and its progress line, on the
conformance records (read in place; conformance/vectors give each one's verdict and published
fingerprint): the exact standard output of an honest record, with and without the published
fingerprint and a receipt, under the "last" policy, of tampered records with one and several
failures; the exit codes; the refusals of a missing or unreadable file; the progress lines on
standard error only, and ProgressLine's arithmetic on the test's own clock. No election is
built, so this runs for every mutant of record/cli.py and record/progress.py (docs/testing.md
§2); test_progress.py runs the command on a larger simulated record."""

from __future__ import annotations

import json
import multiprocessing
import re
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.record.progress import ProgressLine
from vmre.record.verifier import verify_record

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
HONEST = CONFORMANCE / "records" / "single-all-present"
LAST = CONFORMANCE / "records" / "last-revote"
RECEIPT = CONFORMANCE / "receipts" / "single-all-present-2.json"
FORGED = CONFORMANCE / "receipts" / "forged.json"


def _vector(name: str) -> dict:
    return json.loads((CONFORMANCE / "vectors" / f"{name}.json").read_text(encoding="utf-8"))


HONEST_FP = _vector("single-all-present")["fingerprint"]
LAST_FP = _vector("last-revote")["fingerprint"]


def _verify(*args: str | Path):
    register_parts()
    return CliRunner().invoke(app, ["verify", *map(str, args)])


def _ok_lines(record: Path) -> list[str]:
    """The checks the verifier reports, one "ok" line each (the verifier's own words)."""
    return [f"ok  {check}" for check in verify_record(record).checks]


def _found(fingerprint: str) -> str:
    return (f"Huella de la elección según el registro: {fingerprint} / "
            f"Election fingerprint according to the record: {fingerprint}")


def _unchecked(fingerprint: str) -> str:
    return (f"ATENCIÓN: este resultado no significa nada hasta comparar la huella {fingerprint} "
            "con la publicada (acta de inicio, /integridad); use --fingerprint. / WARNING: this "
            f"result means nothing until the fingerprint {fingerprint} is compared with the "
            "published one (opening act, /integridad); use --fingerprint.")


def _matches(fingerprint: str) -> str:
    return (f"La huella coincide con la publicada ({fingerprint}): el resultado vale para la "
            f"elección publicada. / The fingerprint matches the published one ({fingerprint}): "
            "the result holds for the published election.")


# -- an honest record ------------------------------------------------------------------------

def test_an_honest_record_prints_each_check_its_fingerprint_and_the_warning_to_compare_it():
    result = _verify(HONEST)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        *_ok_lines(HONEST), _found(HONEST_FP),
        "El registro es correcto: 4 boletas contadas (4 en el tablero) y 1 auditada "
        "verificada. / The record holds: 4 ballots counted (4 on the board) and 1 audited "
        "ballot verified.",
        _unchecked(HONEST_FP)]
    assert len(_ok_lines(HONEST)) == 10


def test_the_published_fingerprint_and_a_receipt_are_confirmed():
    result = _verify(HONEST, "--fingerprint", HONEST_FP, "--receipt", RECEIPT)
    assert (result.exit_code, result.stderr) == (0, "")
    tracking = json.loads(RECEIPT.read_text(encoding="utf-8"))["tracking_code"]
    lines = result.stdout.splitlines()
    assert lines[-4:] == [
        _found(HONEST_FP),
        f"El recibo {tracking} está firmado con la llave de recibos fijada y su boleta está en "
        f"el tablero en la posición que indica. / Receipt {tracking} is signed by the pinned "
        "receipt key and its ballot is on the board at the position it names.",
        "El registro es correcto: 4 boletas contadas (4 en el tablero) y 1 auditada "
        "verificada. / The record holds: 4 ballots counted (4 on the board) and 1 audited "
        "ballot verified.",
        _matches(HONEST_FP)]
    assert [line for line in lines if line.startswith("ok  ")] == [
        f"ok  {c}" for c in verify_record(HONEST, fingerprint=HONEST_FP,
                                          receipt=json.loads(RECEIPT.read_text("utf-8"))).checks]


def test_the_last_policy_says_how_many_ballots_were_replaced():
    result = _verify(LAST, "--fingerprint", LAST_FP)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-4:] == [
        _found(LAST_FP),
        "El registro es correcto: 3 boletas contadas (6 en el tablero) y 0 auditadas "
        "verificadas. / The record holds: 3 ballots counted (6 on the board) and 0 audited "
        "ballots verified.",
        "Política «last»: se cuenta solo la última boleta de cada credencial; 3 boletas del "
        "tablero fueron reemplazadas por una posterior y no se cuentan. / Policy \"last\": only "
        "each credential's last ballot is counted; 3 ballots on the board were replaced by a "
        "later one and are not counted.",
        _matches(LAST_FP)]


# -- records that fail -----------------------------------------------------------------------

def _failing(record: Path, *args: str | Path, **given) -> tuple[list[str], list[str]]:
    """The command's lines and the ones expected: every check that held, each failure and
    the count, exit code 1."""
    result = _verify(record, *args)
    assert (result.exit_code, result.stderr) == (1, ""), result.output
    report = verify_record(record, **given)
    assert not report.ok
    expected = [f"ok  {c}" for c in report.checks]
    if report.fingerprint:
        expected.append(_found(report.fingerprint))
    expected += [f"FAIL {f}" for f in report.failures]
    return result.stdout.splitlines(), expected


def test_a_record_with_one_failure_names_it_and_exits_with_1():
    lines, expected = _failing(CONFORMANCE / "records" / "entry-hash")
    assert lines == [*expected,
                     "El registro NO es válido: 1 comprobación falló. / The record does NOT "
                     "hold: 1 check failed."]
    assert sum(line.startswith("FAIL ") for line in lines) == 1


def test_a_record_with_several_failures_counts_them():
    lines, expected = _failing(HONEST, "--fingerprint", LAST_FP, "--receipt", FORGED,
                               fingerprint=LAST_FP,
                               receipt=json.loads(FORGED.read_text("utf-8")))
    failures = sum(line.startswith("FAIL ") for line in lines)
    assert failures == 2
    assert lines == [*expected,
                     "El registro NO es válido: 2 comprobaciones fallaron. / The record does "
                     "NOT hold: 2 checks failed."]


def test_a_wrong_published_fingerprint_fails_with_its_section():
    lines, _expected = _failing(HONEST, "--fingerprint", LAST_FP, fingerprint=LAST_FP)
    assert [line for line in lines if line.startswith("FAIL ")] == [
        f"FAIL {f}" for f in verify_record(HONEST, fingerprint=LAST_FP).failures]
    assert any(line.startswith("FAIL §2.4") for line in lines), lines


def _on_a_cluster(record: str) -> tuple[int, str, list[str]]:
    """`vmre verify RECORD --scheduler` on an in-process cluster: exit code, output, and
    the kinds of task the cluster ran."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        result = _verify(record, "--scheduler", cluster.scheduler_address)
        return result.exit_code, result.stdout, sorted(cluster.scheduler.task_prefixes)


def test_the_ballot_checks_run_on_the_dask_scheduler_given():
    """The same output, and the board's and the audited ballots' checks were the cluster's
    tasks. The cluster runs in a fresh interpreter: Dask leaves a thread behind, and a
    process forked after that (as mutmut forks one per mutant) would wait for it forever."""
    plain = _verify(HONEST)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        exit_code, stdout, tasks = pool.submit(_on_a_cluster, str(HONEST)).result()
    assert (exit_code, stdout) == (0, plain.stdout)
    assert tasks == ["check_board_lines", "check_spoiled"]


# -- files that are not there or cannot be read ----------------------------------------------

def test_a_missing_record_or_receipt_is_refused_with_exit_code_2(tmp_path):
    # Long and with brackets: printed whole on one line, not folded nor read as markup.
    missing = tmp_path / ("[carpeta]-" + "x" * 80) / "nada"
    for args in ((missing,), (HONEST, "--receipt", missing)):
        result = _verify(*args)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == f"No existe el archivo {missing}.\n"


def test_a_receipt_that_is_not_utf8_or_not_json_is_refused_with_the_reason(tmp_path):
    cases = {b"\xff{}": "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
             b"{recibo": "Expecting property name enclosed in double quotes: line 1 column 2 "
                         "(char 1)"}
    for i, (data, reason) in enumerate(cases.items()):
        path = tmp_path / f"r{i}.json"
        path.write_bytes(data)
        result = _verify(HONEST, "--receipt", path)
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == f"No se pudo leer {path}: {reason}\n"


def test_a_receipt_is_read_as_utf8_whatever_the_locale(tmp_path, ascii_locale):
    """A receipt holding an accented letter: read as UTF-8 and checked, not refused as
    unreadable (the added member then breaks its signature, §7.6)."""
    doc = {**json.loads(RECEIPT.read_text(encoding="utf-8")), "nota": "recibió"}
    path = tmp_path / "recibo.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    lines, expected = _failing(HONEST, "--receipt", path, receipt=doc)
    assert lines[:-1] == expected
    assert [line for line in lines if line.startswith("FAIL ")] == [
        line for line in expected if line.startswith("FAIL §7.6")]


def test_the_record_argument_is_required():
    result = _verify()
    assert result.exit_code == 2 and "Missing argument" in result.output, result.output


def test_the_help_names_every_argument_and_option_in_both_languages():
    result = _verify("--help")
    assert result.exit_code == 0
    shown = " ".join(result.stdout.replace("│", " ").split())
    for said in (
            "Verifica una elección desde su registro / verify an election from its record.",
            "record <path> Carpeta o zip del registro / record folder or zip. [required]",
            "--fingerprint <str> Huella publicada de la elección / the election's published "
            "fingerprint (hex; docs/record.md §2.4).",
            "--receipt <path> Recibo de un voto (JSON) a buscar en el tablero / a voter's "
            "receipt (JSON) to find on the board (§7.6).",
            "--scheduler <str> Dask scheduler (host:port).",
            "--workers <int> Procesos locales / local processes.",
            "--progress <bool> Una línea por segundo con el avance (por omisión solo en una "
            "terminal) / a progress line a second on stderr (by default only on a terminal)."):
        assert said in shown, (said, shown)


# -- progress --------------------------------------------------------------------------------

def _progress(done: str, total: str, percent: str, rate: str, left: str) -> str:
    return (f"boletas verificadas {done}/{total} ({percent} %), {rate} por segundo, faltan "
            f"{left} / ballots verified {done}/{total} ({percent} %), {rate} per second, "
            f"{left} left")


PROGRESS = re.compile(r"boletas verificadas (\d+)/(\d+) .* ballots verified \1/\2 .*")


def test_progress_goes_to_standard_error_and_ends_with_every_entry():
    plain = _verify(HONEST)
    result = _verify(HONEST, "--progress")
    assert result.exit_code == 0 and result.stdout == plain.stdout
    lines = result.stderr.splitlines()
    assert lines and all(PROGRESS.fullmatch(line) for line in lines), lines
    assert lines[0].startswith("boletas verificadas 0/4 (0.0 %), 0 por segundo, faltan ? / ")
    assert PROGRESS.fullmatch(lines[-1]).groups() == ("4", "4")
    assert lines[-1].endswith(", 0:00 left")


def test_no_progress_line_without_the_option_off_a_terminal():
    result = _verify(HONEST)
    assert result.exit_code == 0 and result.stderr == ""


class _Clock:
    def __init__(self, start: float = 100.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _line(clock: _Clock, **given) -> tuple[ProgressLine, list[str]]:
    out: list[str] = []
    return ProgressLine(out.append, clock=clock, **given), out


def test_the_first_update_is_shown_with_an_unknown_time_left():
    for first in (0, 1):
        clock = _Clock()
        line, out = _line(clock)
        line.update(first, 12_345)
        assert out == [_progress(f"{first}", "12,345", "0.0", "0", "?")]


def test_a_line_a_second_with_the_rate_and_the_time_left():
    clock = _Clock()
    line, out = _line(clock)
    line.update(0, 12_000)
    clock.now = 100.5
    line.update(500, 12_000)  # half a second: not yet
    clock.now = 101.0
    line.update(1_500, 12_000)  # one second exactly: due
    clock.now = 101.5
    line.update(3_000, 12_000)  # not due
    clock.now = 102.0
    line.update(1_500, 12_000)  # due, but nothing new since the last line
    clock.now = 103.0
    line.update(6_000, 12_000)
    assert out[1:] == [_progress("1,500", "12,000", "12.5", "1,500", "0:07"),
                       _progress("6,000", "12,000", "50.0", "2,000", "0:03")]


def test_the_last_update_is_always_shown():
    clock = _Clock()
    line, out = _line(clock)
    line.update(0, 300)
    clock.now = 100.25
    line.update(300, 300)
    assert out[1:] == [_progress("300", "300", "100.0", "1,200", "0:00")]
    clock.now = 100.5
    line.update(300, 300)  # the same end again: once is enough
    assert len(out) == 2


def test_times_left_in_minutes_and_hours():
    clock = _Clock()
    line, out = _line(clock, interval=10.0)
    line.update(0, 1_000_000)
    clock.now = 110.0
    line.update(1_000, 1_000_000)  # 100 a second: 9,990 s left
    clock.now = 115.0
    line.update(1_001, 1_000_000)  # not due at ten seconds' interval
    clock.now = 120.0
    line.update(2_000, 1_000_000)
    clock.now = 130.0
    line.update(990_000, 1_000_000)  # 33,000 a second: 0.3 s left, rounded down
    clock.now = 140.0
    line.update(999_000, 1_000_000)  # 24,975 a second: 0.04 s
    assert out[1:] == [
        _progress("1,000", "1,000,000", "0.1", "100", "2:46:30"),
        _progress("2,000", "1,000,000", "0.2", "100", "2:46:20"),
        _progress("990,000", "1,000,000", "99.0", "33,000", "0:00"),
        _progress("999,000", "1,000,000", "99.9", "24,975", "0:00")]


@pytest.mark.parametrize(("seconds", "shown"), [
    (59.4, "0:59"), (59.6, "1:00"), (61, "1:01"), (3599, "59:59"), (3600, "1:00:00"),
    (3661, "1:01:01"), (36_000, "10:00:00")])
def test_the_time_left_is_written_in_hours_minutes_and_seconds(seconds, shown):
    clock = _Clock(0.0)
    line, out = _line(clock)
    line.update(0, 2_000)
    clock.now = 1.0
    line.update(1_000 * 1, 1_000 + round(1_000 * seconds))  # 1,000 a second
    assert out[-1].endswith(f", {shown} left")


def test_a_rate_below_one_a_second_still_gives_the_time_left():
    clock = _Clock()
    line, out = _line(clock)
    line.update(0, 5)
    clock.now = 102.5
    line.update(1, 5)  # 0.4 a second: ten seconds for the other four
    assert out[1:] == [_progress("1", "5", "20.0", "0", "0:10")]


def test_nothing_to_check_is_a_hundred_percent():
    line, out = _line(_Clock())
    line.update(0, 0)
    assert out == [_progress("0", "0", "100.0", "0", "?")]


def test_the_default_clock_is_monotonic_and_the_interval_one_second():
    out: list[str] = []
    line = ProgressLine(out.append)
    assert line.clock is time.monotonic
    clock = _Clock()
    line = ProgressLine(out.append, clock=clock)
    line.update(0, 10)
    clock.now = 101.0
    line.update(1, 10)
    assert len(out) == 2
