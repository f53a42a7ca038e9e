"""The citizens' mailboxes in the mock election: a real SMTP server on loopback (aiosmtpd),
started and stopped by the simulacro, to which the registry mails as it would to anyone.

The simulacro's citizens learn what the registry tells them only by reading these mails
(their confirmation link, a request to correct, their voting credential); nothing passes to
them by a side channel.

The server runs in its own process (`python -m vmre.simulacro.mailbox SPOOL PORT`): in the
simulacro's process its event loop and the sending thread would take turns on one
interpreter lock for every line of the SMTP dialogue. It appends each message it accepts to
a spool file before answering 250, so a message the sender saw accepted can be read at
once; the spool is a temporary file, deleted when the server stops (it holds credentials).
"""

from __future__ import annotations

import base64
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from email import message_from_bytes

from vmre.core.config import SmtpSettings
from vmre.core.email import Mailer

_HEADER = struct.Struct(">II")  # spool record: recipients' length, message's length


class Mailbox:
    """Every message the server took, by recipient; `read` hands them over once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_rcpt: dict[str, list[bytes]] = defaultdict(list)
        self._server: subprocess.Popen | None = None
        self._spool_path = ""
        self._spool = None
        self._pending = b""
        self.received = 0

    def start(self) -> Mailer:
        """Start the server on a free loopback port; returns a Mailer that delivers to it."""
        with socket.socket() as probe:  # the server cannot bind port 0 itself
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        fd, self._spool_path = tempfile.mkstemp(prefix="vmre-simulacro-", suffix=".spool")
        os.close(fd)
        self._spool = open(self._spool_path, "rb")  # noqa: SIM115 (closed in stop)
        self._server = subprocess.Popen(
            [sys.executable, "-m", "vmre.simulacro.mailbox", self._spool_path, str(port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        if self._server.stdout.readline().strip() != b"ready":
            self.stop()
            raise RuntimeError("the simulacro's mail server did not start")
        return Mailer(SmtpSettings(host="127.0.0.1", port=port,
                                   sender="no-responder@simulacro.vmre.example"))

    def stop(self) -> None:
        if self._server is not None:
            self._server.stdin.close()  # end of input: the server stops and exits
            self._server.wait(timeout=30)
            self._server.stdout.close()
            self._server = None
        if self._spool is not None:
            self._spool.close()
            self._spool = None
        if self._spool_path:
            os.unlink(self._spool_path)
            self._spool_path = ""

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _collect(self) -> None:
        """File what the server spooled since the last look."""
        data = self._pending + self._spool.read()
        at = 0
        while len(data) - at >= _HEADER.size:
            n_rcpt, n_body = _HEADER.unpack_from(data, at)
            end = at + _HEADER.size + n_rcpt + n_body
            if end > len(data):
                break
            rcpts = data[at + _HEADER.size:at + _HEADER.size + n_rcpt].decode()
            body = data[end - n_body:end]
            for rcpt in rcpts.split("\n"):
                self._by_rcpt[rcpt.lower()].append(body)
            self.received += 1
            at = end
        self._pending = data[at:]

    def read(self, address: str) -> list[str]:
        """The text of each unread message to `address`, oldest first (then forgotten: a
        hundred thousand inboxes are not kept in memory longer than needed)."""
        with self._lock:
            self._collect()
            raw = self._by_rcpt.pop(address.lower(), [])
        return [_body(m) for m in raw]

    def addresses(self) -> list[str]:
        """Recipients with unread messages."""
        with self._lock:
            self._collect()
            return list(self._by_rcpt)

    def discard(self) -> None:
        """Forget every unread message (mails nobody in the simulacro acts upon), and empty
        the spool. Only between sends: a message spooled meanwhile would be lost."""
        with self._lock:
            self._collect()
            self._by_rcpt.clear()
            self._pending = b""
            os.truncate(self._spool_path, 0)  # the server appends: it writes from 0 again
            self._spool.seek(0)


_SIMPLE = re.compile(rb"^Content-Type: text/plain; charset=\"utf-8\"$.*"
                     rb"^Content-Transfer-Encoding: base64$", re.MULTILINE | re.DOTALL)


def _body(raw: bytes) -> str:
    raw = raw.replace(b"\r\n", b"\n")
    head, _, rest = raw.partition(b"\n\n")
    if _SIMPLE.search(head):  # the registry's plain mails: decode without the full parser
        return base64.b64decode(rest).decode("utf-8")
    message = message_from_bytes(raw)
    part = next((p for p in message.walk() if p.get_content_type() == "text/plain"), message)
    payload = part.get_payload(decode=True) or b""
    return payload.decode(part.get_content_charset() or "utf-8")


_CONFIRM = re.compile(r"/registro/confirmar/([A-Za-z0-9_-]+)")
_ACCESS = re.compile(r"(https?://\S+/voto/activar/[A-Za-z0-9_-]+)#credencial=([0-9A-Z-]+)")


def confirmation_token(body: str) -> str | None:
    """The one-time token of a confirmation link, as a person would open it from the mail."""
    found = _CONFIRM.search(body)
    return found.group(1) if found else None


def access_link(body: str) -> tuple[str, str] | None:
    """The access mail's activation link and the credential code in its fragment (which a
    browser keeps to itself: the voting server never receives it)."""
    found = _ACCESS.search(body)
    return (found.group(1), found.group(2)) if found else None


class _Spooler:
    """The server's handler: one spool record per accepted message, written before the 250."""

    def __init__(self, path: str) -> None:
        self._out = open(path, "ab", buffering=0)  # noqa: SIM115 (lives with the process)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        rcpts = "\n".join(envelope.rcpt_tos).encode()
        body = envelope.original_content
        self._out.write(_HEADER.pack(len(rcpts), len(body)) + rcpts + body)
        return "250 OK"


def serve(spool: str, port: int) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Spooler(spool), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        sys.stdin.read()  # until the simulacro closes our input
    finally:
        controller.stop()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
