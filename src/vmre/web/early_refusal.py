"""The answer of a middleware that refuses a request before any handler runs: JSON with the
catalogue's key and message, in the language the request asks for."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.types import Scope, Send

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
