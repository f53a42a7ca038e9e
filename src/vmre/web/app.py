"""The application factory: storage, middleware, and every part's routers."""

from __future__ import annotations

import os
from http import HTTPStatus
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from vmre.cards import router as cards_routes
from vmre.core.database import make_engine, migrate, session_factory
from vmre.core.messages import text
from vmre.count import router as count_router
from vmre.observation.router import router as observers_router
from vmre.registry.router import router as registry_router
from vmre.registry.service import largest_request_body
from vmre.reports.router import router as reports_router
from vmre.service.router import router as service_router
from vmre.voting.router import ROUTERS as VOTING_ROUTERS
from vmre.web import admin, help_centre, home, identity, identity_admin
from vmre.web.body_limit import LimitBody
from vmre.web.deps import StaffRequired
from vmre.web.nul import RefuseNul
from vmre.web.openapi import openapi_router
from vmre.web.security import SecurityHeaders, language
from vmre.web.sessions import ServerSessions
from vmre.web.staff_errors import staff_browser as _staff_browser
from vmre.web.staff_errors import staff_error_page
from vmre.web.templating import render

BAD_FORM = "web.request.bad_form"


def _from_form_parser(exc: BaseException) -> bool:
    """Whether the form parser refused the body (Starlette raises the 400 while handling its
    MultiPartException; FastAPI's form parameters wrap that once more)."""
    seen = exc.__context__
    for _ in range(3):
        if seen is None:
            return False
        if isinstance(seen, MultiPartException):
            return True
        seen = seen.__context__
    return False


def _wants_page(request: Request) -> bool:
    return ("text/html" in request.headers.get("accept", "")
            and not request.url.path.startswith("/api/"))


def https_from_env() -> bool:
    """VMRE_HTTPS=1: the site is reached over HTTPS (directly or through a TLS proxy)."""
    return os.environ.get("VMRE_HTTPS", "").strip().lower() in ("1", "true", "yes", "on")


def create_app(database: str | None = None, *, secret_key: str | None = None,
               run_migrations: bool = True, https_only: bool | None = None) -> FastAPI:
    """`https_only`: Secure cookies and HSTS (default: VMRE_HTTPS). `secret_key` is kept for
    callers of the former signed-cookie sessions; sessions now live in the database."""
    del secret_key
    https = https_from_env() if https_only is None else https_only
    engine = make_engine(database)
    if run_migrations:
        migrate(engine)
    app = FastAPI(title="vmre", version="1", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.https = https
    app.add_middleware(ServerSessions, factory=app.state.sessions, secure=https)
    app.add_middleware(identity.IdentityDatabase, engine=engine)  # the stored identity
    app.add_middleware(RefuseNul)  # before any session look-up; under the strict headers
    app.add_middleware(LimitBody, limit=largest_request_body)  # before any body is parsed
    app.add_middleware(SecurityHeaders, hsts=https)
    app.mount("/static", StaticFiles(directory=str(resources.files("vmre.web") / "static")),
              name="static")

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _bad_value(request: Request, _exc: Exception):
        # The database refused a value that came with the request (a number beyond its
        # integers, text it cannot store): the request is at fault, not the server.
        return JSONResponse({"error": "web.request.bad_value",
                             "message": text("web.request.bad_value", language(request))},
                            status_code=400)

    @app.exception_handler(StaffRequired)
    async def _to_login(request: Request, _exc: StaffRequired):
        return RedirectResponse("/admin/login", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _error_page(request: Request, exc: StarletteHTTPException):
        """A browser on a staff page gets a page saying what went wrong and which role it
        needs; a browser asking for any other page gets the refusal as a page with the
        institution's header, footer and contact; the API and other clients keep the JSON."""
        if _from_form_parser(exc):
            # Starlette's own English words on a malformed form; the catalogue's instead.
            exc = StarletteHTTPException(400, text(BAD_FORM, language(request)))
            if not _wants_page(request):
                return JSONResponse({"error": BAD_FORM, "message": exc.detail}, 400)
        if _staff_browser(request):
            return staff_error_page(request, exc.status_code, str(exc.detail),
                                    headers=getattr(exc, "headers", None))
        wants_page = (_wants_page(request) and exc.status_code >= 400
                      and isinstance(exc.detail, str))
        if not wants_page:
            return await http_exception_handler(request, exc)
        message = exc.detail
        if message == HTTPStatus(exc.status_code).phrase:  # Starlette's English default
            message = text("web.not_found" if exc.status_code == 404 else "web.error.generic",
                           language(request))
        response = render(request, "error.html", exc.status_code, message=message)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _staff_form_error(request: Request, exc: RequestValidationError):
        if _staff_browser(request):
            fields = ", ".join(sorted({str(e.get("loc", ("", ""))[-1]) for e in exc.errors()}))
            return staff_error_page(request, 422, text("core.error.invalid_form",
                                                       language(request), fields=fields))
        return await request_validation_exception_handler(request, exc)

    app.include_router(home.router)
    app.include_router(identity.router)  # emblem, colours, /privacidad
    app.include_router(help_centre.router)  # /ayuda, the help centre
    app.include_router(openapi_router)  # /openapi.json: the public part to anyone
    app.include_router(admin.router)
    app.include_router(identity_admin.router)  # /admin/identidad/: administrators
    for voting_router in VOTING_ROUTERS:  # internet voting: /voto, public board, /api/v1
        app.include_router(voting_router)
    # Each part's routers (citizen, voter, admin, custodian, public audiences).
    app.include_router(service_router)
    app.include_router(cards_routes.api)
    app.include_router(cards_routes.admin)
    app.include_router(cards_routes.public)
    app.include_router(reports_router)
    app.include_router(observers_router)
    for router in count_router.ROUTERS:
        app.include_router(router)
    app.include_router(registry_router)
    return app
