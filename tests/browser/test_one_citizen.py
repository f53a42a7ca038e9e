"""One citizen, start to end, the way people do it: the citizen in the browser (registration
form, the mails' links, activation, ballot, receipt, board, results), staff in the browser on
the staff pages, the operator and the custodians with the `vmre` command line in their own
processes (README, docs/registry.md, docs/ceremony.md, docs/sivei.md §3). Every mail is read
from a real SMTP server; no step calls the application's functions."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from staff_login import sign_in_page

from .conftest import Meanwhile, Operator, free_port, mail_text
from .walks import (
    CUSTODIANS,
    ISSUER_PASSPHRASE,
    MEXICO,
    PHRASE,
    STAFF_PASSWORD,
    VOTER_PASSWORD,
    activate,
    fill_request,
    mail_for,
    open_registration,
    papers,
    process_add,
    set_up_election,
    staff_login,
    submit,
    the_citizen,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def operator(tmp_path, smtp_server, db_url) -> Operator:
    """The operator's shell: a working folder, the database (SQLite file or PostgreSQL), the
    public address the server will listen on, the mail server and the upload folder."""
    url = f"http://127.0.0.1:{free_port()}"
    return Operator(tmp_path, db_url, {
        "VMRE_PUBLIC_URL": url, "VMRE_UPLOAD_DIR": str(tmp_path / "uploads"),
        "VMRE_SMTP_SENDER": "voto@ine.example"})


def test_one_internet_voter_from_registration_to_results(browser, operator, smtp_server,
                                                         tmp_path):
    op, db, sink = operator, operator.db, smtp_server
    citizen = the_citizen()
    email, phone = "ana.votante@correo.example", "+13125550147"
    election = "pel-2024-extranjero"  # the manifest's election_id is the registry's process id
    manifest = papers(tmp_path)

    # -- the operator opens registration (docs/registry.md §1), adds a reviewer and makes
    # the registry's issuer key (§6) -------------------------------------------------------
    issuer = open_registration(op, election)

    with op.serve() as url:
        # meanwhile the custodians hold the opening ceremony and the server registers it
        shared = tmp_path / "compartida"
        secret = {i: str(tmp_path / f"custodio-{i}.secreto") for i in CUSTODIANS}
        ceremony = Meanwhile(lambda: set_up_election(op, shared, manifest, secret, election,
                                                      issuer))

        citizen_side = browser.new_context(locale="es-MX")
        page = citizen_side.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)

        # -- the citizen asks to be registered, choosing the internet vote ------------------
        page.goto(f"{url}/registro/")
        page.click(f"a[href='/registro/solicitud?election={election}']")
        folio = fill_request(page, citizen, email, phone, "internet", tmp_path)

        # -- … and confirms the address with the link in the mail --------------------------
        [confirmation] = mail_for(sink, email, folio)
        link = re.search(rf"{re.escape(url)}/registro/confirmar/\S+", mail_text(confirmation))
        assert link, mail_text(confirmation)
        page.goto(link.group(0))
        assert folio in page.inner_text("[role=status]")

        # -- a reviewer accepts it on the staff pages, following their links ----------------
        staff_side = browser.new_context(locale="es-MX")
        staff = staff_side.new_page()
        staff_login(staff, url)
        staff.click("a[href='/admin/registry/']")
        staff.click(f"a[href='/admin/registry/requests/{folio}']")
        submit(staff, "form:has(input[name=decision][value=accept]) button[type=submit]")

        # -- the list closes for the entity (CLI); the mail's link shows the new status -----
        closed = op.run("registry", "close", "--election", election, "--entity", "JAL",
                        "--db", db)
        assert "JAL\tinternet\t1" in closed, closed
        [*_, included] = mail_for(sink, email, f"Su solicitud {folio} cambió de estado", 2)
        link = re.search(rf"{re.escape(url)}/registro/estado\S*", mail_text(included))
        assert link, mail_text(included)
        page.goto(link.group(0))
        page.fill("#f-folio", folio)
        page.fill("#f-birth_date", citizen.birth_date.isoformat())
        submit(page, "form[action='/registro/estado'] button[type=submit]")
        assert "Incluida en la lista nominal" in page.inner_text("main")

        # -- credentials: the registry hands over and mails the access message -------------
        ceremony.wait()
        op.run("registry", "send-credentials", "--election", election, "--key",
               "registry-issuer.key", "--db", db, stdin=f"{ISSUER_PASSPHRASE}\n")
        [access] = mail_for(sink, email, "Su acceso para votar por internet")
        body = mail_text(access)
        link = re.search(rf"{re.escape(url)}/voto/activar/\S+#credencial=(\S+)", body)
        assert link, body
        code = re.search(r"^ +([0-9A-Z]{5}(?:-[0-9A-Z]{5}){4})$", body, re.M).group(1)
        assert link.group(1) == code  # the code in the fragment, and in the text to type it
        login = re.search(rf"{re.escape(url)}/voto/entrar\b", body)
        assert login, body  # the activation link works once: the mail says where to sign in

        # -- activation: phone digits, TOTP enrolment, password; then the citizen leaves ----
        totp = activate(page, link.group(0), phone)
        citizen_side.close()

        # -- another day, another browser: the sign-in address from the mail ----------------
        citizen_side = browser.new_context(locale="es-MX")
        page = citizen_side.new_page()
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.goto(login.group(0))
        page.fill("#username", email)
        page.fill("#password", VOTER_PASSWORD)
        page.fill("#code", totp.at(time.time() + 30))  # the enrolment's code is spent
        page.click("button[value=login]")
        page.wait_for_url("**/voto/")

        # -- the ballot: PAN + PRI for governor (a coalition mark), MC for the deputy; the
        # code typed from the mail (this browser never saw the link) ------------------------
        page.click("a[href='/voto/boleta']")
        page.wait_for_selector("#ballot-app[data-ready='1']", state="attached")
        page.check("#gob-jal-pan")
        page.check("#gob-jal-pri")
        page.click("#step-0 button.next")
        page.check("#dip-migrante-jal-mc")
        page.click("#step-1 button.next")
        assert page.input_value("#credential") == ""
        page.fill("#credential", code)
        page.click("#cast")
        page.wait_for_url("**/voto/recibo")
        tracking = page.inner_text("#tracking-code").strip()

        # -- the tracking code is found on the public board --------------------------------
        page.click(f"a[href^='/tablero/{election}']")  # the receipt's own link
        assert "en la posición 1" in page.inner_text("#search-result")
        page.goto(f"{url}/tablero")  # with one election the list of boards leads to it
        page.wait_for_url(f"**/tablero/{election}")
        page.fill("#codigo", tracking)
        submit(page, "form[role=search] button")
        assert "en la posición 1" in page.inner_text("#search-result")

        # -- close; custodians 1 and 3 decrypt (2 is absent); staff upload on the count page
        closing = tmp_path / "cierre"
        op.run("election", "close", election, "--out", str(closing), "--db", db)
        shares = {i: tmp_path / f"parte-{i}.json" for i in (1, 3)}
        op.run_each([(("ceremony", "decrypt", str(closing / "aggregate.json"), str(shares[i]),
                       "--custodian", str(i), "--secret", secret[i], "--dir", str(shared)),
                      f"{PHRASE[i]}\n") for i in shares])
        staff.goto(f"{url}/admin/")
        staff.click("a[href='/admin/sivei/']")
        staff.click(f"a[href='/admin/sivei/{election}']")
        staff.click(f"a[href='/admin/sivei/{election}/computo']")
        for i in shares:
            staff.set_input_files("#upload", str(shares[i]))
            submit(staff, f"form[action='/admin/sivei/{election}/computo'] button[type=submit]")
        assert "(1, 3)" in staff.inner_text("main"), staff.inner_text("main")

        # -- the citizen's choice is counted on the public results, found by links from the
        # front door ----------------------------------------------------------------------
        page.goto(f"{url}/")
        page.click("a[href='/resultados']")
        page.click(f"a[href='/resultados/internet/{election}']")
        governor = page.locator("table.results", has_text="Gubernatura de Jalisco")
        assert governor.locator(
            "tr", has_text="Partido Acción Nacional + Partido Revolucionario Institucional"
        ).locator("td").nth(1).inner_text() == "1"
        deputy = page.locator("table.results", has_text="Diputación migrante de Jalisco")
        assert deputy.locator("tr", has_text="Movimiento Ciudadano").locator("td").nth(1) \
            .inner_text() == "1"
        assert not [m for m in console if "Content Security Policy" in m], console
        citizen_side.close()
        staff_side.close()


def capture_acta(page, url: str, election: str, contest: str, marked: str) -> None:
    """A table officer enters the acta of one contest on the staff page, reached from the
    entity's page: the one ballot of the table went to `marked`."""
    page.goto(f"{url}/admin/")
    page.click("a[href='/admin/count/']")
    page.click(f"a[href='/admin/count/{election}/JAL']")
    page.click(f"tr:has(td:text-is('{contest}')) a[href^='/admin/count/tables/']")
    page.wait_for_selector("form:has(input[name=action][value=capture])")
    fields = page.locator("input[id^='option-']").all()
    assert f"option-{marked}" in [f.get_attribute("id") for f in fields]
    for field in fields:
        field.fill("1" if field.get_attribute("id") == f"option-{marked}" else "0")
    page.fill("#total", "1")
    page.fill("#ballots_taken", "1")
    submit(page, "form:has(input[name=action][value=capture]) button[type=submit]")
    assert not page.locator("p.error").count(), page.inner_text("main")


def test_one_postal_voter_from_registration_to_results(browser, operator, smtp_server,
                                                       tmp_path):
    op, db, sink = operator, operator.db, smtp_server
    citizen = the_citizen()
    email, phone = "beto.postal@correo.example", "+13125550199"
    election = "pel-2024-extranjero"
    manifest = papers(tmp_path)
    now = dt.datetime.now(MEXICO).replace(tzinfo=None, microsecond=0)
    op.run(*process_add(op, election, "JAL,GTO,CDMX,PUE"))
    op.run("staff", "add", "revisora", "--roles", "administrator", "--db", db,
           stdin=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n")
    op.run("staff", "add", "escrutadora", "--roles", "reviewer", "--db", db,
           stdin=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n")

    def one_custodian() -> None:  # the voting server knows the election (its manifest)
        folder, key = tmp_path / "compartida", str(tmp_path / "custodio.secreto")
        op.run("ceremony", "init", str(manifest), "--custodians", "1", "--threshold", "1",
               "--dir", str(folder))
        for step, typed in (("keygen", f"{PHRASE[1]}\n{PHRASE[1]}\n"), ("deal", f"{PHRASE[1]}\n"),
                            ("check", f"{PHRASE[1]}\n")):
            op.run("ceremony", step, "--custodian", "1", "--secret", key, "--dir", str(folder),
                   stdin=typed)
        op.run("ceremony", "finalize", "--dir", str(folder))
        op.run("election", "register", "--dir", str(folder), "--postal", "JAL", "--db", db)

    with op.serve() as url:
        ceremony = Meanwhile(one_custodian)
        citizen_side = browser.new_context(locale="es-MX")
        page = citizen_side.new_page()

        # -- the citizen asks for the postal vote and confirms the address ------------------
        page.goto(f"{url}/registro/")
        page.click(f"a[href='/registro/solicitud?election={election}']")
        folio = fill_request(page, citizen, email, phone, "postal", tmp_path)
        [confirmation] = mail_for(sink, email, folio)
        page.goto(re.search(rf"{re.escape(url)}/registro/confirmar/\S+",
                            mail_text(confirmation)).group(0))
        assert folio in page.inner_text("[role=status]")

        # -- a reviewer accepts; the list closes; the postal LNERE goes to the count ----------
        staff_side = browser.new_context(locale="es-MX")
        staff = staff_side.new_page()
        staff_login(staff, url)
        staff.click("a[href='/admin/registry/']")
        staff.click(f"a[href='/admin/registry/requests/{folio}']")
        submit(staff, "form:has(input[name=decision][value=accept]) button[type=submit]")
        assert "JAL\tpostal\t1" in op.run("registry", "close", "--election", election,
                                          "--entity", "JAL", "--db", db)
        op.run("registry", "export", "--election", election, "--kind", "postal-lnere",
               "--entity", "JAL", "--out", "lnere-postal-JAL.jsonl", "--db", db)
        ceremony.wait()
        op.run("count", "packages", election, "lnere-postal-JAL.jsonl", "--out", "paquetes",
               "--db", db)
        shipped = (tmp_path / "paquetes" / "manifiesto-envio.csv").read_text("utf-8")
        [line] = [r for r in shipped.splitlines()[1:] if citizen.first_surname in r]
        envelope = line.split(",")[1]  # the return label in the citizen's package
        assert (tmp_path / "paquetes" / "paquetes-JAL.pdf").stat().st_size > 0

        # -- the envelope comes back before the deadline; tables; two officers capture ------
        election_day = (now + dt.timedelta(days=20)).date()
        op.run("count", "deadline", election, "--day", election_day.isoformat(), "--db", db)
        arrived = dt.datetime.now(dt.timezone(dt.timedelta(hours=-6))).replace(microsecond=0)
        (tmp_path / "recibidos.csv").write_text(
            f"envelope,received_at\n{envelope},{arrived.isoformat()}\n", encoding="utf-8")
        assert "1" in op.run("count", "returns", election, "recibidos.csv", "--db", db)
        op.run("count", "assign", election, "JAL", "--db", db)
        officer_side = browser.new_context(locale="es-MX")
        officer = officer_side.new_page()
        sign_in_page(officer, url, "escrutadora", STAFF_PASSWORD)
        for contest, marked in (("gob-jal", "pan+pri"), ("dip-migrante-jal", "mc")):
            capture_acta(staff, url, election, contest, marked)
            capture_acta(officer, url, election, contest, marked)
            assert "válida" in officer.inner_text("main"), officer.inner_text("main")

        # -- the citizen sees their envelope counted in the entity's results ---------------
        page.goto(f"{url}/")
        page.click("a[href='/resultados']")
        page.click(f"a[href='/resultados/{election}/JAL']")
        main = page.inner_text("main")
        assert "Ana Lucía Ibarra Peña" in main, main
        governor = page.locator("table", has_text="Ana Lucía Ibarra Peña").first
        assert governor.locator("tr", has_text="Ana Lucía Ibarra Peña").locator("td").last \
            .inner_text().strip() == "1"
        for side in (citizen_side, staff_side, officer_side):
            side.close()
