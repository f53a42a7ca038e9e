"""A NUL character in a path, a query, a form field (URL-encoded or multipart) or a JSON key or
string gets 400 with the catalogue's message `web.request.nul` on SQLite and PostgreSQL
(PostgreSQL's text cannot hold one); a file uploaded in a multipart form keeps its NUL bytes;
the strict JSON reader refuses NUL too (`web.json.nul`) for bodies of any type."""

from __future__ import annotations

import pytest
from hostile_site import ELECTION, hostile_site

from vmre.core.messages import text
from vmre.web import json_body

REFUSAL = {"error": "web.request.nul", "message": text("web.request.nul", "es")}
E = ELECTION


@pytest.fixture
def site(db_url, tmp_path):
    made = hostile_site(db_url, tmp_path)
    yield made
    made.close()


def _refused(answer) -> None:
    assert answer.status_code == 400, answer.text[:300]
    assert answer.json() == REFUSAL


GETS = (  # (audience, url)
    ("anonymous", "/api/v1/elections/%00"),
    ("anonymous", f"/api/v1/elections/{E}/board/ab%00cd"),
    ("anonymous", f"/api/v1/elections/{E}/spoiled/%00"),
    ("anonymous", f"/api/v1/elections/{E}/credentials/%00"),
    ("anonymous", f"/api/v1/elections/{E}/aggregate%00"),
    ("anonymous", f"/tablero/{E}/auditada/%00"),
    ("anonymous", f"/tablero/{E}?codigo=%00"),
    ("anonymous", f"/resultados/{E}/JAL%00"),
    ("anonymous", f"/resultados/internet/{E}%00"),
    ("anonymous", f"/expediente/{E}%00.zip"),
    ("anonymous", "/registro/solicitud?election=%00"),
    ("anonymous", "/registro/confirmar/%00"),
    ("anonymous", "/voto/activar/%00"),
    ("anonymous", f"/actas/{E}/inicio%00.pdf"),
    ("voter", "/voto/activar/factor?metodo=%00"),
    ("voter", f"/voto/partidos/{E}%00.css"),
    ("staff", f"/admin/registry/?election={E}&status=%00"),
    ("staff", "/admin/registry/requests/SRVE-%00"),
    ("staff", f"/admin/registry/lists?election={E}%00"),
    ("staff", f"/admin/sivei/{E}%00"),
    ("staff", f"/admin/count/{E}/JAL%00"),
    ("staff", f"/api/v1/registry/requests?election={E}&country=%00"),
    ("staff", f"/api/v1/registry/lists/{E}%00"),
)


def test_nul_in_paths_and_queries(site):
    clients = {"anonymous": site.anonymous, "voter": site.voter, "staff": site.staff}
    for audience, url in GETS:
        _refused(clients[audience].get(url, follow_redirects=False))
    # The raw byte, where a client sends it unencoded, is refused the same way.
    _refused(site.anonymous.get("/api/v1/elections/x", params={"q": "a\x00b"}))


def test_nul_in_form_fields(site):
    posts = (  # (client, url, form)
        (site.anonymous, "/admin/login", {"username": "todo\x00", "password": "x", "csrf": ""}),
        (site.anonymous, "/voto/entrar", {"username": "a@b.example", "password": "p\x00",
                                          "code": "1", "csrf": ""}),
        (site.anonymous, "/voto/recuperar", {"email": "a\x00@b.example", "csrf": ""}),
        (site.anonymous, "/registro/estado", {"folio": "SRVE-\x00", "birth_date": "2000-01-01",
                                              "csrf": ""}),
        (site.anonymous, "/cards/activate", {"request_id": "\x00", "elector_key": "x",
                                             "csrf": ""}),
        (site.anonymous, "/recibo", {"pasted": '{"a": "\x00"}', "csrf": ""}),
        (site.staff, "/admin/password", {"current": "x", "new": "y\x00" * 8, "confirm": "z",
                                         "csrf": site.staff_csrf}),
        (site.staff, f"/admin/sivei/{E}/voluntarios", {
            "pasted": "email,phone,entity\nv\x00@x.example,+52 55 1234 5678,JAL\n",
            "csrf": site.staff_csrf}),
    )
    for client, url, form in posts:
        _refused(client.post(url, data=form, follow_redirects=False))
    # The percent-encoded form of the byte, split where a chunk might end.
    raw = site.anonymous.post("/admin/login", content=b"username=todo%00&password=x",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    _refused(raw)


def test_nul_in_multipart_fields_but_not_in_files(site):
    form = {"folio": "SRVE-1", "birth_date": "2000-01-01", "csrf": ""}
    files = {"upload": ("recibo.json", b'{"x": 1}', "application/json")}
    _refused(site.anonymous.post("/registro/estado", data=form | {"folio": "SRVE-\x00"},
                                 files=files))
    named = (b'--B\r\nContent-Disposition: form-data; name="fo\x00lio"\r\n\r\nSRVE-1\r\n'
             b"--B--\r\n")  # a field whose name holds the byte
    _refused(site.anonymous.post("/registro/estado", content=named,
                                 headers={"Content-Type": "multipart/form-data; boundary=B"}))
    # A file is binary: its NUL bytes are the file's, and the request goes on to its checks.
    kept = site.staff.post(f"/admin/sivei/{E}/voluntarios", data={"csrf": site.staff_csrf},
                           files={"upload": ("lista.csv", b"email\x00,phone\n", "text/csv")})
    assert kept.status_code < 500 and kept.headers["content-type"] != "application/json"


def test_nul_in_json_keys_and_strings(site):
    bodies = (
        (site.anonymous, "/api/v1/registry/status", '{"folio": "SRVE-\\u0000", '
                                                    '"birth_date": "2000-01-01"}'),
        (site.anonymous, "/api/v1/registry/requests/confirm", '{"token": "\\u0000"}'),
        (site.anonymous, f"/api/v1/elections/{E}/spoiled",
         '{"ballot": {"a\\u0000": 1}, "disclosure": {}}'),
        (site.anonymous, "/api/v1/receipts/check", '{"tracking_code": "\\u0000"}'),
        (site.voter, f"/api/v1/elections/{E}/ballots", '{"ballot": {"x": "\\u0000"}}'),
        (site.voter, "/voto/emitir", '{"ballot": {"x": "\\u0000"}}'),
        (site.staff, "/api/v1/count/courier-events",
         '{"events": [{"tracking": "\\u0000", "at": "2024-01-01T00:00:00Z", '
         '"status": "delivered", "location": ""}]}'),
    )
    for client, url, body in bodies:
        token = site.voter_csrf if client is site.voter else site.staff_csrf
        _refused(client.post(url, content=body.encode(), headers={
            "Content-Type": "application/json", "X-CSRF-Token": token}))
    # An escaped backslash before "u0000" is text, not NUL: the request goes on.
    text_only = site.anonymous.post("/api/v1/receipts/check",
                                    content=b'{"tracking_code": "\\\\u0000"}',
                                    headers={"Content-Type": "application/json"})
    assert text_only.status_code < 500 and text_only.json().get("error") != "web.request.nul"


def test_the_json_reader_refuses_nul_whatever_the_declared_type(site):
    # A body sent as text/plain is not checked on the way in; the strict reader refuses it.
    answer = site.voter.post("/voto/emitir", content=b'{"ballot": {"k\\u0000": 1}}',
                             headers={"Content-Type": "text/plain",
                                      "X-CSRF-Token": site.voter_csrf})
    assert answer.status_code == 400
    assert answer.json() == {"error": "web.json.nul", "message": text("web.json.nul", "es")}
    for document in (b'{"a": "\\u0000"}', b'{"\\u0000": 1}', b'[["x\\u0000y"]]'):
        with pytest.raises(json_body.UserError) as refused:
            json_body.parse(document)
        assert refused.value.key == "web.json.nul"
