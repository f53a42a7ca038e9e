"""Jinja templates shared by every part; `t(key)` reads the message catalogue."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape

from vmre.core import countries, identity
from vmre.core.clock import people_day, people_text
from vmre.core.messages import number, plural, text
from vmre.web.security import csrf_token, language
from vmre.web.sri import sri

# Each part keeps its templates in vmre/<part>/templates; the web base layout comes last.
TEMPLATE_PACKAGES = ("vmre.web", "vmre.voting", "vmre.registry", "vmre.cards", "vmre.service",
                     "vmre.count", "vmre.reports", "vmre.observation")


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
    # `{{ moment | mexico_time }}`, `{{ day | mexico_day }}`: an instant or a day in the
    # one format people read, in the page's language (vmre.core.clock)
    env.filters["mexico_time"] = _mexico_time
    env.filters["mexico_day"] = _mexico_day
    # `{{ code | country_name(lang) }}`: an ISO 3166-1 code as the country's name.
    env.filters["country_name"] = countries.name
    # `integrity="{{ sri('name.js') }}"`: every script tag carries its SHA-384 (vmre.web.sri).
    env.globals["sri"] = sri
    # `{{ roles | role_names(lang) }}`: role values as the catalogue names them.
    env.filters["role_names"] = _role_names
    # `{{ e.state | election_state(lang) }}`: an election's state in words.
    env.filters["election_state"] = _election_state
    # `{{ reason | disqualification(lang) }}`: a custodian's disqualification, in words.
    env.filters["disqualification"] = _disqualification
    # `{{ counts | by_country_name(lang) }}`: (code, n) pairs in the order of the names.
    env.filters["by_country_name"] = _by_country_name
    # `{{ counts | by_text }}`: (name, n) pairs as a Spanish reader orders names.
    env.filters["by_text"] = _by_text
    # `{{ e.action | audit_action(lang) }}`: a logged action in words where the catalogue
    # has them (`<part>.action.<name>` for `<part>.<name>`), else as logged.
    env.filters["audit_action"] = _audit_action
    # `{{ 18425 | num }}`: a count with thousands separators
    env.filters["num"] = number
    return env


@pass_context
def _mexico_time(context, moment) -> str:
    return people_text(moment, context.get("lang", "es"))


@pass_context
def _mexico_day(context, day) -> str:
    return people_day(day, context.get("lang", "es"))


def _role_names(roles, lang: str) -> str:
    from vmre.web.deps import role_names

    return role_names(roles, lang)


def _election_state(state: str, lang: str) -> str:
    try:
        return text(f"sivei.state.{state}", lang)
    except KeyError:
        return state


def _disqualification(reason: str, lang: str) -> str:
    from vmre.voting.ceremony import disqualification_text

    return disqualification_text(reason, lang)


def _by_country_name(counts: dict, lang: str) -> list[tuple[str, object]]:
    return sorted(counts.items(), key=lambda item: (
        countries.sort_key(countries.name(item[0], lang)), item[0]))


def _by_text(counts: dict) -> list[tuple[str, object]]:
    return sorted(counts.items(), key=lambda item: (countries.sort_key(str(item[0])),
                                                    str(item[0])))


def _audit_action(action: str, lang: str) -> str:
    part, _, name = action.partition(".")
    try:
        return text(f"{part}.action.{name}", lang) if name else action
    except KeyError:
        return action


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
