"""The staff side as its people walk it, in headless Chromium against `vmre serve`: a new
member's first sign-in (password, then the second factor set up from the page's key, as an
authenticator app does) and the later ones; an administrator resetting a lost second factor;
a reviewer deciding requests; a supervisor taking an entity's LNERE to its declaration of
validity and the removal file; the cards and count pages. Citizens' requests come through
the public form and the link in their mail, accounts and the list's closing from the `vmre`
command line, as the operator does it; no step calls the application's functions.

Every staff page reached is checked at 1280 px and again at 360 px as test_pages_as_seen
checks the public ones (no console error, no horizontal scroll, the institution's header and
footer with the privacy link, no axe-core violation); screenshots go to
tests/browser/screenshots/ (staff-… names), never compared."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import struct
import time
import zlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
import pytest

import staff_login
from vmre.core.messages import text
from vmre.core.staff import LOCK_MINUTES
from vmre.registry.padron import SyntheticPadron
from vmre.simulacro.run import default_manifest_text

from .conftest import (
    SHOTS,
    Meanwhile,
    Operator,
    free_port,
    mail_text,
    mails_to,
    problems_on,
    watch_console,
)
from .walks import fill_request, process_add

pytestmark = pytest.mark.browser

ELECTION = "pel-2024-extranjero"  # the default manifest's election: the count pages find it
PASSWORD = "Personal-del-registro-2027"
MEXICO = ZoneInfo("America/Mexico_City")
WIDE, NARROW = 1280, 360
# Who works on the staff pages in this module; each test signs in its own people.
STAFF = {"nuevo": "reviewer", "jefa": "administrator", "perdida": "reviewer",
         "revisor": "reviewer", "supervisora": "supervisor"}


def png(shade: int) -> bytes:
    """A real 8×8 grey PNG (the browser must be able to draw it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes([shade]) * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def wait_drawn(page, selector: str, width: int | None = None) -> None:
    """Waits until the image is loaded and drawn (`width` pixels wide when given): a click
    returns when the next page arrives, not when its images do. Fails after Playwright's
    timeout if it never is."""
    page.wait_for_function(
        "([sel, width]) => { const i = document.querySelector(sel); return i !== null"
        " && i.complete && (width === null ? i.naturalWidth > 0 : i.naturalWidth === width); }",
        arg=[selector, width])


def citizens() -> dict[str, object]:
    """People of the synthetic register (the server's default): three in Jalisco whose
    requests a reviewer decides, one in Guanajuato whose request goes on to the LNERE."""
    wanted = {"accept": "JAL", "correct": "JAL", "reject": "JAL", "lnere": "GTO"}
    found: dict[str, object] = {}
    for record in SyntheticPadron(2024, 100_000):
        if (not record.issued_abroad and record.ocr and record.validity_year >= 2030
                and record.second_surname):
            role = next((r for r, e in wanted.items()
                         if e == record.entity_id and r not in found), None)
            if role:
                found[role] = record
                if len(found) == len(wanted):
                    return found
    raise AssertionError(f"no suitable records: {sorted(found)}")


def submit(page, selector: str):
    """Send a form and wait for the page that answers it; that page's response."""
    with page.expect_navigation() as answer:
        page.click(selector)
    return answer.value


def ask_to_register(page, url: str, person, email: str, files: dict[str, Path]) -> str:
    """The citizen's postal request on the public form, from Houston; the folio."""
    page.goto(f"{url}/registro/solicitud?election={ELECTION}")
    return fill_request(page, person, email, "+17135550100", "postal", files,
                        where=("Texas", "Houston", "77002", "901 Bagby St"))


def open_postal_election(op: Operator) -> None:
    """docs/ceremony.md with one custodian; the voting server registers the postal election."""
    phrase = "frase de paso de la custodia"
    common = ("--custodian", "1", "--secret", "custodia.secreto", "--dir", "compartida")
    op.run("ceremony", "init", "manifiesto.yaml", "--custodians", "1", "--threshold", "1",
           "--dir", "compartida")
    for step, typed in (("keygen", f"{phrase}\n{phrase}\n"), ("deal", f"{phrase}\n"),
                        ("check", f"{phrase}\n")):
        op.run("ceremony", step, *common, stdin=typed)
    op.run("ceremony", "finalize", "--dir", "compartida")
    op.run("election", "register", "--dir", "compartida", "--postal", "JAL", "--db", op.db)


@pytest.fixture(scope="module")
def staff_site(browser, tmp_path_factory, module_smtp_server):
    """`vmre serve` with a registration process open for Jalisco and Guanajuato, the staff
    accounts, and four citizens' requests confirmed from their mail. Meanwhile one custodian
    opens the postal election, so the count has an election to show."""
    folder = tmp_path_factory.mktemp("staff")
    sink = module_smtp_server
    url = f"http://127.0.0.1:{free_port()}"
    op = Operator(folder, f"sqlite:///{folder / 'vmre.sqlite'}", {
        "VMRE_PUBLIC_URL": url, "VMRE_UPLOAD_DIR": str(folder / "uploads"),
        "VMRE_SMTP_SENDER": "voto@ine.example", "VMRE_SMTP_HOST": "127.0.0.1",
        "VMRE_SMTP_PORT": str(sink.port)})
    op.run(*process_add(op, ELECTION, "JAL,GTO"))
    (folder / "manifiesto.yaml").write_text(default_manifest_text(), encoding="utf-8")
    ceremony = Meanwhile(lambda: open_postal_election(op))
    accounts = [op.start("staff", "add", name, "--roles", role, "--db", op.db,
                         stdin=f"{PASSWORD}\n{PASSWORD}\n") for name, role in STAFF.items()]
    people = citizens()
    files = {}
    for n, role in enumerate(people):
        files[role] = {"card_front": folder / f"frente-{role}.png",
                       "card_back": folder / f"reverso-{role}.png",
                       "proof": folder / f"domicilio-{role}.pdf"}
        files[role]["card_front"].write_bytes(png(40 * n + 10))
        files[role]["card_back"].write_bytes(png(40 * n + 30))
        files[role]["proof"].write_bytes(f"%PDF-1.4\n% comprobante {role}\n".encode())
    with op.serve():
        context = browser.new_context(locale="es-MX")
        page = context.new_page()
        folios = {}
        for role, person in people.items():
            email = f"{role}@correo.example"
            folios[role] = ask_to_register(page, url, person, email, files[role])
            [mail] = mails_to(sink, email, folios[role])
            link = re.search(rf"{re.escape(url)}/registro/confirmar/\S+", mail_text(mail))
            assert link, mail_text(mail)
            page.goto(link.group(0))
            assert folios[role] in page.inner_text("[role=status]")
        context.close()
        for account in accounts:
            op.finish(account)
        yield {"url": url, "op": op, "folios": folios, "people": people,
               "ceremony": ceremony}
    ceremony.wait()  # a failed ceremony command is reported here too


class Walk:
    """One person's browser for a test: each staff page reached is looked at, at 1280 px and
    then at 360 px (the same page, the window narrowed), and what is wrong is kept."""

    def __init__(self, browser, axe_source: str, url: str, who: str) -> None:
        self.context = browser.new_context(locale="es-MX",
                                           viewport={"width": WIDE, "height": 900})
        self.page = self.context.new_page()
        self.errors = watch_console(self.page)
        self.axe, self.url, self.who = axe_source, url, who
        self.found: dict[str, list[str]] = {}

    def look(self, name: str, refused: int | None = None) -> None:
        """`refused`: the page is a refusal with this status, which Chromium logs as a
        console error ("Failed to load resource"); that one line is expected."""
        if refused is not None:
            logged = f"the server responded with a status of {refused} "
            self.errors.remove(next(e for e in self.errors if logged in e))
        for width in (WIDE, NARROW):
            self.page.set_viewport_size({"width": width, "height": 900})
            problems = problems_on(self.page, self.errors, self.axe,
                                   SHOTS / f"{width}-es-staff-{name}.png")
            if problems:
                self.found[f"{name} at {width} px"] = problems
        self.page.set_viewport_size({"width": WIDE, "height": 900})

    def text(self, selector: str = "main") -> str:
        return self.page.inner_text(selector)

    def password(self, username: str) -> None:
        """The sign-in page: user name and password; the code page follows."""
        self.page.goto(f"{self.url}/admin/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        submit(self.page, "form[action='/admin/login'] button[type=submit]")
        assert self.page.url.endswith("/admin/codigo"), self.text()

    def code(self, code: str):
        self.page.fill("#code", code)
        return submit(self.page, "form[action='/admin/codigo'] button[type=submit]")

    def sign_in(self, username: str) -> None:
        """Password, then the code of the authenticator (set up from the page's key on the
        first sign-in)."""
        self.password(username)
        staff_login.remember(self.url, username, self.page.content())
        self.code(staff_login.code(self.url, username))
        assert self.page.url.endswith("/admin/"), self.text()



class Walks:
    """The browsers of one test; `checked` fails on what any of them found on a page."""

    def __init__(self, browser, axe_source: str, url: str) -> None:
        self.browser, self.axe, self.url = browser, axe_source, url
        self.walks: list[Walk] = []

    def __call__(self, who: str) -> Walk:
        self.walks.append(Walk(self.browser, self.axe, self.url, who))
        return self.walks[-1]

    def checked(self) -> None:
        found = {f"{w.who}: {k}": v for w in self.walks for k, v in w.found.items()}
        assert not found, json.dumps(found, indent=1, ensure_ascii=False)


@pytest.fixture
def walk(browser, axe_source, staff_site):
    walks = Walks(browser, axe_source, staff_site["url"])
    yield walks
    for w in walks.walks:
        w.context.close()


def a_wrong_code(secret: str) -> str:
    """Six digits no authenticator would show now (nor a step either side)."""
    valid = {pyotp.TOTP(secret).at(time.time() + d) for d in (-30, 0, 30)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 999999, 111111))
                if c not in valid)


def test_a_new_member_sets_up_the_second_factor_then_signs_in_with_its_code(walk):
    me = walk("nuevo")
    page = me.page
    page.goto(f"{me.url}/admin/")  # a bookmark: the staff home asks to sign in first
    assert page.url.endswith("/admin/login")
    me.look("login")
    me.password("nuevo")
    # the first time, the page shows the key to type into the authenticator app
    secret = me.text("#totp-secret").strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    assert f"secret={secret}" in me.text("#totp-uri")
    wait_drawn(page, "img.qr")
    me.look("codigo-alta")
    app = pyotp.TOTP(secret)
    enrolled_at = time.time()
    me.code(app.at(enrolled_at))
    assert page.url.endswith("/admin/"), me.text()
    assert "nuevo" in me.text()
    me.look("inicio")
    submit(page, "form[action='/admin/logout'] button[type=submit]")
    assert page.url.endswith("/admin/login")

    # the next sign-in asks for the code and shows no key; a wrong one is refused
    me.password("nuevo")
    assert page.locator("#totp-secret").count() == 0
    assert text("web.code.intro", "es") in me.text()
    me.look("codigo")
    refused = me.code(a_wrong_code(secret))
    assert refused.status == 400
    assert me.text("p.error[role=alert]") == text("core.staff.bad_code", "es",
                                                   minutes=LOCK_MINUTES)
    assert page.locator("#totp-secret").count() == 0
    me.look("codigo-rechazado", refused=400)
    # the enrolment's code is spent: the app shows the next one (now, or a step ahead)
    me.code(app.generate_otp(max(int(time.time()) // 30, int(enrolled_at) // 30 + 1)))
    assert page.url.endswith("/admin/"), me.text()
    walk.checked()


def test_an_administrator_resets_a_lost_second_factor_and_the_member_enrols_again(walk):
    lost = walk("perdida")
    lost.sign_in("perdida")
    first_key = staff_login.key_of(lost.url, "perdida")
    boss = walk("jefa")
    boss.sign_in("jefa")
    boss.page.click("a[href='/admin/personal/']")
    row = boss.page.locator("tr", has_text="perdida")
    assert text("web.staff.enrolled", "es") in row.inner_text()
    boss.look("personal")
    submit(boss.page, "tr:has-text('perdida') form[action$='/segundo-factor'] button")
    assert boss.text("p.ok[role=status]") == text("core.staff.totp_reset", "es",
                                                   username="perdida")
    assert text("web.staff.not_enrolled", "es") in row.inner_text()

    # her session ended with the old key: the next page asks her to sign in again
    lost.page.goto(f"{lost.url}/admin/")
    assert lost.page.url.endswith("/admin/login")
    lost.password("perdida")
    new_key = lost.text("#totp-secret").strip()
    assert new_key and new_key != first_key
    staff_login.remember(lost.url, "perdida", lost.page.content())
    lost.code(staff_login.code(lost.url, "perdida"))
    assert lost.page.url.endswith("/admin/"), lost.text()
    boss.page.reload()
    assert text("web.staff.enrolled", "es") in row.inner_text()
    walk.checked()


def open_request(me: Walk, folio: str) -> None:
    me.page.goto(f"{me.url}/admin/")
    me.page.click("a[href='/admin/registry/']")
    me.page.click(f"a[href='/admin/registry/requests/{folio}']")


def decide(me: Walk, decision: str) -> None:
    answer = submit(me.page, f"form:has(input[name=decision][value={decision}]) "
                             "button[type=submit]")
    assert answer.status == 200 and me.page.url.endswith("?notice=done"), me.text()
    assert me.text("p.ok[role=status]") == text("registry.review.done", "es")


def test_a_reviewer_decides_requests_from_the_queue(walk, staff_site, browser):
    folios, people = staff_site["folios"], staff_site["people"]
    me = walk("revisor")
    me.sign_in("revisor")
    me.page.click("a[href='/admin/registry/']")
    queue = me.text("table")
    for role in ("accept", "correct", "reject"):
        assert folios[role] in queue
    me.look("registro")

    # -- the documents are on the request's page: the card's images drawn, the proof a PDF
    me.page.click(f"a[href='/admin/registry/requests/{folios['accept']}']")
    for name in ("card_front", "card_back"):
        figure = me.page.locator(f"figure#doc-{name}")
        assert "tipo image/png, extensión .png" in figure.inner_text()
        wait_drawn(me.page, f"figure#doc-{name} img", width=8)
    proof = me.page.locator("figure#doc-proof")
    assert "tipo application/pdf, extensión .pdf" in proof.inner_text()
    opened = me.context.request.get(
        me.url + proof.locator("a[target=_blank]").get_attribute("href"))
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"].startswith("inline;")
    assert opened.headers["content-disposition"].endswith('.pdf"')
    assert opened.body().startswith(b"%PDF-1.4\n% comprobante accept")
    me.look("solicitud")
    decide(me, "accept")
    assert text("registry.status.accepted", "es") in me.text("dl")

    # -- a correction naming the field, with a note for the citizen
    note = "La calle no coincide con el comprobante; escríbala como aparece en él."
    open_request(me, folios["correct"])
    me.page.check("input[name=fields][value=street]")
    me.page.fill("#c-note", note)
    decide(me, "correct")
    details = me.text("dl")
    assert text("registry.status.to_correct", "es") in details
    assert text("registry.form.street", "es") in details and note in details
    me.look("solicitud-por-corregir")

    # -- a rejection with its reason
    open_request(me, folios["reject"])
    me.page.select_option("#d-reason", "data_mismatch")
    decide(me, "reject")
    assert text("registry.status.rejected", "es") in me.text("dl")
    assert text("registry.reason.data_mismatch", "es") in me.text("dl")

    # -- validation against the register is a supervisor's: a reviewer is not offered it
    # (a reviewer's POST gets the page naming the role: test_review_rule_and_documents.py)
    me.page.click("a[href='/admin/registry/']")
    me.page.wait_for_selector("h1")
    assert me.page.locator("form[action='/admin/registry/validate']").count() == 0

    # -- the citizen reads the field and the note on the public status page
    citizen = browser.new_context(locale="es-MX")
    page = citizen.new_page()
    page.goto(f"{me.url}/registro/estado")
    page.fill("#f-folio", folios["correct"])
    page.fill("#f-birth_date", people["correct"].birth_date.isoformat())
    submit(page, "form[action='/registro/estado'] button[type=submit]")
    shown = page.inner_text("main")
    assert text("registry.status.to_correct", "es") in shown
    assert f"{text('registry.status.correct_fields', 'es')}: " \
           f"{text('registry.form.street', 'es')}" in shown
    assert page.inner_text("#correction-note") == note
    citizen.close()
    walk.checked()


def test_a_supervisor_takes_the_lnere_to_its_declaration_and_the_removal_file(walk,
                                                                            staff_site):
    folio, person, op = (staff_site["folios"]["lnere"], staff_site["people"]["lnere"],
                         staff_site["op"])
    me = walk("supervisora")
    me.sign_in("supervisora")
    open_request(me, folio)
    decide(me, "accept")
    # the operator closes Guanajuato's lists (docs/registry.md §5)
    assert "GTO\tpostal\t1" in op.run("registry", "close", "--election", ELECTION,
                                      "--entity", "GTO", "--db", op.db)

    me.page.goto(f"{me.url}/admin/registry/")
    me.page.click("a[href='/admin/registry/lists']")
    me.look("listas")
    me.page.click(f"a[href='/admin/registry/lnere/{ELECTION}']")
    me.look("lnere")
    me.page.click(f"a[href='/admin/registry/lnere/{ELECTION}/GTO']")
    me.look("lnere-entidad")
    page = me.page

    # -- a party's observation, recorded on its behalf, then answered
    page.select_option("#filer-kind", "party")
    page.fill("#filer", "PAN — María Pérez, representante ante la CNV")
    page.fill("#subject", "Una persona de la lista dice no vivir en el extranjero.")
    submit(page, "form[action$='/GTO/observations'] button")
    assert me.text("p.ok[role=status]") == text("registry.lnere_page.notice.filed", "es")
    assert "PAN — María Pérez" in me.text()
    assert text("registry.lnere.pending", "es") in me.text()
    me.look("lnere-observacion")
    page.select_option("select[id^='outcome-']", "dismissed")
    page.fill("textarea[id^='answer-']", "La persona acreditó su domicilio en Texas.")
    submit(page, "form[action$='/answer'] button")
    assert me.text("p.ok[role=status]") == text("registry.lnere_page.notice.answered", "es")
    assert text("registry.lnere_page.outcome.dismissed", "es") in me.text()

    # -- the declaration of validity, then the removal file for the in-country list
    election_day = (dt.datetime.now(MEXICO) + dt.timedelta(days=60)).date()
    page.fill("#agreement", "INE/CG123/2027")
    page.fill("#election-day", election_day.isoformat())
    submit(page, "form[action$='/GTO/declare'] button")
    assert me.text("p.ok[role=status]") == text("registry.lnere_page.notice.declared", "es")
    assert "INE/CG123/2027" in me.text()
    me.look("lnere-declarada")
    with page.expect_download() as got:
        page.click("form:has(input[name=kind][value=removal]) button")
    download = got.value
    assert download.suggested_filename == f"baja-temporal-{ELECTION}-GTO.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8"))))
    assert rows == [["elector_key", "entity_id", "folio", "movement"],
                    [person.elector_key, "GTO", folio, "baja_temporal"]]
    page.reload()
    handed = me.text("table")
    assert text("registry.lnere_page.kind.removal", "es") in handed and "supervisora" in handed
    me.look("lnere-baja")
    walk.checked()


def test_the_cards_and_count_pages_open_for_an_administrator(walk, staff_site):
    me = walk("jefa")
    me.sign_in("jefa")
    page = me.page
    page.click("a[href='/admin/cards/']")
    assert page.url.endswith("/admin/cards/")
    me.look("credenciales")
    for path, name in (("/admin/cards/requests", "credenciales-solicitudes"),
                       ("/admin/cards/campaigns", "credenciales-campanas")):
        assert page.goto(me.url + path).status == 200
        me.look(name)
    staff_site["ceremony"].wait()  # the postal election is open on the voting server
    page.goto(f"{me.url}/admin/")
    page.click("a[href='/admin/count/']")
    me.look("computo")
    page.click(f"a[href='/admin/count/{ELECTION}/JAL']")
    assert "JAL" in me.text("h1")
    me.look("computo-entidad")
    walk.checked()


def test_a_party_representative_reads_the_lists_and_files_under_its_party(walk, staff_site):
    """The observers' page as a party's representative uses it: figures, then an observation
    on a closed list, filed under the party the account holds (docs/registry.md §5.2)."""
    op = staff_site["op"]
    # A process of this test's own, its list closed, so no other test's steps are needed.
    op.run(*process_add(op, "pel-observada", "MIC", name="Proceso observado"))
    op.run("registry", "close", "--election", "pel-observada", "--entity", "MIC",
           "--db", op.db)
    op.run("staff", "add", "observadora", "--roles", "party_rep", "--party", "PAN",
           "--db", op.db, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    me = walk("observadora")
    me.sign_in("observadora")
    page = me.page
    page.click("a[href='/admin/observacion/']")
    assert page.url.endswith("/admin/observacion/")
    filing_as = text("registry.lnere_page.filing_as", "es",
                     filer="Partido Acción Nacional (PAN)")
    assert filing_as in me.text()
    me.look("observacion")
    page.fill("#subject-pel-observada", "Pedimos revisar las bajas de la lista de Michoacán.")
    submit(page, "form[action='/admin/observacion/pel-observada/observaciones'] button")
    notice = me.text("p.ok[role=status]")
    number = int(re.search(r"[0-9]+", notice).group(0))
    assert notice == text("registry.lnere_page.observer_filed", "es", id=number, entity="MIC")
    # Its row among the process's observations: filed under the account's party, pending.
    assert f"{number}\tMIC\tPAN\t{text('registry.lnere.pending', 'es')}" in me.text()
    me.look("observacion-presentada")
    walk.checked()
