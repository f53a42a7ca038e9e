"""The telephony port for automated outbound calls, and its file-writing demo adapter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from vmre.core import csvsafe


@dataclass(frozen=True)
class Call:
    phone: str
    request_id: str
    message: str


class TelephonyPort(Protocol):
    def queue_calls(self, calls: list[Call]) -> list[str]:
        """Hand the calls to the provider; one outcome code per call, in order."""
        ...


class CallListFile:
    """Demo and test adapter: appends the call list to a CSV file the operator can load
    into any dialler. Every call is reported as `queued`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def queue_calls(self, calls: list[Call]) -> list[str]:
        new = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", newline="", encoding="utf-8") as fh:
            writer = csvsafe.writer(fh)
            if new:
                writer.writerow(["phone", "request_id", "message"])
            for call in calls:
                writer.writerow([call.phone, call.request_id, call.message])
        return ["queued"] * len(calls)
