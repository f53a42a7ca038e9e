"""The administrators' identity page (/admin/identidad/, docs/identity.md §1.1): a saved name,
colours, emblem and contact override the identity file on every public page, in the mails and
PDFs made afterwards (by the server and by a command); only administrators reach it; hostile
emblems, unreadable colours and bad contact data are refused with the catalogue's message and
the form kept; a post without its CSRF token changes nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from staff_login import sign_in
from vmre.core import identity
from vmre.core.audit import AuditEvent
from vmre.core.database import transaction
from vmre.core.identity import contrast, emblem
from vmre.core.messages import text
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "voting_web"))
sys.path.insert(0, str(TESTS / "web"))

from sivei_setup import ELECTION, csrf, enrol, voting_site  # noqa: E402
from test_institution_identity import own_identity  # noqa: E402

VMRE = str(Path(sys.executable).with_name("vmre"))
NEW_SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
           b'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 8 8"><title>Escudo '
           b'guardado</title><defs><circle id="c" cx="4" cy="4" r="4"/></defs>'
           b'<use xlink:href="#c" fill="#00695c"/></svg>')
BROWSER = {"accept": "text/html,application/xhtml+xml"}


def form(**changes: str) -> dict[str, str]:
    """The page's fields as an administrator fills them in."""
    data = {
        "name_es": "Instituto de Identidad Guardada", "name_en": "Saved Identity Institute",
        "primary": "#1A237E", "primary_text": "#ffffff", "focus": "#f5a623",
        "email": "contacto@guardada.example",
        "days_es": "Lunes a sábado de {opens} a {closes}",
        "days_en": "Monday to Saturday, {opens} to {closes}", "opens": "08:00",
        "closes": "20:00",
        "phone-0-country": "US", "phone-0-number": "+1 888 555 0142", "phone-0-free": "1",
        "phone-1-country": "ES", "phone-1-number": "+34 900 555 014", "phone-1-free": "1",
        "phone-2-country": "", "phone-2-number": "+52 55 5555 0199",
        "phone-3-country": "CA", "phone-3-number": "",  # an empty row: no line
    }
    data.update(changes)
    return data


def with_staff(app):
    with transaction(app.state.sessions) as s:
        create_user(s, "jefa", "contraseña-de-prueba", [Role.ADMINISTRATOR])
        create_user(s, "revisora", "contraseña-de-prueba", [Role.REVIEWER])
    return app


@pytest.fixture
def voting(tmp_path, monkeypatch):
    """The voting site (its acts are PDFs, its mails reach voters) on the operator's
    identity file, with an administrator and a reviewer."""
    monkeypatch.setenv(identity.ENV, str(own_identity(tmp_path)))
    url = f"sqlite:///{tmp_path / 'vmre.sqlite'}"
    app, _ctx, voters = voting_site(url, tmp_path, 1)
    return with_staff(app), voters, url


@pytest.fixture
def site(tmp_path, monkeypatch):
    """The site with no election, on the operator's identity file."""
    monkeypatch.setenv(identity.ENV, str(own_identity(tmp_path)))
    url = f"sqlite:///{tmp_path / 'vmre.sqlite'}"
    return with_staff(create_app(url)), [], url


def admin(app, user: str = "jefa") -> TestClient:
    client = TestClient(app)
    assert "/admin/codigo" not in str(sign_in(client, user).url)
    return client


def post(client: TestClient, data: dict[str, str], svg: bytes | None = None,
         with_csrf: bool = True):
    page = client.get("/admin/identidad/?lang=es", headers=BROWSER)
    assert page.status_code == 200
    if with_csrf:
        data = {**data, "csrf": csrf(page.text)}
    files = {"emblem": ("escudo.svg", svg, "image/svg+xml")} if svg is not None else None
    return client.post("/admin/identidad/?lang=es", data=data, files=files, headers=BROWSER)


def public_home(app, lang: str = "es") -> str:
    return TestClient(app).get(f"/?lang={lang}").text


def test_a_saved_identity_shows_on_pages_mails_and_pdfs(voting, smtp_server, tmp_path):
    app, voters, url = voting
    before = public_home(app)
    assert "Instituto de Pruebas Lejanas" in before  # the file is in force until a save
    old_css = re.search(r'href="(/identidad/estilo\.css\?v=\w+)"', before).group(1)
    client = admin(app)
    page = client.get("/admin/identidad/?lang=es")
    assert "En vigor: el archivo de identidad institucion.toml." in page.text
    assert 'value="Instituto de Pruebas Lejanas"' in page.text  # the form starts from it

    saved = post(client, form(), NEW_SVG)
    assert saved.status_code == 200
    assert 'id="identity-saved"' in saved.text
    for field in ("institution.name", "colours.primary", "contact.email", "contact.phones",
                  "contact.hours.days", "institution.emblem"):
        assert field in saved.text.split('id="identity-saved"')[1].split("</p>")[0]
    assert "En vigor: la identidad guardada por jefa el " in saved.text

    # every public page: header and footer
    html = public_home(app)
    header = html.split('<header class="site"', 1)[1].split("</header>", 1)[0]
    footer = html.split('<footer class="site"', 1)[1].split("</footer>", 1)[0]
    assert "Instituto de Identidad Guardada" in header
    assert "Instituto de Pruebas Lejanas" not in html
    assert "+1 888 555 0142</a> (llamada gratuita)" in footer
    assert "España:" in footer and "Desde otros países:" in footer
    assert "mailto:contacto@guardada.example" in footer
    assert "Lunes a sábado de 08:00 a 20:00 (hora del centro de México)" in footer
    assert "Saved Identity Institute" in public_home(app, "en")
    css = re.search(r'href="(/identidad/estilo\.css\?v=\w+)"', html).group(1)
    assert css != old_css  # a new address: no browser keeps the old colours
    assert "--accent: #1a237e" in TestClient(app).get(css).text
    logo = re.search(r'src="(/identidad/emblema\.svg\?v=\w+)"', header).group(1)
    assert TestClient(app).get(logo).content == NEW_SVG

    # a mail sent afterwards
    enrol(app.state.sessions, voters[0])
    citizen = TestClient(app)
    recover = citizen.get("/voto/recuperar?lang=es")
    citizen.post("/voto/recuperar?lang=es", data={"email": voters[0].email,
                                                  "csrf": csrf(recover.text)})
    body = smtp_server.messages[-1].get_payload(decode=True).decode("utf-8")
    assert body.startswith("Instituto de Identidad Guardada\n")
    assert "Estados Unidos: +1 888 555 0142 (llamada gratuita)" in body
    assert "contacto@guardada.example" in body

    # a PDF made afterwards, by the server
    from vmre.count.acta_pdf import pdf_text

    act = citizen.get(f"/actas/{ELECTION}/inicio.pdf?lang=es")
    assert act.status_code == 200
    printed = pdf_text(act.content)
    assert "Instituto de Identidad Guardada" in printed and "contacto@guardada.example" in printed

    # and by a command on the same database
    run = subprocess.run([VMRE, "report", "biweekly", "--to", "2027-01-15", "--out",
                          str(tmp_path / "out"), "--db", url], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    report = pdf_text(next((tmp_path / "out").glob("*.pdf")).read_bytes())
    assert "Instituto de Identidad Guardada" in report

    # the audit log says who and which fields, never their content
    with app.state.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "identity_saved")).one()
    assert event.actor == "jefa"
    assert "contact.email" in event.detail and "institution.emblem" in event.detail
    assert "guardada.example" not in event.detail and "0142" not in event.detail


def test_only_administrators_reach_the_page(site):
    app, _voters, _url = site
    assert 'href="/admin/identidad/"' in admin(app).get("/admin/").text  # the staff home
    reviewer = admin(app, "revisora")
    assert 'href="/admin/identidad/"' not in reviewer.get("/admin/").text
    page = reviewer.get("/admin/identidad/?lang=es", headers=BROWSER)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    needed = text("core.role.administrator", "es")
    assert text("core.staff.needs_role", "es", roles=needed,
                mine=text("core.role.reviewer", "es")) in page.text
    refused = reviewer.post("/admin/identidad/?lang=es", data=form(), headers=BROWSER)
    assert refused.status_code == 403
    assert "Instituto de Pruebas Lejanas" in public_home(app)
    anonymous = TestClient(app).get("/admin/identidad/", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/admin/login"


HOSTILE = {
    "script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "event_handler": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle '
                     b'r="2"/></svg>',
    "external_reference": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.'
                          b'w3.org/1999/xlink"><image xlink:href="https://rastreo.example/p.png'
                          b'" width="8" height="8"/></svg>',
    "entities": b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
                b']><svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
    "foreign_object": b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p xmlns="http'
                      b'://www.w3.org/1999/xhtml">x</p></foreignObject></svg>',
    "not_svg": b'<html xmlns="http://www.w3.org/1999/xhtml"><body>no</body></html>',
    "too_large": b'<svg xmlns="http://www.w3.org/2000/svg"><!--' + b"x" * emblem.MAX_BYTES
                 + b"--></svg>",
}
MORE_HOSTILE = {  # the same refusals by other roads
    "entities": b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
                b'<!ENTITY c "&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg">'
                b'<text>&c;</text></svg>',
    "external_reference": b'<?xml-stylesheet href="https://rastreo.example/s.css"?><svg xmlns'
                          b'="http://www.w3.org/2000/svg"/>',
    "not_svg": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "script": b'<svg xmlns="http://www.w3.org/2000/svg"><a><set attributeName="href" '
              b'to="javascript:alert(1)"/><circle r="2"/></a></svg>',
}


def test_a_hostile_emblem_is_refused_with_its_reason_and_the_form_kept(site):
    app, _voters, _url = site
    client = admin(app)
    for reason, svg in [*HOSTILE.items(), *MORE_HOSTILE.items()]:
        answer = post(client, form(), svg)
        assert answer.status_code == 400, reason
        message = text(f"web.identity.emblem.{reason}", "es", limit=emblem.MAX_BYTES // 1024)
        assert f'<p class="error" id="e-emblem">{message}</p>' in answer.text, reason
        assert 'value="Instituto de Identidad Guardada"' in answer.text  # what was typed stays
        assert 'value="+1 888 555 0142"' in answer.text
    assert "Instituto de Pruebas Lejanas" in public_home(app)  # nothing saved
    emblem_now = TestClient(app).get("/identidad/emblema.svg").content
    assert b"Escudo de prueba" in emblem_now
    assert post(client, form(), NEW_SVG).status_code == 200  # the same form, a clean emblem


def test_a_colour_pair_below_aa_contrast_is_refused(site):
    app, _voters, _url = site
    client = admin(app)
    found = contrast.ratio("#777777", "#ffffff")
    assert 4.4 < found < 4.5  # just below AA: the check is the one refusing
    answer = post(client, form(primary="#777777"))
    assert answer.status_code == 400
    assert text("web.identity.form.low_contrast", "es", ratio=f"{found:.2f}",
                needed="4.5") in answer.text
    assert 'value="#777777"' in answer.text
    assert "Instituto de Pruebas Lejanas" in public_home(app)
    assert post(client, form(primary="#767676")).status_code == 200  # 4.54:1 is enough


def test_bad_contact_values_are_refused_each_with_its_message(site):
    app, _voters, _url = site
    client = admin(app)
    answer = post(client, form(name_es="Instituto\r\nX-Falso: 1", name_en="", primary="rojo",
                               email="sin-arroba", opens="21:00", closes="09:00", **{
                                   "phone-0-number": "llame<script>", "phone-1-country": "ZZ"}))
    assert answer.status_code == 400
    for field, key, params in (
            ("name_es", "web.identity.form.name", {"limit": 200}),
            ("name_en", "web.identity.form.name", {"limit": 200}),
            ("primary", "web.identity.form.colour", {}),
            ("email", "web.identity.form.email", {}),
            ("opens", "web.identity.form.hours", {}),
            ("phone-0-number", "web.identity.form.phone", {}),
            ("phone-1-country", "web.identity.form.country", {})):
        assert f'<p class="error" id="e-{field}">{text(key, "es", **params)}</p>' \
            in answer.text, field
    assert 'value="llame&lt;script&gt;"' in answer.text  # kept, escaped
    assert "Instituto de Pruebas Lejanas" in public_home(app)


def test_a_post_without_its_csrf_token_changes_nothing(site):
    app, _voters, _url = site
    client = admin(app)
    answer = post(client, form(), NEW_SVG, with_csrf=False)
    assert answer.status_code == 403
    assert text("web.csrf", "es") in answer.text
    assert "Instituto de Pruebas Lejanas" in public_home(app)
    forged = post(client, {**form(), "csrf": "otro"}, with_csrf=False)
    assert forged.status_code == 403


def test_saving_twice_logs_only_what_changed_and_the_file_no_longer_rules(site):
    app, _voters, _url = site
    client = admin(app)
    assert post(client, form()).status_code == 200
    again = post(client, form(email="otra@guardada.example"))
    saved = again.text.split('id="identity-saved"')[1].split("</p>")[0]
    assert "contact.email" in saved and "institution.name" not in saved
    with app.state.sessions() as s:
        details = [e.detail for e in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "identity_saved"))]
    assert details[-1] == "fields: contact.email"
    # the emblem was not uploaded: the file's is kept, now from the database
    assert b"Escudo de prueba" in TestClient(app).get("/identidad/emblema.svg").content
    assert "Instituto de Identidad Guardada" in public_home(app)


def test_the_stored_identity_is_kept_on_each_database(db_url, tmp_path, monkeypatch):
    """SQLite and PostgreSQL: the row (JSON values, emblem bytes, UTC instant) reads back."""
    monkeypatch.setenv(identity.ENV, str(own_identity(tmp_path)))
    app = with_staff(create_app(db_url))
    assert post(admin(app), form(), NEW_SVG).status_code == 200
    later = create_app(db_url)  # another server process on the same database
    page = TestClient(later).get("/?lang=es").text
    assert "Instituto de Identidad Guardada" in page and "+34 900 555 014" in page
    assert TestClient(later).get("/identidad/emblema.svg").content == NEW_SVG
    app.state.engine.dispose()
    later.state.engine.dispose()


def test_each_site_in_a_process_shows_its_own_database_identity(site, tmp_path):
    app, _voters, _url = site
    assert post(admin(app), form(), NEW_SVG).status_code == 200
    other = create_app(f"sqlite:///{tmp_path / 'otro.sqlite'}")  # made last in this process
    assert "Instituto de Pruebas Lejanas" in TestClient(other).get("/?lang=es").text
    assert "Instituto de Identidad Guardada" in public_home(app)


def _back_to_file(client: TestClient, with_csrf: bool = True,
                  token_from: str = "/admin/identidad/?lang=es"):
    page = client.get(token_from, headers=BROWSER)
    data = {"csrf": csrf(page.text)} if with_csrf else {"csrf": "otro"}
    return client.post("/admin/identidad/archivo?lang=es", data=data, headers=BROWSER)


def test_going_back_to_the_identity_file_discards_the_saved_one(site):
    app, _voters, _url = site
    client = admin(app)
    before = client.get("/admin/identidad/?lang=es", headers=BROWSER).text
    assert 'id="identity-back-to-file"' not in before  # nothing saved: nothing to discard
    assert post(client, form(), NEW_SVG).status_code == 200
    assert "Instituto de Identidad Guardada" in public_home(app)
    assert 'id="identity-back-to-file"' in client.get("/admin/identidad/?lang=es",
                                                      headers=BROWSER).text
    # Neither without the session's token nor by a reviewer.
    assert _back_to_file(client, with_csrf=False).status_code == 403
    refused = _back_to_file(admin(app, "revisora"), token_from="/admin/")
    assert refused.status_code == 403
    assert text("core.role.administrator", "es") in refused.text
    assert "Instituto de Identidad Guardada" in public_home(app)

    done = _back_to_file(client)
    assert done.status_code == 200
    assert text("web.identity.page.back_to_file_done", "es") in done.text
    assert 'id="identity-back-to-file"' not in done.text
    assert "Instituto de Pruebas Lejanas" in done.text  # the form holds the file's values
    assert "Instituto de Pruebas Lejanas" in public_home(app)
    assert b"Escudo de prueba" in TestClient(app).get("/identidad/emblema.svg").content
    with app.state.sessions() as s:
        events = [(e.actor, e.action, e.detail) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.subject == "institution")
            .order_by(AuditEvent.id))]
    assert events[-1] == ("jefa", "identity_discarded", "saved_by: jefa")
    again = _back_to_file(client)
    assert text("web.identity.page.back_to_file_none", "es") in again.text
    with app.state.sessions() as s:
        assert len(s.scalars(select(AuditEvent).where(
            AuditEvent.action == "identity_discarded")).all()) == 1
