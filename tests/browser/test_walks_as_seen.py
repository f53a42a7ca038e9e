"""The walks a citizen takes from a mail, each page checked as a person sees it at a phone's
width (360 px) and a desktop's (1280 px), with the checks of test_pages_as_seen (as_seen.py:
no console error, no horizontal scroll, header, footer and privacy link, no axe violation),
each step done in the browser as the person does it:

- an internet voter from the registry's access mail: the activation link with the code in
  its fragment, phone digits, TOTP enrolment, password, sign-in, the ballot, cast, receipt,
  the tracking code found on the public board; and the ballot's address in every state the
  voter meets it (no session yet, signed in before voting, after casting);
- a citizen asked by a reviewer to correct one named field: the status link of that mail,
  the change link it leads to by mail, the field filled and the request sent again.

The scene is set up once: the operator and the custodians with the `vmre` command line, the
citizens on the registration form, the reviewer on the staff pages, every mail read from a
real SMTP server on loopback (the same steps as test_one_citizen.py, from walks.py)."""

from __future__ import annotations

import json
import re
import time
from types import SimpleNamespace

import pytest

from vmre.core.messages import text

from .as_seen import WIDTHS, Eyes
from .conftest import Meanwhile, Operator, free_port, mail_text
from .walks import (
    ISSUER_PASSPHRASE,
    VOTER_PASSWORD,
    activate,
    citizens,
    fill_request,
    hold_ceremony,
    mail_for,
    open_registration,
    papers,
    register_election,
    staff_login,
    submit,
)

pytestmark = pytest.mark.browser
ELECTION = "pel-2024-extranjero"  # the manifest's election_id is the registry's process id
VOTERS = {360: ("ana.telefono@correo.example", "+13125550147"),
          1280: ("beto.escritorio@correo.example", "+13125550148")}
FIXERS = {360: ("carla.telefono@correo.example", "+13125550149"),
          1280: ("dario.escritorio@correo.example", "+13125550150")}
NEW_STREET = "4500 S Ashland Ave"  # the corrected street (the form had 1200 W Cermak Rd)


@pytest.fixture(scope="module")
def scene(browser, tmp_path_factory, module_smtp_server):
    """`vmre serve` with an open election whose credentials the registry handed over: two
    internet voters (JAL) holding the access mail, two citizens (GTO) asked to correct their
    street. Their list is not closed, so their correction stays open."""
    folder = tmp_path_factory.mktemp("walks")
    sink = module_smtp_server
    op = Operator(folder, f"sqlite:///{folder / 'vmre.sqlite'}", {
        "VMRE_PUBLIC_URL": f"http://127.0.0.1:{free_port()}",
        "VMRE_UPLOAD_DIR": str(folder / "uploads"), "VMRE_SMTP_SENDER": "voto@ine.example",
        "VMRE_SMTP_HOST": "127.0.0.1", "VMRE_SMTP_PORT": str(sink.port)})
    manifest, shared = papers(folder), folder / "compartida"
    issuer: list[str] = []
    registry = Meanwhile(lambda: issuer.append(open_registration(op, ELECTION)))

    def election_side() -> None:  # one custodian: the ceremony is not what is tested here
        hold_ceremony(op, shared, manifest, {1: str(folder / "custodio-1.secreto")}, 1)
        registry.wait()  # the registry's issuer key fixes the fingerprint
        register_election(op, shared, ELECTION, issuer[0])

    ceremony = Meanwhile(election_side)
    registry.wait()
    with op.serve() as url:
        side = browser.new_context(locale="es-MX")
        page = side.new_page()
        fixing = citizens(2, "GTO")
        people = [*zip(VOTERS.values(), citizens(2, "JAL"), strict=True),
                  *zip(FIXERS.values(), fixing, strict=True)]
        folios = {}
        for (email, phone), citizen in people:
            page.goto(f"{url}/registro/")
            page.click(f"a[href='/registro/solicitud?election={ELECTION}']")
            folios[email] = folio = fill_request(page, citizen, email, phone, "internet", folder)
            [confirmation] = mail_for(sink, email, folio)
            page.goto(re.search(rf"{re.escape(url)}/registro/confirmar/\S+",
                                mail_text(confirmation)).group(0))
            assert folio in page.inner_text("[role=status]")
        staff = side.new_page()
        staff_login(staff, url)
        for email, _ in VOTERS.values():
            staff.goto(f"{url}/admin/registry/requests/{folios[email]}")
            submit(staff, "form:has(input[name=decision][value=accept]) button[type=submit]")
        for email, _ in FIXERS.values():
            staff.goto(f"{url}/admin/registry/requests/{folios[email]}")
            staff.check("input[name=fields][value=street]")
            staff.fill("#c-note", "La calle no coincide con el comprobante de domicilio.")
            submit(staff, "form:has(input[name=decision][value=correct]) button[type=submit]")
        side.close()
        assert "JAL\tinternet\t2" in op.run("registry", "close", "--election", ELECTION,
                                            "--entity", "JAL", "--db", op.db)
        ceremony.wait()
        op.run("registry", "send-credentials", "--election", ELECTION, "--key",
               "registry-issuer.key", "--db", op.db, stdin=f"{ISSUER_PASSPHRASE}\n")
        access = {}
        for width, (email, phone) in VOTERS.items():
            [mail] = mail_for(sink, email, "Su acceso para votar por internet")
            link = re.search(rf"{re.escape(url)}/voto/activar/\S+#credencial=(\S+)",
                             mail_text(mail))
            access[width] = SimpleNamespace(email=email, phone=phone, link=link.group(0),
                                            code=link.group(1))
        fixers = {width: SimpleNamespace(email=email, folio=folios[email], birth=c.birth_date)
                  for (width, (email, _)), c in zip(FIXERS.items(), fixing, strict=True)}
        yield SimpleNamespace(url=url, sink=sink, voters=access, fixers=fixers)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_voter_from_the_access_mail_to_the_board_as_seen(browser, scene, axe_source, width):
    url, voter = scene.url, scene.voters[width]
    eyes = Eyes(browser, axe_source, width, "votante")
    page = eyes.page

    # the ballot's address before any session: the sign-in page
    page.goto(f"{url}/voto/boleta")
    page.wait_for_url("**/voto/entrar")
    eyes.look("boleta sin sesion")

    # the activation link from the mail, its code kept from the fragment for this tab
    totp = activate(page, voter.link, voter.phone, eyes.look)

    # sign-in, then the ballot signed in before voting: both contests and the review
    page.fill("#username", voter.email)
    page.fill("#password", VOTER_PASSWORD)
    page.fill("#code", totp.at(time.time() + 30))  # the enrolment's code is spent
    page.click("button[value=login]")
    page.wait_for_url("**/voto/")
    eyes.look("inicio del votante")
    page.click("a[href='/voto/boleta']")
    page.wait_for_url("**/voto/boleta")
    eyes.look("boleta antes de votar")
    page.check("#gob-jal-pan")
    page.check("#gob-jal-pri")
    page.click("#step-0 button.next")
    eyes.look("boleta segunda eleccion")
    page.check("#dip-migrante-jal-mc")
    page.click("#step-1 button.next")
    eyes.look("boleta revision")
    assert page.input_value("#credential") == voter.code  # from the link's fragment

    # cast, the receipt, the tracking code on the public board
    page.click("#cast")
    page.wait_for_url("**/voto/recibo")
    eyes.look("recibo")
    tracking = page.inner_text("#tracking-code").strip()
    page.click(f"a[href^='/tablero/{ELECTION}']")  # the receipt's own link
    page.wait_for_selector("#search-result")
    found = text("sivei.board.found", "es", position="{}").split("{}")[0]  # "…en la posición"
    assert found in page.inner_text("#search-result")
    assert page.input_value("#codigo") == tracking
    eyes.look("tablero con su codigo")

    # the ballot's address once the vote is cast
    page.goto(f"{url}/voto/boleta")
    assert text("voting.ballot.already_voted", "es") in page.inner_text("main")
    eyes.look("boleta ya votada")
    eyes.close()
    assert not eyes.found, json.dumps(eyes.found, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_citizen_corrects_the_named_field_as_seen(browser, scene, axe_source, width):
    url, sink, fixer = scene.url, scene.sink, scene.fixers[width]
    eyes = Eyes(browser, axe_source, width, "correccion")
    page = eyes.page

    # the "please correct" mail names the field and leads to the status page
    [asked] = mail_for(sink, fixer.email, text("registry.mail.status.subject", "es",
                                               folio=fixer.folio))
    body = mail_text(asked)
    assert text("registry.form.street", "es") in body, body
    page.goto(re.search(rf"{re.escape(url)}/registro/estado\S*", body).group(0))
    eyes.look("consulta de estado")
    page.fill("#f-folio", fixer.folio)
    page.fill("#f-birth_date", fixer.birth.isoformat())
    submit(page, "form[action='/registro/estado'] button[type=submit]")
    assert text("registry.form.street", "es") in page.inner_text("main")
    eyes.look("estado por corregir")

    # the change link comes by mail; the form opens the named field
    submit(page, "form[action='/registro/corregir'] button[type=submit]")
    assert text("registry.change.link_sent", "es") in page.inner_text("main")
    eyes.look("enlace enviado")
    [change] = mail_for(sink, fixer.email, text("registry.mail.change.subject", "es",
                                                folio=fixer.folio))
    page.goto(re.search(rf"{re.escape(url)}/registro/corregir/\S+", mail_text(change)).group(0))
    page.wait_for_selector("#f-street")
    eyes.look("formulario de correccion")
    page.fill("#f-street", NEW_STREET)
    submit(page, "form[action^='/registro/corregir/'] button[type=submit]")
    assert text("registry.status.corrected", "es") in page.inner_text("main")
    eyes.look("correccion recibida")
    eyes.close()
    assert not eyes.found, json.dumps(eyes.found, indent=1, ensure_ascii=False)
