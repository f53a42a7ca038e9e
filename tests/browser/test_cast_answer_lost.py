"""The answer to a cast lost on its way back to the browser (the connection cut after the
server committed the ballot): the ballot page says the vote may have been received, and the
next press of "cast" sends the very same ballot again, which brings back its receipt; a fresh
encryption would have been refused as a second vote."""

from __future__ import annotations

import json
import time

import pyotp
import pytest
from sivei_setup import ELECTION, PASSWORD, enrol

from vmre.core.database import transaction
from vmre.voting import accounts
from vmre.voting.board import Board

pytestmark = pytest.mark.browser


def _signed_in_page(browser, server, app, voter):
    enrol(app.state.sessions, voter)
    secret = accounts.new_totp_secret()
    with transaction(app.state.sessions) as s:  # activated (its pages: test_sivei_browser)
        account = accounts.find(s, voter.email)
        assert accounts.confirm_totp(account, secret, pyotp.TOTP(secret).now())
        accounts.set_password(account, PASSWORD)
    page = browser.new_page(locale="en-US")
    page.goto(f"{server.url}/voto/entrar?lang=en")
    page.fill("#username", voter.email)
    page.fill("#password", PASSWORD)
    page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("button[value=login]")
    page.wait_for_url("**/voto/")
    return page


def test_a_cast_whose_answer_was_lost_is_sent_again_and_gets_its_receipt(browser, live):
    server, app, _ctx, voters = live
    voter = voters[1]
    page = _signed_in_page(browser, server, app, voter)
    sent: list[str] = []

    def cut_first_answer(route):
        sent.append(route.request.post_data or "")
        if len(sent) == 1:
            route.fetch()  # the server receives and commits the ballot …
            route.abort("connectionreset")  # … and its answer never reaches the browser
        else:
            route.continue_()

    page.route("**/voto/emitir", cut_first_answer)
    page.goto(f"{server.url}/voto/boleta")
    page.wait_for_selector("#ballot-app[data-ready='1']", state="attached")
    page.check("#gob-jal-pan")
    page.check("#gob-jal-pri")
    page.click("#step-0 button.next")
    page.check("#dip-migrante-jal-mc")
    page.click("#step-1 button.next")
    page.fill("#credential", voter.secret)
    page.click("#cast")
    page.wait_for_selector("#review-error", state="visible")
    assert "your vote may have been received" in page.inner_text("#review-error")
    board = Board(app.state.sessions)
    [entry] = board.entries(ELECTION)  # it was received

    page.click("#cast")
    page.wait_for_url("**/voto/recibo")
    assert page.inner_text("#tracking-code") == entry.tracking_code
    assert page.inner_text("#board-position") == "1"
    assert len(sent) == 2 and json.loads(sent[0]) == json.loads(sent[1])  # the same ballot
    assert board.election(ELECTION).ballot_count == 1
    page.close()
