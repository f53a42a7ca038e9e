"""Anonymous floods of the request form: a limit per client address and per e-mail address
(HTTP 429 with the catalogue's message, no more mails), and nothing on disk for a form that
is refused."""

from __future__ import annotations

import base64
import html

from sqlalchemy import func, select

from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.registry.models import Request
from vmre.registry.router import SUBMIT_EMAIL_LIMIT, SUBMIT_LIMIT

from .conftest import JPEG, PDF, PNG, csrf_of, files_for, form_for


def _submit(env, data, files):
    csrf = csrf_of(env.client.get("/registro/solicitud").text)
    return env.client.post("/registro/solicitud", data={**data, "csrf": csrf}, files=files)


def _stored(env) -> int:
    with transaction(env.app.state.sessions) as s:
        return s.scalar(select(func.count()).select_from(Request))


def _upload_files(tmp_path) -> set[str]:
    root = tmp_path / "uploads"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_many_submissions_from_one_address_get_429_and_no_more_mail(env, smtp_server):
    limit = SUBMIT_LIMIT[0]
    records = env.good_records()[:limit + 3]
    for record in records[:limit]:
        assert _submit(env, form_for(record), files_for(record)).status_code == 200
    assert len(smtp_server.messages) == limit
    for record in records[limit:]:
        r = _submit(env, form_for(record), files_for(record))
        assert r.status_code == 429
        assert text("registry.request.rate_limited", "es") in html.unescape(r.text)
    # The JSON API shares the count of the address.
    extra = env.good_records()[limit + 3]
    body = {k: v for k, v in form_for(extra).items() if k not in ("consent", "card_issued")}
    body.update(consent=True, card_issued=form_for(extra)["card_issued"],
                card_front_b64=base64.b64encode(PNG).decode(),
                card_back_b64=base64.b64encode(JPEG).decode(),
                proof_b64=base64.b64encode(PDF).decode())
    api = env.client.post("/api/v1/registry/requests", json=body)
    assert api.status_code == 429
    assert api.json() == {"error": text("registry.request.rate_limited", "es")}
    assert len(smtp_server.messages) == limit and _stored(env) == limit
    with transaction(env.app.state.sessions) as s:
        refused = events(s, "registry.submit_rate_limited")
    assert [e.detail for e in refused] == ["by=address"] * 4


def test_one_email_address_gets_a_few_requests_only(env, smtp_server):
    limit = SUBMIT_EMAIL_LIMIT[0]
    victim = "victima@correo.example"
    records = env.good_records()[:limit + 1]
    # Postal voters may share an address (a family), so only the limit stops the mails.
    for record in records[:limit]:
        r = _submit(env, form_for(record, modality="postal", email=victim), files_for(record))
        assert r.status_code == 200
    r = _submit(env, form_for(records[limit], modality="postal", email=victim.upper()),
                files_for(records[limit]))
    assert r.status_code == 429
    assert text("registry.request.rate_limited", "es") in html.unescape(r.text)
    assert [m["To"] for m in smtp_server.messages] == [victim] * limit
    assert _stored(env) == limit
    with transaction(env.app.state.sessions) as s:
        assert [e.detail for e in events(s, "registry.submit_rate_limited")] == ["by=email"]
    # Refused forms do not count against the e-mail address: only requests taken do.
    other = env.good_records()[limit + 1]
    assert _submit(env, form_for(other, email="mal"), files_for(other)).status_code == 422


def test_a_refused_form_leaves_the_upload_directory_unchanged(env, smtp_server, tmp_path):
    record = env.good_records(issued_abroad=False)[0]
    before = _upload_files(tmp_path)
    big = PNG + bytes(1000)
    for data in (form_for(record, email="mal"), form_for(record, consent=""),
                 form_for(record, elector_key="ABC")):
        r = _submit(env, data, files_for(record, card_front=("f.png", big, "image/png")))
        assert r.status_code == 422
        assert text("registry.form.files_again", "es") in html.unescape(r.text)
    # One good file with one bad file: neither is kept.
    r = _submit(env, form_for(record), files_for(record, card_back=("x.gif", b"GIF89a",
                                                                     "image/gif")))
    assert r.status_code == 422
    assert _upload_files(tmp_path) == before and _stored(env) == 0
    assert smtp_server.messages == []
    # A valid form writes its three files.
    assert _submit(env, form_for(record), files_for(record)).status_code == 200
    assert len(_upload_files(tmp_path) - before) == 3
