"""The progress of a long verification: at most one line a second on standard error.

Each line gives the board entries checked, out of how many, the rate, and the time left at that
rate (docs/record.md §13). The first update and the last one are always printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vmre.core.messages import bilingual


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressLine:
    """`update(done, total)` as the verifier reports; `write` receives each finished line."""

    def __init__(self, write: Callable[[str], None], clock: Callable[[], float] = time.monotonic,
                 interval: float = 1.0) -> None:
        self.write = write
        self.clock = clock
        self.interval = interval
        self.started: float | None = None
        self.last: float | None = None
        self.done = -1

    def update(self, done: int, total: int) -> None:
        now = self.clock()
        if self.started is None:
            self.started = now
        finished = done >= total
        due = self.last is None or now - self.last >= self.interval
        if done == self.done or not (due or finished):
            return
        self.done, self.last = done, now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (total - done) / rate if rate > 0 else None
        self.write(bilingual(
            "record.verify.progress_line", done=f"{done:,}", total=f"{total:,}",
            percent=f"{100 * done / total if total else 100:.1f}",
            rate=f"{rate:,.0f}", left=_duration(left) if left is not None else "?"))
