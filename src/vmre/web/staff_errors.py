"""Staff pages answer a browser with a page: a refusal says what went wrong and, for a
role's refusal, which role the action needs — never a raw JSON body."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from vmre.web.templating import render

STAFF_PREFIX = "/admin"


def staff_browser(request: Request) -> bool:
    """A browser (it asks for HTML) on a staff page."""
    path = request.url.path
    accepts = request.headers.get("accept", "")
    return (path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")) and (
        "text/html" in accepts)


def staff_error_page(request: Request, status: int, message: str,
                     headers: dict[str, str] | None = None) -> HTMLResponse:
    response = render(request, "staff_error.html", status, message=message, status=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
