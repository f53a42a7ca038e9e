"""The application factory: storage, middleware, and every part's routers."""

from __future__ import annotations

import os
import secrets
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from vmre.core.database import make_engine, migrate, session_factory
from vmre.web import admin
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

    app.include_router(admin.router)
    # Each part adds its routers here (citizen, voter, admin, custodian, public audiences).
    from vmre.registry.router import router as registry_router
    app.include_router(registry_router)
    return app
