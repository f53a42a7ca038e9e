"""CSV for people to open: a cell a spreadsheet would run as a formula is neutralised.

Every CSV export meant for a person goes through `writer` (docs/web.md §5): a text cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so that Excel,
LibreOffice or Google Sheets show it as text instead of evaluating it
(`=HYPERLINK("http://x","y")` would otherwise become a live link). A number or phone written
as text (`+52 55 1234 5678`, `-3`: digits, spaces, `.`, `(`, `)`, `-` after a sign) is left
alone: without letters or `=` no spreadsheet can call a function or reach another cell."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-][0-9 .()-]*[0-9][0-9 .()-]*")


def cell(value: object) -> object:
    """The value as it may go into a cell."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose every cell goes through `cell`."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str], **options: Any) -> SafeWriter:
    return SafeWriter(out, **options)
