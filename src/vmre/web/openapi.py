"""/openapi.json: the public API (citizens, voters, anyone) to everyone; the staff API only
to signed-in staff, so that the document does not map the administration for strangers."""

from __future__ import annotations

from fastapi import APIRouter, Request, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from vmre.core.staff import StaffUser
from vmre.web.deps import current_staff

openapi_router = APIRouter(include_in_schema=False)
# Machine-to-machine hooks of partners (couriers): authenticated by their own token and not
# part of what citizens or voters use.
PARTNER_SUFFIXES = ("/courier-events",)


def _needs_staff(dependant: Dependant) -> bool:
    return any(dep.call is current_staff or _needs_staff(dep)
               for dep in dependant.dependencies)


def is_public(path: str, route: APIRoute) -> bool:
    return not (path.startswith("/admin") or path.endswith(PARTNER_SUFFIXES)
                or _needs_staff(route.dependant))


def _routes(routes: list) -> list[tuple[object, str, object]]:
    """(what get_openapi takes, full path, the route as declared) for every route: newer
    FastAPI wraps included routers, older lists the routes themselves."""
    iterate = getattr(routing, "iter_route_contexts", None)
    if iterate is None:
        return [(r, getattr(r, "path", ""), r) for r in routes]
    return [(c, c.path or "", c.original_route) for c in iterate(routes)]


def _document(request: Request, full: bool) -> dict:
    app = request.app
    key = "openapi_full" if full else "openapi_public"
    cached = getattr(app.state, key, None)
    if cached is None:
        routes = [entry for entry, path, declared in _routes(app.routes)
                  if full or not isinstance(declared, APIRoute) or is_public(path, declared)]
        cached = get_openapi(title=app.title, version=app.version, routes=routes)
        setattr(app.state, key, cached)
    return cached


@openapi_router.get("/openapi.json")
def openapi(request: Request) -> JSONResponse:
    staff_id = request.session.get("staff_id")
    full = False
    if staff_id is not None:
        with request.app.state.sessions() as s:
            full = s.get(StaffUser, staff_id) is not None
    return JSONResponse(_document(request, full))
