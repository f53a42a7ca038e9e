"""The voter journey in headless Chromium: activation from the e-mailed link, TOTP login,
a coalition mix (first an invalid one, explained), one Benaloh challenge, cast, receipt, the
ballot found on the board; second vote refused; keyboard only on a 360-px phone in English;
no selection and no credential in clear in any request; axe-core finds no serious or
critical violation; no Content-Security-Policy violation."""

from __future__ import annotations

import json
import time

import pyotp
import pytest
from sivei_setup import ELECTION, enrol

from staff_login import sign_in_page
from vmre.core.database import transaction
from vmre.voting import accounts
from vmre.voting.board import Board

pytestmark = pytest.mark.browser
PASSWORD = "Mi-voto-desde-Lyon-2024"
PARTY_NAMES = ("Acción Nacional", "Revolucionario Institucional", "Movimiento Ciudadano")


class Watch:
    """Request bodies, URLs and console errors (CSP violations show up there)."""

    def __init__(self, page) -> None:
        self.requests: list[tuple[str, str, str]] = []
        self.console: list[str] = []
        page.on("request", lambda r: self.requests.append((r.method, r.url, r.post_data or "")))
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]


def axe_check(page, axe_source: str) -> None:
    # evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays on
    page.evaluate(axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}: {bad}"


def next_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30)


def ready_ballot(page) -> None:
    page.wait_for_selector("#ballot-app[data-ready='1']", state="attached")


def test_voter_journey(browser, live, axe_source):
    server, app, _ctx, voters = live
    voter = voters[0]
    token = enrol(app.state.sessions, voter)
    page = browser.new_page()
    watch = Watch(page)

    # activation: the credential travels in the fragment and stays in the browser
    page.goto(f"{server.url}/voto/activar/{token}?lang=es#credencial={voter.secret}")
    page.wait_for_selector("#credential-kept", state="visible")
    assert "#" not in page.url
    axe_check(page, axe_source)
    page.fill("#digits", voter.phone[-4:])
    page.click("button[type=submit]")
    page.wait_for_url("**/voto/activar/factor")
    axe_check(page, axe_source)
    page.click("a[href='/voto/activar/factor?metodo=totp']")
    secret = page.inner_text("#totp-secret")
    axe_check(page, axe_source)
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("form[action='/voto/activar/totp'] button")
    page.wait_for_url("**/voto/activar/contrasena")
    axe_check(page, axe_source)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/voto/entrar?activada=1")
    axe_check(page, axe_source)

    page.fill("#username", voter.email)
    page.fill("#password", PASSWORD)
    page.fill("#code", next_code(secret))
    page.click("button[value=login]")
    page.wait_for_url("**/voto/")
    axe_check(page, axe_source)
    page.click("a[href='/voto/boleta']")
    ready_ballot(page)
    axe_check(page, axe_source)

    # an invalid mix is explained before anything is sent
    page.check("#gob-jal-pan")
    page.check("#gob-jal-mc")
    page.click("#step-0 button.next")
    error = page.locator("#step-0 .contest-error")
    assert error.is_visible() and "no van juntos en una coalición" in error.inner_text()
    page.uncheck("#gob-jal-mc")
    page.check("#gob-jal-pri")
    page.click("#step-0 button.next")
    page.check("#dip-migrante-jal-mc")
    page.click("#step-1 button.next")
    review = page.locator("#review-list").inner_text()
    assert "Partido Acción Nacional + Partido Revolucionario Institucional" in review
    assert page.input_value("#credential") == voter.secret  # kept from the link's fragment
    axe_check(page, axe_source)

    # challenge once (Benaloh), then cast a fresh encryption
    page.click("#challenge")
    page.wait_for_selector("#challenge-result", state="visible")
    assert "comprobó que el cifrado corresponde" in page.inner_text("#challenge-text")
    page.click("#cast")
    page.wait_for_url("**/voto/recibo")
    tracking = page.inner_text("#tracking-code")
    assert page.inner_text("#board-position") == "1"
    axe_check(page, axe_source)

    # the spoiled ballot is public and re-checked by the browser
    board = Board(app.state.sessions)
    [spoiled] = board.spoiled(ELECTION)
    assert json.loads(spoiled.disclosure)["selections"] == {"gob-jal": "pan+pri",
                                                            "dip-migrante-jal": "mc"}
    page.goto(f"{server.url}/tablero/{ELECTION}/auditada/{spoiled.tracking_code}")
    page.wait_for_selector("#local-check.ok")
    axe_check(page, axe_source)

    # find it on the board
    page.goto(f"{server.url}/tablero/{ELECTION}")
    page.fill("#codigo", tracking)
    page.click("form[role=search] button")
    assert "en la posición 1" in page.inner_text("#search-result")
    axe_check(page, axe_source)
    assert board.find(ELECTION, tracking) is not None and spoiled.tracking_code != tracking

    # a second vote is refused with a clear message
    page.goto(f"{server.url}/voto/boleta")
    assert "Ya se registró un voto con esta credencial" in page.inner_text("main")

    # nothing in clear: the cast body holds no choice; no request ever holds the credential
    code = voter.secret.replace("-", "")
    for _method, url, body in watch.requests:
        assert voter.secret not in url + body and code not in url + body
    [cast] = [b for m, u, b in watch.requests if m == "POST" and u.endswith("/voto/emitir")]
    assert set(json.loads(cast)) == {"ballot"}
    for clear in ("pan+pri", '"mc"', "selections", "nonces", *PARTY_NAMES):
        assert clear not in cast
    [audit] = [b for m, u, b in watch.requests if m == "POST" and u.endswith("/voto/auditar")]
    assert "pan+pri" in audit  # only the challenged ballot is disclosed, by design
    assert not watch.csp_violations(), watch.csp_violations()
    page.close()


def _active_account(app, voter) -> str:
    """An account activated through the service (the browser part is tested above)."""
    enrol(app.state.sessions, voter)
    secret = accounts.new_totp_secret()
    with transaction(app.state.sessions) as s:
        account = accounts.find(s, voter.email)
        assert accounts.confirm_totp(account, secret, pyotp.TOTP(secret).now())
        accounts.set_password(account, PASSWORD)
    return secret


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never received the focus by keyboard")


def test_keyboard_only_on_a_phone_in_english(browser, live, axe_source):
    server, app, _, voters = live
    voter = voters[1]
    secret = _active_account(app, voter)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{server.url}/voto/entrar?lang=en")
    assert page.inner_text("h1") == "Sign in to vote"
    tab_to(page, "#username")
    page.keyboard.type(voter.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(next_code(secret))
    page.keyboard.press("Enter")
    page.wait_for_url("**/voto/")
    tab_to(page, "a[href='/voto/boleta']")
    page.keyboard.press("Enter")
    ready_ballot(page)
    assert page.inner_text("h1") == "Your ballot"
    axe_check(page, axe_source)
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(fits), "horizontal scrolling at 360 px"

    # three parties of one coalition, then the null vote, by keyboard alone
    for party in ("pvem", "pt", "morena"):
        tab_to(page, f"#gob-jal-{party}")
        page.keyboard.press("Space")
    tab_to(page, "#step-0 button.next")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "h-dip-migrante-jal"
    tab_to(page, "#dip-migrante-jal-nulo")
    page.keyboard.press("Space")
    tab_to(page, "#step-1 button.next")
    page.keyboard.press("Enter")
    assert "Partido Verde Ecologista de México + Partido del Trabajo + Morena" in \
        page.inner_text("#review-list")
    assert "Annul my vote" in page.inner_text("#review-list")
    assert page.evaluate(fits)
    tab_to(page, "#credential")
    page.keyboard.type(voter.secret.lower())  # typed by hand, normalised by the browser
    tab_to(page, "#cast")
    page.keyboard.press("Enter")
    page.wait_for_url("**/voto/recibo")
    assert page.inner_text("h1") == "Your ballot receipt"
    assert page.evaluate(fits)
    axe_check(page, axe_source)
    tracking = page.inner_text("#tracking-code")
    entry = Board(app.state.sessions).find(ELECTION, tracking)
    assert entry is not None and voter.secret not in json.dumps(watch.requests)

    # a second vote is refused in English too
    page.goto(f"{server.url}/voto/boleta")
    assert "only one vote per person" in page.inner_text("main")
    assert not watch.csp_violations(), watch.csp_violations()
    context.close()


def test_wrong_credential_and_bad_mix_explained_in_english(browser, live, axe_source):
    server, app, _, voters = live
    voter = voters[2]
    secret = _active_account(app, voter)
    page = browser.new_page(locale="en-US")
    watch = Watch(page)
    page.goto(f"{server.url}/voto/entrar?lang=en")
    page.fill("#username", voter.email)
    page.fill("#password", PASSWORD)
    page.fill("#code", next_code(secret))
    page.click("button[value=login]")
    page.wait_for_url("**/voto/")
    page.goto(f"{server.url}/voto/boleta")
    ready_ballot(page)
    page.click("#step-0 button.next")
    assert "You marked no option" in page.inner_text("#step-0 .contest-error")
    page.check("#gob-jal-pri")
    page.check("#gob-jal-pt")
    page.click("#step-0 button.next")
    assert "not together in a coalition" in page.inner_text("#step-0 .contest-error")
    page.uncheck("#gob-jal-pt")
    page.click("#step-0 button.next")
    page.check("#dip-migrante-jal-no-registrado")
    page.fill("#dip-migrante-jal-write-name", "Juana Pérez")
    page.click("#step-1 button.next")
    assert "Juana Pérez" in page.inner_text("#review-list")
    page.fill("#credential", "00000-11111-22222-33333-44444")  # well formed, not on the list
    page.click("#cast")
    page.wait_for_selector("#review-error", state="visible")
    assert "not on this election's voter list" in page.inner_text("#review-error")
    assert Board(app.state.sessions).election(ELECTION).ballot_count == 0
    assert not any("Juana" in url + body for _, url, body in watch.requests)  # write-in name
    axe_check(page, axe_source)
    page.close()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_public_pages_accessible_on_a_phone(browser, live, axe_source, lang):
    """Board, receipt check, results, acts, integrity and every help page: axe-clean at
    360 px, no horizontal scrolling, no CSP violation, in both languages."""
    server, _, _, _ = live
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    watch = Watch(page)
    paths = ["/tablero", "/recibo", "/resultados/internet", "/resultados", "/actas",
             "/integridad", "/voto/entrar",
             "/voto/recuperar", *(f"/ayuda/{t}" for t in ("acceso", "segundo-factor", "votar",
                                                           "recibo", "tablero"))]
    for path in paths:
        page.goto(f"{server.url}{path}?lang={lang}")
        assert page.evaluate("() => document.documentElement.lang") == lang
        axe_check(page, axe_source)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), \
            path
    assert not watch.csp_violations(), watch.csp_violations()
    context.close()


def test_admin_pages_accessible(browser, live, axe_source):
    """Staff sign-in, manifest preview, election window and count pages: axe-clean."""
    from sivei_setup import MANIFEST

    from vmre.core.staff import Role, create_user

    server, app, _, _ = live
    with transaction(app.state.sessions) as s:
        create_user(s, "admin", "contraseña-de-prueba", [Role.ADMINISTRATOR])
    page = browser.new_page()
    watch = Watch(page)
    sign_in_page(page, server.url, "admin", "contraseña-de-prueba", lang="es")
    page.goto(f"{server.url}/admin/sivei/")
    axe_check(page, axe_source)
    page.click("a[href='/admin/sivei/manifiesto']")
    page.fill("#source", MANIFEST)
    page.click("form button[type=submit]")
    page.wait_for_selector("#preview")
    assert "Ana Lucía Ibarra Peña" in page.inner_text("main")
    axe_check(page, axe_source)
    page.goto(f"{server.url}/admin/sivei/{ELECTION}")
    assert page.input_value("#closes")  # the window, shown in the election's time zone
    axe_check(page, axe_source)
    page.goto(f"{server.url}/admin/sivei/{ELECTION}/computo")
    axe_check(page, axe_source)
    assert not watch.csp_violations(), watch.csp_violations()
    page.close()


def test_practice_election_banner_and_questionnaire(browser, live, axe_source):
    """A practice election: banner on every voter page, the SUS questionnaire after casting."""
    from vmre.voting import practice

    server, app, _, voters = live
    voter = voters[2]
    with transaction(app.state.sessions) as s:
        practice.flag(s, ELECTION)
    secret = _active_account(app, voter)
    page = browser.new_page()
    page.goto(f"{server.url}/voto/entrar?lang=es")
    page.fill("#username", voter.email)
    page.fill("#password", PASSWORD)
    page.fill("#code", next_code(secret))
    page.click("button[value=login]")
    page.wait_for_url("**/voto/")
    assert page.is_visible("#practice-banner")
    page.goto(f"{server.url}/voto/boleta")
    ready_ballot(page)
    assert page.is_visible("#practice-banner")
    page.check("#gob-jal-mc")
    page.click("#step-0 button.next")
    page.check("#dip-migrante-jal-pan")
    page.click("#step-1 button.next")
    page.fill("#credential", voter.secret)
    page.click("#cast")
    page.wait_for_url("**/voto/recibo")
    assert page.is_visible("#practice-banner")
    page.click("a[href='/voto/encuesta']")
    axe_check(page, axe_source)
    for i in range(1, 11):
        page.check(f"#q{i}-{4 if i % 2 else 2}")
    page.fill("#comment", "Todo claro")
    page.click("form[action='/voto/encuesta'] button")
    assert "Gracias" in page.inner_text("main")
    with transaction(app.state.sessions) as s:
        [row] = [r for r in practice.participation(s, ELECTION) if r["entity"] == "JAL"]
    assert row["responses"] == 1 and row["sus"] == 75.0 and row["voted"] == 1
    page.close()
