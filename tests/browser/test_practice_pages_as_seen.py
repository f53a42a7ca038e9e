"""A practice election (simulacro) whose public board holds many ballots, as a person sees it
at a phone's width (360 px) and a desktop's (1280 px), with the checks of test_pages_as_seen
(as_seen.py): the board's three pages of real tracking codes (64 hexadecimal characters) and
a code searched; a volunteer's sign-in, ballot, receipt and usability questionnaire (SUS);
the ballot's address after casting and, once the operator has closed the election, before
voting. Each step is done in the browser as the person does it; the operator closes with the
`vmre` command line. One ordered walk: the close comes last."""

from __future__ import annotations

import json
import time

import pyotp
import pytest
from fastapi.testclient import TestClient
from live_server import LiveServer
from sivei_setup import ELECTION, PASSWORD, activate_totp, enrol, voting_site

from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.crypto import credentials
from vmre.voting import ballot as ballots
from vmre.voting import practice
from vmre.voting.board import Board

from .as_seen import WIDTHS, Eyes
from .conftest import Operator

pytestmark = pytest.mark.browser
ON_BOARD = 52  # three pages of 25
AUDITED = 3
CHOICE = {"gob-jal": "pan+pri", "dip-migrante-jal": "nulo"}


@pytest.fixture(scope="module")
def simulacro(tmp_path_factory):
    """A live practice election with ON_BOARD ballots cast (AUDITED of their voters audited
    one first) and four activated volunteers who have not voted: two walk the ballot, two
    meet the closed election."""
    folder = tmp_path_factory.mktemp("simulacro")
    db = f"sqlite:///{folder / 'vmre.sqlite'}"
    app, ctx, voters = voting_site(db, folder, ON_BOARD + 2 * len(WIDTHS))
    with transaction(app.state.sessions) as s:
        practice.flag(s, ELECTION)
    board = Board(app.state.sessions)
    codes = []
    for i, voter in enumerate(voters[:ON_BOARD]):
        key = credentials.signing_key(ELECTION, voter.secret)
        if i < AUDITED:
            audited, nonces = ballots.encrypt_ballot(ctx, "JAL", key, CHOICE)
            board.spoil(ELECTION, audited, ballots.reveal(audited, CHOICE, nonces))
        cast, _ = ballots.encrypt_ballot(ctx, "JAL", key, CHOICE)
        codes.append(board.cast(ELECTION, cast)["tracking_code"])
    rest = voters[ON_BOARD:]
    totp = {v.email: activate_totp(TestClient(app), enrol(app.state.sessions, v), v.phone)
            for v in rest}
    with LiveServer(app) as server:
        yield (server.url, Operator(folder, db, {}), codes, totp,
               dict(zip(WIDTHS, rest[:len(WIDTHS)], strict=True)),
               dict(zip(WIDTHS, rest[len(WIDTHS):], strict=True)))


def sign_in(page, url: str, voter, secret: str) -> None:
    page.goto(f"{url}/voto/entrar")
    page.fill("#username", voter.email)
    page.fill("#password", PASSWORD)
    page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))  # the enrolment's is spent
    page.click("button[value=login]")
    page.wait_for_url("**/voto/")


def test_a_practice_election_with_a_full_board_as_seen(browser, simulacro, axe_source):
    url, operator, codes, totp, walkers, latecomers = simulacro
    found: dict[str, list[str]] = {}
    for walked, width in enumerate(WIDTHS):  # each walk adds its volunteer's ballot
        eyes = Eyes(browser, axe_source, width, "simulacro")
        page = eyes.page

        # the board: three pages of tracking codes, then one code searched
        page.goto(f"{url}/tablero")
        page.wait_for_url(f"**/tablero/{ELECTION}")
        for number in (1, 2, 3):
            rows = page.locator("table").first.locator("tbody tr")
            assert rows.count() == (25 if number < 3 else ON_BOARD + walked - 50)
            assert len(rows.first.locator("code").first.inner_text()) == 64
            eyes.look(f"tablero pagina {number}")
            if number < 3:
                page.locator("nav.pager a[rel=next]").first.click()
                page.wait_for_url(f"**pagina={number + 1}")
        page.goto(f"{url}/tablero/{ELECTION}?pagina=3&lang=en")  # longer headings
        eyes.look("tablero pagina 3 en ingles")
        page.goto(f"{url}/tablero/{ELECTION}?lang=es")
        page.fill("#codigo", codes[-1])
        page.click("form[role=search] button")
        page.wait_for_selector("#search-result")
        assert f"{ON_BOARD}" in page.inner_text("#search-result")
        eyes.look("tablero busqueda")

        # a volunteer: sign-in, the practice ballot, cast, receipt, questionnaire
        voter = walkers[width]
        sign_in(page, url, voter, totp[voter.email])
        assert page.is_visible("#practice-banner")
        eyes.look("inicio del voluntario")
        page.click("a[href='/voto/boleta']")
        page.wait_for_url("**/voto/boleta")
        eyes.look("boleta del simulacro")
        page.check("#gob-jal-mc")
        page.click("#step-0 button.next")
        page.check("#dip-migrante-jal-pan")
        page.click("#step-1 button.next")
        page.fill("#credential", voter.secret)
        page.click("#cast")
        page.wait_for_url("**/voto/recibo")
        eyes.look("recibo del simulacro")
        page.click("a[href='/voto/encuesta']")
        page.wait_for_url("**/voto/encuesta")
        eyes.look("encuesta")
        for i in range(1, 11):
            page.check(f"#q{i}-{4 if i % 2 else 2}")
        page.fill("#comment", "Todo claro, aunque la letra del tablero es pequeña.")
        page.click("form[action='/voto/encuesta'] button")
        page.wait_for_load_state()
        assert text("sivei.sus.thanks", "es") in page.inner_text("main")
        eyes.look("encuesta respondida")
        page.goto(f"{url}/voto/boleta")
        assert text("voting.ballot.already_voted", "es") in page.inner_text("main")
        eyes.look("boleta ya votada")
        eyes.close()
        found |= eyes.found

    # the operator closes the election; a volunteer who had not voted opens the ballot
    operator.run("election", "close", ELECTION, "--out", "cierre", "--db", operator.db)
    for width in WIDTHS:
        eyes = Eyes(browser, axe_source, width, "simulacro cerrado")
        voter = latecomers[width]
        sign_in(eyes.page, url, voter, totp[voter.email])
        eyes.page.goto(f"{url}/voto/boleta")
        eyes.page.wait_for_url("**/voto/")
        assert text("voting.board.closed", "es") in eyes.page.inner_text("main")
        eyes.look("boleta con la eleccion cerrada")
        eyes.close()
        found |= eyes.found
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)
