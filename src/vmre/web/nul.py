"""No NUL character reaches a handler: refused in the path, the query, URL-encoded and
multipart form fields and JSON bodies, with the catalogue's message (`web.request.nul`,
HTTP 400).

PostgreSQL's text columns cannot hold U+0000, so a NUL that reaches a query there ends in a
database error (a 500), and on SQLite it is stored and later cuts strings short in C
libraries. No field of this project takes one. Files uploaded in multipart forms (images,
PDFs) are binary and keep their NUL bytes; their field names and the other fields are checked.

A plain ASGI middleware: the path and query are checked before the application runs; a body
is checked as the application reads it, chunk by chunk (nothing is buffered), and the first
NUL stops the request: whatever the application was about to answer is dropped and the
refusal is sent instead.
"""

from __future__ import annotations

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Receive, Scope, Send

from vmre.web import early_refusal

KEY = "web.request.nul"
STATUS = 400


class _UrlEncoded:
    """`application/x-www-form-urlencoded`: a raw NUL or `%00` anywhere, even split across
    chunks."""

    def __init__(self) -> None:
        self.tail = b""

    def feed(self, chunk: bytes) -> bool:
        data = self.tail + chunk
        self.tail = data[-2:]
        return b"\x00" in data or b"%00" in data


class _Json:
    """JSON (or a body with no type, which FastAPI reads as JSON): a raw NUL or the escape
    `\\u0000` (a backslash that is itself escaped, `\\\\u0000`, is text)."""

    def __init__(self) -> None:
        self.escape = False
        self.hex: bytes | None = None

    def feed(self, chunk: bytes) -> bool:
        if b"\x00" in chunk:
            return True
        if self.hex is None and not self.escape and b"\\" not in chunk:
            return False
        for byte in chunk:
            if self.hex is not None:
                self.hex += bytes((byte,))
                if len(self.hex) == 4:
                    if self.hex == b"0000":
                        return True
                    self.hex = None
            elif self.escape:
                self.escape = False
                if byte == 0x75:  # u
                    self.hex = b""
            elif byte == 0x5C:  # backslash
                self.escape = True
        return False


class _Multipart:
    """`multipart/form-data`: the headers of every part (field names) and the value of every
    part that is not a file."""

    def __init__(self, boundary: bytes) -> None:
        self.found = False
        self.broken = False
        self.file = False
        self.headers = b""
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._begin,
            "on_header_field": self._header,
            "on_header_value": self._header,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
        })

    def _begin(self) -> None:
        self.file = False
        self.headers = b""

    def _header(self, data: bytes, start: int, end: int) -> None:
        part = data[start:end]
        self.found = self.found or b"\x00" in part
        self.headers += part.lower()

    def _header_end(self) -> None:
        self.headers += b"\n"

    def _headers_finished(self) -> None:
        self.file = b"filename" in self.headers

    def _data(self, data: bytes, start: int, end: int) -> None:
        if not self.file and b"\x00" in data[start:end]:
            self.found = True

    def feed(self, chunk: bytes) -> bool:
        if self.broken or self.found:
            return self.found
        try:
            self.parser.write(chunk)
        except Exception:  # a malformed body: the application's parser answers it
            self.broken = True
        return self.found


def _checker(scope: Scope):
    content_type = b""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            content_type = value
    kind, options = parse_options_header(content_type)
    kind = kind.lower()
    if kind == b"application/x-www-form-urlencoded":
        return _UrlEncoded()
    if kind == b"multipart/form-data":
        boundary = options.get(b"boundary")
        return _Multipart(boundary) if boundary else None
    if not kind or kind == b"application/json" or kind.endswith(b"+json"):
        return _Json()
    return None  # other bodies are read by their own strict readers (vmre.web.json_body)


def in_target(scope: Scope) -> bool:
    """A NUL in the path or the query, raw or percent-encoded."""
    return ("\x00" in scope.get("path", "") or b"\x00" in scope.get("raw_path", b"")
            or b"%00" in scope.get("raw_path", b"")
            or b"\x00" in scope.get("query_string", b"")
            or b"%00" in scope.get("query_string", b""))


async def refuse(scope: Scope, send: Send) -> None:
    await early_refusal.refuse(scope, send, KEY, STATUS)


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if in_target(scope):
            await refuse(scope, send)
            return
        checker = _checker(scope)
        if checker is None:
            await self.app(scope, receive, send)
            return
        await early_refusal.refusing_body(self.app, scope, receive, send, checker.feed,
                                          lambda: refuse(scope, send))
