"""Jinja templates shared by every part; `t(key)` reads the message catalogue."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from vmre.core import countries, identity
from vmre.core.clock import local_text, people_text
from vmre.core.messages import number, plural, text
from vmre.web.security import csrf_token, language
from vmre.web.sri import sri

# Each part keeps its templates in vmre/<part>/templates; the web base layout comes last.
TEMPLATE_PACKAGES = ("vmre.web", "vmre.voting", "vmre.registry", "vmre.cards", "vmre.service",
                     "vmre.count", "vmre.reports")


@lru_cache(maxsize=1)
def environment() -> Environment:
    loaders = []
    for package in TEMPLATE_PACKAGES:
        try:
            folder = resources.files(package) / "templates"
        except ModuleNotFoundError:
            continue
        if folder.is_dir():
            loaders.append(FileSystemLoader(str(folder)))
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True))
    # `{{ moment | mexico_time }}`: an instant as Mexico City wall-clock text.
    env.filters["mexico_time"] = local_text
    # `{{ code | country_name(lang) }}`: an ISO 3166-1 code as the country's name.
    env.filters["country_name"] = countries.name
    # `integrity="{{ sri('name.js') }}"`: every script tag carries its SHA-384 (vmre.web.sri).
    env.globals["sri"] = sri
    # `{{ 18425 | num }}`: a count with thousands separators
    env.filters["num"] = number
    return env


def render(request: Request, name: str, status_code: int = 200, **context: object) -> HTMLResponse:
    lang = language(request)
    env = environment()
    body = env.get_template(name).render(
        request=request,
        lang=lang,
        t=lambda key, **p: text(key, lang, **p),
        tn=lambda key, count, **p: plural(key, count, lang, **p),  # "1 boleta", "2 boletas"
        # the one date-time format people read; `zone`: that of a naive wall-clock time
        when=lambda moment, zone=None: people_text(moment, lang, zone),
        csrf=csrf_token(request),
        org=identity.current(),  # the institution: header, footer, contact (docs/identity.md)
        **context,
    )
    response = HTMLResponse(body, status_code=status_code)
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, samesite="lax", secure=request.url.scheme == "https")
    return response
