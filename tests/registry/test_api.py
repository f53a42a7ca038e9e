"""The JSON API under /api/v1/registry: the same service as the pages, documented in
/openapi.json."""

from __future__ import annotations

import base64

from vmre.core.audit import events
from vmre.core.database import transaction

from .conftest import ELECTION, JPEG, PDF, PNG, form_for, submit_direct


def _json_request(record, **overrides):
    body = form_for(record, **overrides)
    body["consent"] = True
    body["card_front_b64"] = base64.b64encode(PNG).decode()
    body["card_back_b64"] = base64.b64encode(JPEG).decode()
    body["proof_b64"] = base64.b64encode(PDF).decode()
    body.pop("csrf", None)
    return body


def test_submit_status_and_errors(env, smtp_server):
    record = env.good_records()[0]
    r = env.client.post("/api/v1/registry/requests", json=_json_request(record))
    assert r.status_code == 201, r.text
    folio = r.json()["folio"]
    assert r.json()["status"] == "received" and folio in r.json()["message"]
    assert len(smtp_server.messages) == 1
    dup = env.client.post("/api/v1/registry/requests", json=_json_request(record))
    assert dup.status_code == 422 and "elector_key" in dup.json()["errors"]
    bad = env.client.post("/api/v1/registry/requests", json={
        **_json_request(env.good_records()[1], lang="en"), "card_front_b64": "%%%",
        "email": "x", "given_names": "Ana'); DELETE FROM registry_requests;--"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) >= {"card_front", "email", "given_names"}
    assert "valid e-mail" in bad.json()["errors"]["email"]
    status = env.client.post("/api/v1/registry/status", json={
        "folio": folio, "birth_date": record.birth_date.isoformat()})
    assert status.status_code == 200
    assert status.json()["status_text"] == "Recibida" and not status.json()["email_confirmed"]
    wrong = env.client.post("/api/v1/registry/status", json={"folio": folio,
                                                             "birth_date": "2000-01-01"})
    assert wrong.status_code == 404


def test_staff_api_decisions_need_role_and_csrf(env, smtp_server):
    folio = submit_direct(env, env.good_records()[0])
    env.login("revisor")
    queue = env.client.get(f"/api/v1/registry/requests?election={ELECTION}&status=received")
    assert queue.status_code == 200 and [i["folio"] for i in queue.json()["items"]] == [folio]
    no_token = env.client.post(f"/api/v1/registry/requests/{folio}/decision",
                               json={"decision": "accept"})
    assert no_token.status_code == 403
    token = env.client.get("/api/v1/registry/csrf").json()["csrf"]
    ok = env.client.post(f"/api/v1/registry/requests/{folio}/decision",
                         json={"decision": "correct", "items": ["contact"]},
                         headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.json()["status"] == "to_correct"
    assert ok.json()["correction_items"] == ["contact"]
    close = env.client.post(f"/api/v1/registry/lists/{ELECTION}/close",
                            headers={"X-CSRF-Token": token})
    assert close.status_code == 403
    with transaction(env.app.state.sessions) as s:
        assert [e.subject for e in events(s, "forbidden")] == [
            f"/api/v1/registry/lists/{ELECTION}/close"]


def test_openapi_lists_registry_endpoints(env):
    staff_paths = ("/api/v1/registry/requests/{folio}/decision",
                   "/api/v1/registry/lists/{election}/close",
                   "/api/v1/registry/credentials/{election}")
    paths = env.client.get("/openapi.json").json()["paths"]  # anyone: the citizens' part
    assert "/api/v1/registry/status" in paths
    assert list(paths["/api/v1/registry/requests"]) == ["post"]  # the queue is staff's
    assert not any(path in paths for path in staff_paths)
    env.login("revisor")  # signed-in staff: the whole API
    paths = env.client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/registry/requests", "/api/v1/registry/status", *staff_paths):
        assert path in paths, path
    assert set(paths["/api/v1/registry/requests"]) == {"get", "post"}
    assert not any(p.startswith(("/registro", "/admin/registry")) for p in paths)


def test_admin_issues_credentials_and_gets_the_signed_list(env, smtp_server, tmp_path,
                                                           monkeypatch):
    from vmre.crypto.group import base_mul
    from vmre.registry import issuer_key, service
    from vmre.voting.credential_list import verify_credential_list

    from .test_handover import ELECTION as VOTING
    from .test_handover import PASSPHRASE, submit, voting_election

    voting_election(env.app, tmp_path / "ceremony")
    folios = [submit(env, r) for r in env.good_records()[:2]]
    with transaction(env.app.state.sessions) as s:
        for folio in folios:
            service.accept(s, service.request_by_folio(s, folio), "revisor")
    env.login("admin")
    token = env.client.get("/api/v1/registry/csrf").json()["csrf"]
    monkeypatch.delenv("VMRE_REGISTRY_ISSUER_KEY", raising=False)
    unkeyed = env.client.post(f"/api/v1/registry/credentials/{VOTING}/issue",
                              headers={"X-CSRF-Token": token})
    assert unkeyed.status_code == 409  # signing the hand-over's list needs the issuer key
    assert env.client.get(f"/api/v1/registry/credentials/{VOTING}").status_code == 409
    key = tmp_path / "issuer.key"
    secret = issuer_key.load(key, PASSPHRASE)  # made and pinned with the election
    monkeypatch.setenv("VMRE_REGISTRY_ISSUER_KEY", str(key))
    monkeypatch.setenv("VMRE_REGISTRY_ISSUER_PASSPHRASE", PASSPHRASE)
    smtp_server.messages.clear()
    issued = env.client.post(f"/api/v1/registry/credentials/{VOTING}/issue",
                             headers={"X-CSRF-Token": token})
    assert issued.status_code == 200 and issued.json() == {"issued": 2}
    assert sum("Su acceso para votar" in str(m["Subject"]) for m in smtp_server.messages) == 2
    document = env.client.get(f"/api/v1/registry/credentials/{VOTING}").json()
    assert len(verify_credential_list(document, base_mul(secret)).entries) == 2
    with transaction(env.app.state.sessions) as s:  # a voter of a process with no election
        service.accept(s, service.request_by_folio(
            s, submit_direct(env, env.good_records()[2])), "revisor")
    missing = env.client.post(f"/api/v1/registry/credentials/{ELECTION}/issue",
                              headers={"X-CSRF-Token": token})
    assert missing.status_code == 404
    assert missing.json()["error"] == "No existe la elección PEL-2024."


def test_api_refuses_oversized_and_disguised_uploads(env):
    record = env.good_records(issued_abroad=False)[0]
    body = _json_request(record)
    body["card_front_b64"] = base64.b64encode(PNG + bytes(70 * 1024)).decode()
    body["proof_b64"] = base64.b64encode(b"<html><script>alert(1)</script></html>").decode()
    r = env.client.post("/api/v1/registry/requests", json=body)
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert "MB" in errors["card_front"] and "PDF" in errors["proof"]
    assert set(errors) == {"card_front", "proof"}
