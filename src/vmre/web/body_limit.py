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

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vmre.web import early_refusal

KEY = "web.request.too_large"
STATUS = 413
MIB = 1024 * 1024


class BodyTooLarge(Exception):
    """Raised into the application from `receive` when the body passes the limit."""


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
        state = {"received": 0, "over": False, "started": False}

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    state["over"] = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["over"]:
                return  # the application's answer to a refused body is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["started"]:
            await self._refuse(scope, send, limit)
