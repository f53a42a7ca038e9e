"""Request-scoped dependencies: the database session and the signed-in staff member."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from vmre.core import audit
from vmre.core.messages import text
from vmre.core.staff import Role, StaffUser
from vmre.web.security import language


def db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed if the handler returns, rolled back otherwise.

    Always used as `DB` (function scope): FastAPI would otherwise close request-scoped
    dependencies only after sending the response, so a client following a redirect could read
    the state from before the commit, and a failed commit would go unseen."""
    factory = request.app.state.sessions
    with factory() as session, session.begin():
        yield session


DB = Depends(db, scope="function")


class Forbidden(HTTPException):
    """A 403 that knows which roles would have been let through (for the page that says so)."""

    def __init__(self, detail: str, roles: tuple[Role, ...]) -> None:
        super().__init__(status_code=403, detail=detail)
        self.roles = roles


def role_names(roles, lang: str) -> str:
    """Role values as the catalogue names them, joined with "o"/"or"."""
    values = [r.value if isinstance(r, Role) else r for r in roles]
    names = [text(f"core.role.{v}", lang) for v in values if v in Role._value2member_map_]
    return text("core.staff.or", lang).join(names)


class StaffRequired(Exception):
    """Raised when a staff page is opened without a session; the app redirects to login."""


def current_staff(request: Request, session: Session = DB) -> StaffUser:
    user_id = request.session.get("staff_id")
    user = session.get(StaffUser, user_id) if user_id else None
    if user is None:
        raise StaffRequired()
    return user


def require_roles(*roles: Role):
    """A dependency that lets through only staff holding one of `roles` (administrators always)."""

    def check(
        request: Request, user: StaffUser = Depends(current_staff), session: Session = DB
    ) -> StaffUser:
        if not user.has(*roles):
            # The refusal is logged in its own transaction so it survives the error response.
            with request.app.state.sessions() as log_session, log_session.begin():
                audit.record(log_session, user.username, "forbidden", request.url.path)
            lang = language(request)
            needed = (*roles, Role.ADMINISTRATOR) if Role.ADMINISTRATOR not in roles else roles
            detail = text("core.staff.needs_role", lang, roles=role_names(needed, lang),
                          mine=role_names(user.roles.split(","), lang))
            raise Forbidden(detail, needed)
        return user

    return check
