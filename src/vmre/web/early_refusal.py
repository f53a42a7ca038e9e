"""A middleware's refusal of a request: JSON with the catalogue's key and message, in the
language the request asks for, sent before any handler runs or in place of what the handler
was answering when the body turned out to be unacceptable."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vmre.core.messages import text


def _language(scope: Scope) -> str:
    from vmre.web.security import language  # the web layer imports this module

    return language(Request(scope))


async def refuse(scope: Scope, send: Send, key: str, status: int, **params: object) -> None:
    body = json.dumps({"error": key, "message": text(key, _language(scope), **params)},
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyRefused(Exception):
    """Raised into the application from `receive` when the body is refused."""


async def refusing_body(app: ASGIApp, scope: Scope, receive: Receive, send: Send,
                        refused: Callable[[bytes], bool],
                        answer: Callable[[], Awaitable[None]]) -> None:
    """Runs `app`, showing each piece of the body to `refused` as it is read (nothing is
    buffered). At the first piece refused, the application's read fails, whatever it was
    about to answer is dropped, and `answer()` is sent instead."""
    state = {"refused": False, "started": False}

    async def checked_receive() -> Message:
        message = await receive()
        if message["type"] == "http.request" and refused(message.get("body", b"")):
            state["refused"] = True
            raise BodyRefused
        return message

    async def guarded_send(message: Message) -> None:
        if state["refused"]:
            return
        if message["type"] == "http.response.start":
            state["started"] = True
        await send(message)

    try:
        await app(scope, checked_receive, guarded_send)
    except Exception:
        if not state["refused"]:
            raise
    if state["refused"] and not state["started"]:
        await answer()
