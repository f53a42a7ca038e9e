"""No request body larger than the registration form's largest is read (vmre.web.body_limit):
a declared Content-Length over the limit is refused before the body is sent, a chunked body
as soon as it passes the limit, with 413 and the catalogue's message in the asker's language;
the form at its lawful largest still reaches its own checks. Over real HTTP (uvicorn)."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "voting_web"))
from live_server import LiveServer

from vmre.core.messages import text
from vmre.registry.service import DOCUMENT_FIELDS, FORM_FIELDS_BYTES
from vmre.web.app import create_app
from vmre.web.body_limit import LimitBody

UPLOAD_LIMIT = 64 * 1024
LIMIT = len(DOCUMENT_FIELDS) * UPLOAD_LIMIT + FORM_FIELDS_BYTES
LIMIT_MIB = 2  # 1.19 MiB, rounded up in the message
FORM = "/registro/solicitud"


def _refusal(lang: str, limit_mib: int = LIMIT_MIB) -> dict:
    return {"error": "web.request.too_large",
            "message": text("web.request.too_large", lang, limit=limit_mib)}


@pytest.fixture
def site(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("VMRE_UPLOAD_MAX_BYTES", str(UPLOAD_LIMIT))
    monkeypatch.setenv("VMRE_UPLOAD_DIR", str(tmp_path / "uploads"))
    app = create_app(sqlite_url)
    with LiveServer(app) as live:
        yield live
    app.state.engine.dispose()


def _exchange(port: int, head: bytes, body_parts: list[bytes]) -> tuple[int, dict, bytes]:
    """Sends a request's head and body parts on a raw socket, then reads the answer (the
    server has read all that was sent, so its closing loses nothing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(head + b"".join(body_parts))
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    headers_text, _, body = rest.partition(b"\r\n\r\n")
    headers = dict(line.decode().lower().split(": ", 1)
                   for line in headers_text.split(b"\r\n") if line)
    return int(status_line.split()[1]), headers, body


def _head(length_header: bytes, lang: str = "es") -> bytes:
    return (b"POST " + FORM.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=B\r\n"
            b"Accept-Language: " + lang.encode() + b"\r\n" + length_header + b"\r\n")


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(site):
    # Only the head is sent: an answer proves the server did not wait for the body.
    status, headers, body = _exchange(
        site.port, _head(b"Content-Length: %d\r\n" % (LIMIT + 1)), [])
    assert status == 413
    assert json.loads(body) == _refusal("es")
    assert headers["connection"] == "close"
    status, _headers, body = _exchange(
        site.port, _head(b"Content-Length: %d\r\n" % (LIMIT + 1), lang="en"), [])
    assert (status, json.loads(body)) == (413, _refusal("en"))


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def test_a_chunked_body_is_refused_once_it_passes_the_limit(site):
    # A well-formed multipart file part that goes on and on: the form parser would spool it.
    opening = (b'--B\r\nContent-Disposition: form-data; name="card_front"; filename="a.png"'
               b"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n")
    chunk = bytes(65536)
    parts = [_chunk(opening)] + [_chunk(chunk)] * (LIMIT // len(chunk))
    assert len(opening) + LIMIT // len(chunk) * len(chunk) > LIMIT
    # Never finished (no last chunk): the refusal comes from the bytes counted, not the end.
    status, _headers, body = _exchange(site.port, _head(b"Transfer-Encoding: chunked\r\n"),
                                       parts)
    assert (status, json.loads(body)) == (413, _refusal("es"))


def test_the_form_at_its_largest_lawful_size_reaches_its_own_checks(site):
    files = {name: (f"{name}.png", b"\x89PNG\r\n\x1a\n" + bytes(UPLOAD_LIMIT - 8), "image/png")
             for name in DOCUMENT_FIELDS}
    largest = httpx.Request("POST", site.url + FORM, data={"csrf": "x", "name": "Ana"},
                            files=files, headers={"Accept": "text/html"})
    assert LIMIT - FORM_FIELDS_BYTES < len(largest.read()) <= LIMIT
    with httpx.Client(timeout=30) as client:
        answer = client.send(largest)
    # Refused by the form's CSRF check (no session), not by the size.
    assert answer.status_code == 403, answer.text[:300]
    assert "web.request.too_large" not in answer.text
    one_more = httpx.post(site.url + FORM, content=b"x" * (LIMIT + 1),
                          headers={"Content-Type": "multipart/form-data; boundary=B"},
                          timeout=30)
    assert (one_more.status_code, one_more.json()) == (413, _refusal("es"))


def test_the_limit_follows_the_upload_limit_in_force(site, monkeypatch):
    monkeypatch.setenv("VMRE_UPLOAD_MAX_BYTES", str(4 * 1024 * 1024))  # 3 × 4 + 1 = 13 MiB
    status, _headers, body = _exchange(
        site.port, _head(b"Content-Length: %d\r\n" % (13 * 1024 * 1024 + 1)), [])
    assert (status, json.loads(body)) == (413, _refusal("es", limit_mib=13))


def _call(middleware: LimitBody, headers: list[tuple[bytes, bytes]], body: bytes) -> list:
    sent: list = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers,
             "query_string": b""}
    # A thread of its own: a browser test before this one in the process leaves an event
    # loop running in the main thread, where asyncio.run refuses to start another.
    worker = threading.Thread(target=asyncio.run, args=(middleware(scope, receive, send),))
    worker.start()
    worker.join()
    return sent


def test_a_content_length_that_is_not_a_number_is_refused_unread():
    """uvicorn refuses such a header itself; the middleware does not rely on it."""
    reached: list[bool] = []

    async def app(scope, receive, send):
        reached.append(True)

    sent = _call(LimitBody(app, limit=lambda: 10), [(b"content-length", b"-1")], b"")
    assert reached == [] and sent[0]["status"] == 413
    sent = _call(LimitBody(app, limit=lambda: 10), [(b"content-length", b"10")], b"x" * 10)
    assert reached == [True] and sent == []


def test_a_malformed_form_gets_the_catalogues_words_not_the_parsers(site):
    garbled = b"this is not multipart at all"
    for accept, lang in (("application/json", "es"), ("application/json", "en")):
        answer = httpx.post(site.url + FORM, content=garbled, timeout=30, headers={
            "Content-Type": "multipart/form-data; boundary=B", "Accept": accept,
            "Accept-Language": lang})
        assert answer.status_code == 400
        assert answer.json() == {"error": "web.request.bad_form",
                                 "message": text("web.request.bad_form", lang)}
    page = httpx.post(site.url + FORM, content=garbled, timeout=30, headers={
        "Content-Type": "multipart/form-data; boundary=B", "Accept": "text/html"})
    assert page.status_code == 400
    assert text("web.request.bad_form", "es") in page.text
    assert "Invalid multipart" not in page.text
    # A route taking FastAPI form parameters (staff sign-in) is refused in the same words.
    sign_in = httpx.post(site.url + "/admin/login", content=garbled, timeout=30, headers={
        "Content-Type": "multipart/form-data; boundary=B"})
    assert (sign_in.status_code, sign_in.json()["error"]) == (400, "web.request.bad_form")
