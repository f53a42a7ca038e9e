"""Citizen pages: the request form, e-mail confirmation, status by folio + date of birth,
correction in place; and every kind of bad input the issue lists."""

from __future__ import annotations

import re

from sqlalchemy import select, text

from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.registry.models import Request

from .conftest import PNG, csrf_of, files_for, form_for


def _submit(env, data, files, lang="es"):
    csrf = csrf_of(env.client.get(f"/registro/solicitud?lang={lang}").text)
    return env.client.post(f"/registro/solicitud?lang={lang}", data={**data, "csrf": csrf},
                           files=files)


def _folio(html: str) -> str:
    return re.search(r"SRVE-[0-9A-Z]{10}", html).group(0)


def test_request_confirm_and_status(env, smtp_server):
    record = env.good_records(issued_abroad=False)[0]
    page = env.client.get("/registro/solicitud")
    assert page.status_code == 200 and "Solicitud individual de inscripción" in page.text
    r = _submit(env, form_for(record), files_for(record))
    assert r.status_code == 200, r.text
    folio = _folio(r.text)
    # The confirmation mail arrived, in Spanish, with a working link.
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert folio in mail["Subject"] and mail["To"] == form_for(record)["email"]
    body = mail.get_payload(decode=True).decode()
    token = re.search(r"/registro/confirmar/([A-Za-z0-9_-]+)", body).group(1)
    ok = env.client.get(f"/registro/confirmar/{token}")
    assert ok.status_code == 200 and "confirmado" in ok.text
    assert env.client.get(f"/registro/confirmar/{token}").status_code == 404  # used once
    status = env.client.post("/registro/estado", data={
        "folio": folio.lower(), "birth_date": record.birth_date.isoformat(),
        "csrf": env.csrf()})
    assert status.status_code == 200 and "Recibida" in status.text
    # Uploads are stored under their content hash, never under the given name.
    with transaction(env.app.state.sessions) as s:
        req = s.scalar(select(Request).where(Request.folio == folio))
        assert req.card_front_sha and req.proof_sha and req.email_confirmed_at is not None
    import hashlib
    assert req.card_front_sha == hashlib.sha256(PNG).hexdigest()


def test_english_and_accents(env, smtp_server):
    record = next(r for r in env.good_records() if any(c in r.first_surname + r.given_names
                                                        for c in "ñÑáéíóúÁÉÍÓÚ"))
    r = _submit(env, form_for(record, modality="postal"), files_for(record), lang="en")
    assert r.status_code == 200 and "tracking number" in r.text
    folio = _folio(r.text)
    with transaction(env.app.state.sessions) as s:
        req = s.scalar(select(Request).where(Request.folio == folio))
        assert req.first_surname == record.first_surname and req.lang == "en"
    assert "Confirm your e-mail" in smtp_server.messages[0]["Subject"]


def test_missing_and_malformed_fields_keep_input(env):
    record = env.good_records()[0]
    data = form_for(record, given_names="", birth_date="23/07/1985", elector_key="ABC",
                    email="no-es-correo", phone="12", postal_code="ABCDE", consent="")
    r = _submit(env, data, files_for(record))
    assert r.status_code == 422
    for message in ("Este dato es obligatorio", "AAAA-MM-DD", "18 caracteres",
                    "correo electrónico válido", "código de país", "aviso de privacidad",
                    "código postal"):
        assert message in r.text, message
    # What was typed is still there.
    assert 'value="23/07/1985"' in r.text and 'value="no-es-correo"' in r.text
    assert 'value="1200 W Cermak Rd"' in r.text
    with transaction(env.app.state.sessions) as s:
        assert s.scalar(select(Request.id)) is None
    en = _submit(env, data, files_for(record), lang="en")
    assert "This field is required" in en.text


def test_script_in_text_fields_is_inert(env, smtp_server):
    record = env.good_records()[1]
    attack = "<script>alert(1)</script>"
    bad_name = _submit(env, form_for(record, given_names=attack), files_for(record))
    assert bad_name.status_code == 422
    assert attack not in bad_name.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in bad_name.text
    r = _submit(env, form_for(record, street=attack + " 5th Ave", city="<b>Chicago</b>",
                              region="<img src=x onerror=alert(1)>"), files_for(record))
    assert r.status_code == 200
    folio = _folio(r.text)
    env.login("revisor")
    with transaction(env.app.state.sessions) as s:
        req = s.scalar(select(Request).where(Request.folio == folio))
        assert req.street.startswith(attack)  # stored verbatim
        from vmre.core.audit import utcnow
        req.email_confirmed_at = utcnow()
    page = env.client.get(f"/admin/registry/requests/{folio}")
    assert attack not in page.text and "<b>Chicago</b>" not in page.text
    assert "&lt;script&gt;" in page.text and "&lt;img src=x" in page.text


def test_sql_metacharacters_are_data(env, smtp_server):
    record = env.good_records()[2]
    street = "O'Brien St 1'; DROP TABLE registry_requests; --"
    r = _submit(env, form_for(record, street=street, region="Q\"R\\S%_"), files_for(record))
    assert r.status_code == 200
    lookup = env.client.post("/registro/estado", data={
        "folio": "' OR '1'='1", "birth_date": record.birth_date.isoformat(),
        "csrf": env.csrf()})
    assert lookup.status_code == 404
    with transaction(env.app.state.sessions) as s:
        assert s.scalar(select(Request.street)) == street
        assert s.execute(text("select count(*) from registry_requests")).scalar() == 1


def test_uploads_too_large_or_wrong_type(env):
    record = env.good_records(issued_abroad=False)[0]
    big = b"\x89PNG\r\n\x1a\n" + bytes(70 * 1024)
    r = _submit(env, form_for(record), files_for(
        record, card_front=("a.png", big, "image/png"),
        card_back=("b.png", b"MZ\x90\x00 not an image", "image/png"),
        proof=None))
    assert r.status_code == 422
    assert "pesa más de" in r.text and "JPEG o PNG" in r.text and "Adjunte" in r.text
    # A PDF is fine for the proof of address but not as a card image.
    pdf_card = _submit(env, form_for(record), files_for(
        record, card_front=("f.pdf", b"%PDF-1.7\n", "application/pdf")))
    assert pdf_card.status_code == 422 and "JPEG o PNG" in pdf_card.text


def test_duplicate_request_is_refused_with_explanation(env, smtp_server):
    record = env.good_records()[3]
    assert _submit(env, form_for(record), files_for(record)).status_code == 200
    again = _submit(env, form_for(record, email="otro@correo.example", phone="+13125550000"),
                    files_for(record))
    assert again.status_code == 422 and "solo se admite una por persona" in again.text
    # Internet voters need their own e-mail and phone.
    other = env.good_records()[4]
    shared = _submit(env, form_for(other, email=form_for(record)["email"].upper(),
                                   phone=form_for(record)["phone"]), files_for(other))
    assert shared.status_code == 422
    assert "cada persona necesita uno propio" in shared.text


def test_entity_without_election_and_address_in_mexico(env):
    record = env.good_records()[5]
    r = _submit(env, form_for(record, entity_id="ZAC", country="MX"), files_for(record))
    assert r.status_code == 422
    assert "no tiene elección" in r.text and "fuera de México" in r.text


def test_after_the_deadline(env, db_url):
    from .conftest import make_process

    with transaction(env.app.state.sessions) as s:
        make_process(s, "PEL-CERRADO", open_now=False)
    record = env.good_records()[6]
    r = _submit(env, form_for(record, election_id="PEL-CERRADO"), files_for(record))
    assert r.status_code == 422 and "cerró" in r.text


def test_status_needs_folio_and_birth_date_and_is_rate_limited(env, smtp_server):
    record = env.good_records()[7]
    folio = _folio(_submit(env, form_for(record), files_for(record)).text)
    csrf = env.csrf()
    wrong = env.client.post("/registro/estado", data={"folio": folio, "birth_date": "1999-01-01",
                                                      "csrf": csrf})
    assert wrong.status_code == 404 and "No encontramos" in wrong.text
    codes = [env.client.post("/registro/estado", data={
        "folio": f"SRVE-{i:010d}", "birth_date": "1980-01-01", "csrf": csrf}).status_code
        for i in range(12)]
    assert codes[:9] == [404] * 9 and codes[-1] == 429
    # Even the right pair is refused while the limit holds.
    right = env.client.post("/registro/estado", data={
        "folio": folio, "birth_date": record.birth_date.isoformat(), "csrf": csrf})
    assert right.status_code == 429
    with transaction(env.app.state.sessions) as s:
        assert events(s, "registry.status_rate_limited")


def test_forms_need_csrf(env):
    record = env.good_records()[0]
    r = env.client.post("/registro/solicitud", data=form_for(record), files=files_for(record))
    assert r.status_code == 403


def test_uploads_of_abandoned_forms_are_pruned(env, tmp_path):
    import os

    from typer.testing import CliRunner

    from vmre.registry import documents
    from vmre.registry.cli import registry_app

    # An upload no request refers to (its request never got stored: a crash between the
    # write and the commit, or a twin refused at the INSERT). Refused forms store nothing.
    documents.store(PNG)
    used = env.good_records()[3]
    _submit(env, form_for(used), files_for(used, card_front=("u.png", PNG + b"usado", "image/png")))
    uploads = tmp_path / "uploads"
    files = [p for p in uploads.rglob("*") if p.is_file()]
    for path in files:
        os.utime(path, (0, 0))  # make every file old
    db = env.app.state.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(registry_app, ["prune-uploads", "--hours", "1", "--db", db])
    assert result.exit_code == 0, result.output
    left = {p.name for p in uploads.rglob("*") if p.is_file()}
    with transaction(env.app.state.sessions) as s:
        req = s.scalar(select(Request))
        assert left == {req.card_front_sha, req.card_back_sha, req.proof_sha} - {""}
    assert "borrados: 1" in result.output  # the card front no request used
