"""Text messages to voters' phones, behind a port.

The demo and the tests use `FileSms`, which appends each message to a file (one JSON object a
line), so a person or a test can read the code that a real gateway would have delivered.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from threading import Lock
from typing import Protocol

DEFAULT_FILE = Path("vmre-sms.jsonl")


class SmsSender(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class FileSms:
    """Writes messages to a file instead of a phone network (demo and tests only)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or os.environ.get("VMRE_SMS_FILE") or DEFAULT_FILE)
        self._lock = Lock()

    def send(self, phone: str, message: str) -> None:
        line = json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), "to": phone,
                           "text": message}, ensure_ascii=False)
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    def messages(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines() if line]
