"""What a reviewer must see: the process rule sends clean requests to a person (all, a
sample, or only findings), the documents are shown in the review page (images inline, the
PDF linked, each with its type and extension) to reviewers only, a correction request names
the fields and carries the reviewer's note to the citizen (status page and mail), and a
refused staff action answers with a page naming the role it needs."""

from __future__ import annotations

import re

from sqlalchemy import select

from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.registry import service
from vmre.registry.models import Process, Request
from vmre.registry.rules import human_review

from .conftest import ELECTION, csrf_of, files_for, form_for, make_process

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _submit(env, record, election: str) -> str:
    files = {k: v[1] for k, v in files_for(record).items()}
    with transaction(env.app.state.sessions) as s:
        req, token = service.submit(s, election, form_for(record, election_id=election), files)
        service.confirm_email(s, token)
        return req.folio


def _request(env, folio) -> Request:
    with transaction(env.app.state.sessions) as s:
        return s.scalar(select(Request).where(Request.folio == folio))


def _validate(env, election: str):
    queue = env.client.get("/admin/registry/")
    return env.client.post("/admin/registry/validate", data={
        "election": election, "csrf": csrf_of(queue.text)}, headers=HTML)


def test_a_new_process_sends_every_clean_request_to_a_person(env):
    with transaction(env.app.state.sessions) as s:
        process = make_process(s, "PEL-TODAS", review_rule="all")
        default = service.create_process(
            s, "PEL-DEFECTO", "Otro", opens_at=process.opens_at, closes_at=process.closes_at,
            corrections_until=process.corrections_until, card_min_validity_year=2024,
            entities=["JAL"])
        assert default.review_rule == "all"  # the default: a person sees every request
    record = env.good_records()[0]
    folio = _submit(env, record, "PEL-TODAS")
    env.login("super")
    assert _validate(env, "PEL-TODAS").status_code == 200
    req = _request(env, folio)
    assert (req.status, req.finding) == ("in_review", "review_all")
    queue = env.client.get("/admin/registry/?status=in_review")
    assert folio in queue.text
    assert text("registry.reason.review_all", "es") in queue.text


def test_a_sample_rule_sends_the_drawn_share_and_findings_send_none(env):
    with transaction(env.app.state.sessions) as s:
        make_process(s, "PEL-MUESTRA", review_rule="sample")
        s.get(Process, "PEL-MUESTRA").review_sample_percent = 50
    records = env.good_records()[:12]
    sampled = [_submit(env, r, "PEL-MUESTRA") for r in records[:8]]
    clean = [_submit(env, r, ELECTION) for r in records[8:]]  # the fixture's rule: findings
    env.login("super")
    _validate(env, "PEL-MUESTRA")
    _validate(env, ELECTION)
    drawn = {f for f in sampled if human_review("sample", 50, f)}
    for folio in sampled:
        req = _request(env, folio)
        expected = ("in_review", "review_sample") if folio in drawn else ("accepted", "")
        assert (req.status, req.finding) == expected
    assert all(_request(env, f).status == "accepted" for f in clean)


def test_documents_are_shown_in_the_review_page_to_reviewers_only(env):
    record = next(r for r in env.good_records() if not r.issued_abroad)  # with a proof PDF
    folio = _submit(env, record, ELECTION)
    req = _request(env, folio)
    env.login("revisor")
    page = env.client.get(f"/admin/registry/requests/{folio}")
    for sha in (req.card_front_sha, req.card_back_sha):
        assert f'<img src="/admin/registry/documents/{sha}?inline=1"' in page.text
    assert f'<img src="/admin/registry/documents/{req.proof_sha}' not in page.text
    assert f'href="/admin/registry/documents/{req.proof_sha}?inline=1"' in page.text
    for kind, ext in (("image/png", ".png"), ("image/jpeg", ".jpg"),
                      ("application/pdf", ".pdf")):
        assert text("registry.review.doc_type", "es", kind=kind, ext=ext) in page.text
    image = env.client.get(f"/admin/registry/documents/{req.card_front_sha}?inline=1")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline;")
    assert image.headers["content-disposition"].endswith('.png"')
    pdf = env.client.get(f"/admin/registry/documents/{req.proof_sha}?inline=1")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].endswith('.pdf"')

    env.login("opl_jal")  # a local body reads lists, never identity documents
    refused = env.client.get(f"/admin/registry/documents/{req.card_front_sha}?inline=1",
                             headers=HTML)
    assert refused.status_code == 403 and "image" not in refused.headers["content-type"]
    env.client.post("/admin/logout", data={"csrf": csrf_of(env.client.get("/admin/").text)})
    anonymous = env.client.get(f"/admin/registry/documents/{req.card_front_sha}",
                               follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/admin/login"


def test_a_correction_names_the_field_and_carries_the_note_to_the_citizen(env, smtp_server):
    record = env.good_records()[0]
    folio = _submit(env, record, ELECTION)
    env.login("revisor")
    page = env.client.get(f"/admin/registry/requests/{folio}")
    assert 'name="fields" value="postal_code"' in page.text
    note = "El código postal no corresponde a la ciudad; escríbalo como en su comprobante."
    done = env.client.post(f"/admin/registry/requests/{folio}/decision", data={
        "decision": "correct", "fields": ["postal_code"], "note": note,
        "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303
    req = _request(env, folio)
    assert (req.status, req.correction_items, req.correction_fields, req.correction_note) == (
        "to_correct", "address", "postal_code", note)
    postal = text("registry.form.postal_code", "es")
    status = env.client.post("/registro/estado", data={
        "folio": folio, "birth_date": record.birth_date.isoformat(), "csrf": env.csrf()})
    assert f"{text('registry.status.correct_fields', 'es')}: <strong>{postal}</strong>" in (
        status.text)
    assert re.search(r'<q id="correction-note">([^<]*)</q>', status.text).group(1) == note
    [mail] = [m for m in smtp_server.messages if m["To"] == req.email]
    body = mail.get_payload(decode=True).decode()
    assert text("registry.mail.correct_fields", "es", fields=postal) in body
    assert text("registry.mail.correct_note", "es", note=note) in body

    unknown = env.client.post(f"/admin/registry/requests/{folio}/decision", data={
        "decision": "correct", "fields": ["elector_key"], "note": "x",
        "csrf": csrf_of(page.text)})
    assert unknown.status_code == 422


def test_the_validation_button_is_offered_only_to_whom_it_works_for(env):
    env.login("revisor")
    assert 'action="/admin/registry/validate"' not in env.client.get("/admin/registry/").text
    env.login("super")
    assert 'action="/admin/registry/validate"' in env.client.get("/admin/registry/").text


def test_a_reviewer_without_the_role_gets_a_page_naming_the_role(env):
    env.login("revisor")
    answer = _validate(env, ELECTION)
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    needed = text("core.staff.needs_role", "es",
                  roles=f"{text('core.role.supervisor', 'es')} o "
                        f"{text('core.role.administrator', 'es')}",
                  mine=text("core.role.reviewer", "es"))
    assert needed in answer.text and '<a href="/admin/">' in answer.text
    # a program (no HTML asked) still gets JSON
    program = env.client.post("/admin/registry/validate", data={
        "election": ELECTION, "csrf": csrf_of(env.client.get("/admin/registry/").text)},
        headers={"Accept": "application/json"})
    assert program.status_code == 403 and program.json()["detail"] == needed
    # a form sent without its fields: a page too, not a JSON list of errors
    empty = env.client.post("/admin/registry/bulk", headers=HTML,
                            data={"csrf": csrf_of(env.client.get("/admin/registry/").text)})
    assert empty.headers["content-type"].startswith("text/html"), empty.text
