"""No request body larger than the largest form the site takes: refused with the catalogue's
message (`web.request.too_large`, HTTP 413), before a byte of it is read when Content-Length
says so, and as soon as the bytes received pass the limit otherwise (a chunked body).

Starlette's form parser writes uploaded files to temporary files with no limit of its own,
and the citizens' request form takes uploads from anyone: without this, one request could
fill the server's disk before any handler looked at it. JSON bodies have their own, smaller
limits (vmre.web.json_body) under this one.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from vmre.web import early_refusal

KEY = "web.request.too_large"
STATUS = 413
MIB = 1024 * 1024


def _declared_length(scope: Scope) -> int | None:
    """Content-Length as a number; -1 when it is not one (refused like a body too large)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else -1
    return None


class LimitBody:
    """`limit()` is read per request, so a changed upload limit applies without a restart."""

    def __init__(self, app: ASGIApp, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        await early_refusal.refuse(scope, send, KEY, STATUS, limit=-(-limit // MIB))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        declared = _declared_length(scope)
        if declared is not None and not 0 <= declared <= limit:
            await self._refuse(scope, send, limit)
            return
        received = 0

        def over(piece: bytes) -> bool:
            nonlocal received
            received += len(piece)
            return received > limit

        await early_refusal.refusing_body(self.app, scope, receive, send, over,
                                          lambda: self._refuse(scope, send, limit))
