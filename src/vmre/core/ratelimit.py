"""A small in-process sliding-window rate limiter (per key: IP, folio, user).

The key for a client address is the TCP peer unless `vmre serve --forwarded-allow-ips`
names the proxies whose X-Forwarded-For is believed (docs/web.md §3): a forged header
from anyone else changes nothing."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from threading import Lock


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = Lock()
        self._calls = 0

    @classmethod
    def from_setting(cls, value: str | None, default: tuple[int, float]) -> RateLimiter | None:
        """A limiter from "COUNT/SECONDS" (an environment setting), the default when unset;
        None (no limit) for "0" or "off" (a load test from one address)."""
        if value is None or not value.strip():
            return cls(*default)
        if value.strip().lower() in ("0", "off"):
            return None
        count, _, seconds = value.partition("/")
        return cls(int(count), float(seconds or default[1]))

    SWEEP_EVERY = 1024  # calls between removals of keys with no hit inside the window

    def would_allow(self, key: str) -> bool:
        """Whether `allow` would let this key through now, without counting a hit (for
        limits that count only what succeeds, such as mails sent)."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.get(key)
            return hits is None or sum(now - t <= self.window for t in hits) < self.limit

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            self._calls += 1
            if self._calls % self.SWEEP_EVERY == 0:  # many distinct keys must not pile up
                for stale in [k for k, h in self._hits.items()
                              if not h or now - h[-1] > self.window]:
                    del self._hits[stale]
            hits = self._hits[key]
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True
