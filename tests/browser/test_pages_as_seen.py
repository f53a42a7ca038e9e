"""Every main public, citizen and voter page as a person sees it, in headless Chromium at a
phone's width (360 px) and a desktop's (1280 px): no console error, no horizontal scroll,
the institution's header and footer with the privacy link on each, no axe-core violation of
any impact; a screenshot of each page is kept under tests/browser/screenshots/ (gitignored)
for a person to look at, never compared pixel by pixel."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from live_server import LiveServer
from sivei_setup import ELECTION, enrol, signed_in, voting_site

from vmre.core.database import transaction
from vmre.crypto import credentials
from vmre.registry import service as registry
from vmre.voting import ballot as ballots

from .conftest import SHOTS, problems_on, watch_console

pytestmark = pytest.mark.browser
WIDTHS = (360, 1280)
CHOICE = {"gob-jal": "pan+pri", "dip-migrante-jal": "nulo"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A live site with an open election, one ballot cast and one audited on its board, a
    registration process, a voter signed in and another with an activation link."""
    folder = tmp_path_factory.mktemp("pages")
    app, ctx, voters = voting_site(f"sqlite:///{folder / 'vmre.sqlite'}", folder, 3)
    now = dt.datetime.now(dt.UTC)
    with transaction(app.state.sessions) as s:
        registry.create_process(s, ELECTION, "Proceso Electoral Local 2024", opens_at=now,
                                closes_at=now + dt.timedelta(days=30),
                                corrections_until=now + dt.timedelta(days=40),
                                card_min_validity_year=now.year, entities=["JAL"])
    voter_browser, _ = signed_in(app, voters[0])
    token = enrol(app.state.sessions, voters[1])
    caster, headers = signed_in(app, voters[2])
    headers["Content-Type"] = "application/json"
    key = credentials.signing_key(ELECTION, voters[2].secret)
    audited, nonces = ballots.encrypt_ballot(ctx, "JAL", key, CHOICE)
    spoiled = caster.post("/voto/auditar", headers=headers, content=json.dumps({
        "ballot": audited, "disclosure": ballots.reveal(audited, CHOICE, nonces)}))
    assert spoiled.status_code == 201
    cast, _ = ballots.encrypt_ballot(ctx, "JAL", key, CHOICE)
    assert caster.post("/voto/emitir", headers=headers,
                       content=json.dumps({"ballot": cast})).status_code == 201
    with LiveServer(app) as server:
        yield (server, voter_browser.cookies.get("vmre_session"), token,
               caster.cookies.get("vmre_session"), spoiled.json()["url"])


def public_pages(token: str) -> list[str]:
    return ["/", "/registro/", "/registro/solicitud", "/registro/estado", "/cards/activate",
            "/voto/entrar", "/voto/recuperar", f"/voto/activar/{token}", "/tablero",
            "/recibo", "/resultados", "/resultados/internet", "/actas", "/integridad",
            "/ayuda", "/ayuda/acceso", "/privacidad"]


VOTER_PAGES = ["/voto/", "/voto/boleta"]
CAST_PAGES = ["/voto/recibo"]  # the voter who has just cast


def problems_of(page, url: str, axe_source: str, shot: Path) -> list[str]:
    """What a person (or a screen reader) would trip over on the page at `url`."""
    errors = watch_console(page)
    response = page.goto(url)
    if "/voto/boleta" in url:  # its script asks the election's public data first
        page.wait_for_selector("#ballot-app[data-ready='1']", state="attached")
    found = []
    if response is None or response.status != 200:
        found.append(f"status {response.status if response else None}")
    return found + problems_on(page, errors, axe_source, shot)


def shot_name(width: int, path: str, lang: str) -> Path:
    path = re.sub(r"/[\w-]{32,}", "", path)  # a link's token, a tracking code: not in the name
    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "inicio"
    return SHOTS / f"{width}-{lang}-{name}.png"


@pytest.mark.parametrize("width", WIDTHS)
def test_every_main_page_as_a_person_sees_it(browser, site, axe_source, width):
    server, voter_cookie, token, caster_cookie, spoiled_url = site
    found: dict[str, list[str]] = {}
    for lang, paths, cookie in (("es", [*public_pages(token), spoiled_url], None),
                                ("en", VOTER_PAGES, voter_cookie),
                                ("es", CAST_PAGES, caster_cookie)):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
        if cookie:
            context.add_cookies([{"name": "vmre_session", "value": cookie,
                                  "url": server.url}])
        for path in paths:
            page = context.new_page()
            problems = problems_of(page, f"{server.url}{path}?lang={lang}", axe_source,
                                   shot_name(width, path, lang))
            if problems:
                found[path] = problems
            page.close()
        context.close()
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_ballot_page_runs_without_a_script_error_through_the_review(browser, site):
    server, voter_cookie, *_ = site
    context = browser.new_context(viewport={"width": 360, "height": 800})
    context.add_cookies([{"name": "vmre_session", "value": voter_cookie, "url": server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/voto/boleta?lang=es")
    page.wait_for_selector("#ballot-app[data-ready='1']", state="attached")
    for step in ("step-0", "step-1"):
        page.locator(f"#{step} input[data-kind='null']").check()
        page.locator(f"#{step} button.next").click()
    page.fill("#credential", "ABCD")  # typing in the review step fires its change event
    page.locator("#credential").blur()
    assert page.locator("#step-review").is_visible()
    assert errors == []
    context.close()


def test_a_first_visit_to_the_voter_pages_is_not_told_its_session_ended(browser, site):
    server, *_ = site
    context = browser.new_context(locale="es-MX")
    page = context.new_page()
    page.goto(f"{server.url}/voto/?lang=es")
    assert page.url.endswith("/voto/entrar")
    assert "Entrar a votar" in page.inner_text("main")
    assert "Su sesión terminó" not in page.inner_text("main")
    # a browser whose session the server no longer holds is told so
    context.add_cookies([{"name": "vmre_session", "value": "sesion-que-ya-termino",
                          "url": server.url}])
    page.goto(f"{server.url}/voto/?lang=es")
    assert "Su sesión terminó" in page.inner_text("main")
    context.close()


def test_activation_steps_are_numbered_once(browser, site):
    server, _, token, *_ = site
    client_free = browser.new_context()
    page = client_free.new_page()
    page.goto(f"{server.url}/voto/activar/{token}?lang=es")
    steps = page.locator("ol.steps li").all_inner_texts()
    assert steps[0].startswith("Confirmar su teléfono"), steps
    assert not any(re.match(r"\d\.", s) for s in steps), steps
    client_free.close()


