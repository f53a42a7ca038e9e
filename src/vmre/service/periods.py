"""Report periods: inclusive Mexico City calendar dates, turned into UTC instants and months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vmre.core.clock import days_bounds


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def instants(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as UTC instants covering every day of the period, from Mexico City's
        midnight that starts the first day to the one that ends the last."""
        return days_bounds(self.start, self.end)

    def months(self) -> list[dt.date]:
        """The first day of each calendar month the period touches, in order."""
        out = []
        month = self.start.replace(day=1)
        while month <= self.end:
            out.append(month)
            month = next_month(month)
        return out


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)
