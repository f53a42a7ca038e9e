"""The application factory: storage, middleware, and every part's routers."""

from __future__ import annotations

import os
import secrets
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from vmre.cards import router as cards_routes
from vmre.core.database import make_engine, migrate, session_factory
from vmre.count import router as count_router
from vmre.registry.router import router as registry_router
from vmre.reports.router import router as reports_router
from vmre.service.router import router as service_router
from vmre.voting.router import ROUTERS as VOTING_ROUTERS
from vmre.web import admin, home
from vmre.web.deps import StaffRequired
from vmre.web.security import SecurityHeaders

SESSION_MINUTES = 30


def create_app(database: str | None = None, *, secret_key: str | None = None,
               run_migrations: bool = True, https_only: bool = False) -> FastAPI:
    engine = make_engine(database)
    if run_migrations:
        migrate(engine)
    app = FastAPI(title="vmre", version="1", openapi_url="/openapi.json", docs_url=None,
                  redoc_url=None)
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    key = secret_key or os.environ.get("VMRE_SECRET_KEY") or secrets.token_urlsafe(32)
    app.add_middleware(SessionMiddleware, secret_key=key, max_age=SESSION_MINUTES * 60,
                       same_site="strict", https_only=https_only, session_cookie="vmre_session")
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(resources.files("vmre.web") / "static")),
              name="static")

    @app.exception_handler(StaffRequired)
    async def _to_login(request: Request, _exc: StaffRequired):
        return RedirectResponse("/admin/login", status_code=303)

    app.include_router(home.router)
    app.include_router(admin.router)
    for voting_router in VOTING_ROUTERS:  # internet voting: /voto, public board, /api/v1
        app.include_router(voting_router)
    # Each part's routers (citizen, voter, admin, custodian, public audiences).
    app.include_router(service_router)
    app.include_router(cards_routes.api)
    app.include_router(cards_routes.admin)
    app.include_router(cards_routes.public)
    app.include_router(reports_router)
    for router in count_router.ROUTERS:
        app.include_router(router)
    app.include_router(registry_router)
    return app
