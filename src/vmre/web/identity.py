"""The institution's identity on the web: its emblem, its colours as a style sheet (the page
policy forbids inline styles) and the full privacy notice (docs/identity.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from vmre.core import identity
from vmre.web.templating import render


class IdentityDatabase:
    """Every request reads the identity stored in its application's database (a process
    may serve several, as tests do): pages, mails and PDFs made while answering it."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = identity.database.set(self.engine)
        try:
            await self.app(scope, receive, send)
        finally:
            identity.database.reset(token)


router = APIRouter(include_in_schema=False)
# Pages link both with `?v=<revision>`: a change gets a new address, so caching is safe.
CACHE = {"Cache-Control": "public, max-age=300"}


@router.get("/identidad/emblema.svg")
def emblem() -> Response:
    # served as an image: an <img> never runs what an SVG file might carry
    return Response(identity.current().emblem_svg(), media_type="image/svg+xml",
                    headers={**CACHE, "Content-Security-Policy": "default-src 'none'; "
                             "style-src 'unsafe-inline'; sandbox"})


@router.get("/identidad/estilo.css")
def colours() -> Response:
    org = identity.current()
    css = (f":root {{ --accent: {org.primary}; --accent-text: {org.primary_text}; "
           f"--focus: {org.accent}; }}\n")
    return Response(css, media_type="text/css", headers=CACHE)


@router.get("/privacidad")
def privacy(request: Request):
    from vmre.web.security import language

    notice = identity.current().notice("full", language(request))
    return render(request, "privacy.html", notice=notice)
