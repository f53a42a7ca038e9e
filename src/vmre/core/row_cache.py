"""Values read from a database, kept a few seconds per database in one server process.

For rows every request reads and that almost never change (an election's window, a
registration process's rules): the hot path skips the round trip. Keyed by the engine, so
two databases in one process (tests, tools) never see each other's values.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine

V = TypeVar("V")


class RowCache(Generic[V]):
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._values: weakref.WeakKeyDictionary[Engine, dict[str, tuple[float, V]]] = \
            weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, engine: Engine, key: str) -> V | None:
        """The value if it was put less than `ttl` seconds ago."""
        with self._lock:
            hit = self._values.get(engine, {}).get(key)
        return hit[1] if hit is not None and time.monotonic() < hit[0] else None

    def put(self, engine: Engine, key: str, value: V) -> V:
        with self._lock:
            self._values.setdefault(engine, {})[key] = (time.monotonic() + self.ttl, value)
        return value

    def forget(self, engine: Engine, key: str) -> None:
        with self._lock:
            self._values.get(engine, {}).pop(key, None)
