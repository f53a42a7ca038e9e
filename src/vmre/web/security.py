"""Security plumbing for every page: strict headers, CSRF tokens, language choice."""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vmre.core.messages import DEFAULT_LANGUAGE, LANGUAGES, text

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


_SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
# Sent only when the site is reached over HTTPS (vmre serve --https): browsers then refuse
# plain HTTP to this host for a year, so a network attacker cannot strip TLS.
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_SECURITY_NAMES = frozenset(name for name, _ in (*_SECURITY_HEADERS, HSTS))


class SecurityHeaders:
    """Strict headers on every response (Cache-Control: no-store unless the response set
    its own; HSTS when `hsts`). A plain ASGI middleware: it only edits the response start
    message, so it adds no task, stream or copy per request."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.headers = (*_SECURITY_HEADERS, HSTS) if hsts else _SECURITY_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ())
                           if k.lower() not in _SECURITY_NAMES]
                headers.extend(self.headers)
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(
            expected.encode("utf-8", "surrogatepass"), submitted.encode("utf-8", "surrogatepass")):
        raise HTTPException(status_code=403, detail=text("web.csrf", language(request)))


def language(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    accept = request.headers.get("accept-language", "")
    if accept.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
