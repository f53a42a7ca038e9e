"""The citizens' mailboxes in the mock election: a real SMTP server on loopback (aiosmtpd),
started and stopped by the simulacro, to which the registry mails as it would to anyone.

The simulacro's citizens learn what the registry tells them only by reading these mails
(their confirmation link, a request to correct, their voting credential); nothing passes to
them by a side channel. Messages are kept as received, per recipient, until read.
"""

from __future__ import annotations

import re
import socket
import threading
from collections import defaultdict
from email import message_from_bytes

from vmre.core.config import SmtpSettings
from vmre.core.email import Mailer


class Mailbox:
    """Every message the server took, by recipient; `read` hands them over once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_rcpt: dict[str, list[bytes]] = defaultdict(list)
        self.received = 0
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self._by_rcpt[rcpt.lower()].append(envelope.original_content)
            self.received += 1
        return "250 OK"

    def start(self) -> Mailer:
        """Listen on a free loopback port; returns a Mailer that delivers here."""
        from aiosmtpd.controller import Controller

        with socket.socket() as probe:  # the controller cannot bind port 0 itself
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=port)
        self._controller.start()
        return Mailer(SmtpSettings(host="127.0.0.1", port=port,
                                   sender="no-responder@simulacro.vmre.example"))

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def read(self, address: str) -> list[str]:
        """The text of each unread message to `address`, oldest first (then forgotten: a
        hundred thousand inboxes are not kept in memory longer than needed)."""
        with self._lock:
            raw = self._by_rcpt.pop(address.lower(), [])
        return [_body(m) for m in raw]

    def addresses(self) -> list[str]:
        """Recipients with unread messages."""
        with self._lock:
            return list(self._by_rcpt)

    def unread(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._by_rcpt.values())

    def discard(self) -> None:
        """Forget every unread message (mails nobody in the simulacro acts upon)."""
        with self._lock:
            self._by_rcpt.clear()


def _body(raw: bytes) -> str:
    message = message_from_bytes(raw)
    part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), message)
    payload = part.get_payload(decode=True) or b""
    return payload.decode(part.get_content_charset() or "utf-8")


_CONFIRM = re.compile(r"/registro/confirmar/([A-Za-z0-9_-]+)")
_SECRET = re.compile(r"^\s+([0-9A-Z]{5}(?:-[0-9A-Z]{5}){4})\s*$", re.MULTILINE)


def confirmation_token(body: str) -> str | None:
    """The one-time token of a confirmation link, as a person would open it from the mail."""
    found = _CONFIRM.search(body)
    return found.group(1) if found else None


def credential_code(body: str) -> str | None:
    """The voting credential printed on its own line in the access message."""
    found = _SECRET.search(body)
    return found.group(1) if found else None
