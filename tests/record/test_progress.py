"""`vmre verify --progress`: a line at most once a second on standard error with the board
entries checked, the rate and the time left (docs/record.md §13); nothing on standard output
changes, and without the option (and no terminal) no progress line is written."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.record.progress import ProgressLine

LINE = re.compile(r"boletas verificadas (?P<done>[\d,]+)/(?P<total>[\d,]+) \((?P<pct>[\d.]+) %\), "
                  r"(?P<rate>[\d,]+) por segundo, faltan (?P<left>[\d:?]+) / ballots verified "
                  r"(?P=done)/(?P=total) \((?P=pct) %\), (?P=rate) per second, (?P=left) left")


def _verify(*args: str):
    register_parts()
    return CliRunner().invoke(app, ["verify", *args])


def test_progress_lines_on_stderr_end_with_every_ballot(pristine_record):
    result = _verify(str(pristine_record.record), "--progress")
    assert result.exit_code == 0, result.output
    lines = [m for m in map(LINE.fullmatch, result.stderr.splitlines()) if m]
    assert lines, result.stderr
    entries = len((pristine_record.record / "board.jsonl").read_text().splitlines())
    last = lines[-1]
    assert (last["done"], last["total"], last["pct"]) == (str(entries), str(entries), "100.0")
    assert last["left"] == "0:00"
    assert "boletas verificadas" not in result.stdout


def test_no_progress_without_the_option_off_a_terminal(pristine_record):
    result = _verify(str(pristine_record.record))
    assert result.exit_code == 0, result.output
    assert "ballots verified" not in result.stderr


def test_one_line_a_second_with_rate_and_time_left():
    """The clock is the test's: 500 entries in the first two seconds of 2,000."""
    now = [100.0]
    out: list[str] = []
    line = ProgressLine(out.append, clock=lambda: now[0])
    line.update(0, 2000)
    for step, done in ((0.4, 250), (0.5, 300), (1.1, 500)):  # 0.4 s, 0.9 s, 2.0 s
        now[0] += step
        line.update(done, 2000)
    assert len(out) == 2  # the first update, then the one after a full second
    match = LINE.fullmatch(out[-1])
    assert match, out
    assert (match["done"], match["total"], match["pct"]) == ("500", "2,000", "25.0")
    assert match["rate"] == "250" and match["left"] == "0:06"
    now[0] += 0.1
    line.update(2000, 2000)  # the end is always shown
    assert LINE.fullmatch(out[-1])["left"] == "0:00" and len(out) == 3
