"""Credentials of internet voters: the secret reaches only the voter's inbox, the registry
keeps the public credential, and the voting side gets a signed list. Also the issuer key
file and the enrolment of synthetic voters for the mock election."""

from __future__ import annotations

import json
import os
import re

import pytest
from sqlalchemy import text

from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.core.messages import UserError
from vmre.crypto.credentials import public_credential
from vmre.crypto.group import base_mul
from vmre.registry import issuance, issuer_key, lists, service
from vmre.voting.credential_list import verify_credential_list

SECRET_RE = re.compile(r"\b[0-9A-Z]{5}(?:-[0-9A-Z]{5}){4}\b")


def _everything_stored(session) -> str:
    dump = []
    for table in ("registry_requests", "registry_outbox", "audit_events"):
        for row in session.execute(text(f"select * from {table}")):
            dump.append(" ".join(str(v) for v in row))
    return "\n".join(dump)


def test_issue_mail_store_public_only_and_sign(env, smtp_server, tmp_path, monkeypatch):
    from .test_handover import ELECTION as VOTING
    from .test_handover import PASSPHRASE, submit, voting_election

    monkeypatch.setenv("VMRE_PUBLIC_URL", "https://votar.example")
    voting_election(env.app, tmp_path / "ceremony")
    good = env.good_records()
    internet = [submit(env, r) for r in good[:3]]
    postal = submit(env, good[3])
    with transaction(env.app.state.sessions) as s:
        service.request_by_folio(s, postal).modality = "postal"
        for folio in [*internet, postal]:
            service.accept(s, service.request_by_folio(s, folio), "revisor")
        lists.close(s, VOTING, "admin")
    smtp_server.messages.clear()
    key_path = tmp_path / "issuer.key"
    issuer = issuer_key.load(key_path, PASSPHRASE)  # pinned when the election was registered

    count = issuance.issue_credentials(env.app.state.sessions, VOTING, "admin", issuer)
    assert count == 3 and len(smtp_server.messages) == 3
    secrets = {}
    for mail in smtp_server.messages:
        body = mail.get_payload(decode=True).decode()
        assert "https://votar.example/voto/activar/" in body and "segundo factor" in body
        secrets[mail["To"]] = SECRET_RE.search(body).group(0)
        assert f"#credencial={secrets[mail['To']]}" in body
    # Issuing again sends nothing: every voter already has a credential.
    assert issuance.issue_credentials(env.app.state.sessions, VOTING, "admin", issuer) == 0

    with transaction(env.app.state.sessions) as s:
        stored = _everything_stored(s)
        rows = s.execute(text("select email, credential_public, modality from registry_requests"
                              " where election_id = :e"), {"e": VOTING})
        for email, public, modality in rows:
            if modality == "postal":
                assert public == ""
                continue
            assert public == public_credential(VOTING, secrets[email]).hex()
    for secret in secrets.values():
        assert secret not in stored and secret.replace("-", "") not in stored

    assert issuer_key.load(key_path, PASSPHRASE) == issuer
    with pytest.raises(UserError) as wrong:
        issuer_key.load(key_path, "otra frase de paso")
    assert wrong.value.key == "registry.issuer.wrong_passphrase"
    assert str(issuer) not in key_path.read_text()

    with transaction(env.app.state.sessions) as s:
        document = issuance.signed_list(s, VOTING, issuer, "admin")
    checked = verify_credential_list(json.loads(json.dumps(document)), base_mul(issuer))
    assert len(checked.entries) == 3 and checked.election_id == VOTING
    # the voting server holds the same list, handed over when the credentials were issued
    from vmre.voting.board import Board

    held = json.loads(Board(env.app.state.sessions).election(VOTING).credentials)
    assert held["credentials"] == document["credentials"]
    tampered = json.loads(json.dumps(document))
    tampered["credentials"][0]["entity"] = "ZAC"
    with pytest.raises(UserError) as err:
        verify_credential_list(tampered)
    assert err.value.key == "voting.credentials.bad_signature"


def test_mail_server_down_stores_nothing(env, smtp_server, tmp_path, monkeypatch):
    from vmre.voting.board import Board, loaded

    from .test_handover import ELECTION as VOTING
    from .test_handover import PASSPHRASE, submit, voting_election

    voting_election(env.app, tmp_path / "ceremony")
    folio = submit(env, env.good_records()[0])
    with transaction(env.app.state.sessions) as s:
        service.accept(s, service.request_by_folio(s, folio), "revisor")
    issuer = issuer_key.load(tmp_path / "issuer.key", PASSPHRASE)  # pinned at registration
    port = os.environ["VMRE_SMTP_PORT"]
    monkeypatch.setenv("VMRE_SMTP_PORT", "1")  # nothing listens there
    with pytest.raises(OSError):
        issuance.issue_credentials(env.app.state.sessions, VOTING, "admin", issuer)
    with transaction(env.app.state.sessions) as s:
        req = service.request_by_folio(s, folio)
        assert req.credential_public == "" and req.credential_issued_at is None
    # the next run issues a new credential; the list the voting server holds is re-signed
    # from what the registry stored, so the unsent credential is off it
    monkeypatch.setenv("VMRE_SMTP_PORT", port)
    assert issuance.issue_credentials(env.app.state.sessions, VOTING, "admin", issuer) == 1
    [mail] = smtp_server.messages
    code = SECRET_RE.search(mail.get_payload(decode=True).decode()).group(0)
    eligible = loaded(Board(env.app.state.sessions).election(VOTING)).eligible
    assert list(eligible) == [public_credential(VOTING, code).hex()]


def test_enrol_synthetic_voters_for_the_mock_election(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as s:
        voters = issuance.enrol_synthetic_voters(s, "SIMULACRO-1", 25, seed=3)
    assert len(voters) == 25 and len({v.public.hex() for v in voters}) == 25
    assert all(public_credential("SIMULACRO-1", v.secret) == v.public for v in voters)
    assert voters[0].secret not in repr(voters[0])  # never printed by accident
    with transaction(factory) as s:
        more = issuance.enrol_synthetic_voters(s, "SIMULACRO-1", 5, seed=3)
        listed = issuance.public_credentials(s, "SIMULACRO-1")
    assert len(listed) == 30 and {v.entity_id for v in voters + more} == {e for _, e in listed}
    engine.dispose()


def test_enrol_fills_the_count_when_few_entities_hold_elections(sqlite_url):
    engine = make_engine(sqlite_url)
    migrate(engine)
    with transaction(session_factory(engine)) as s:
        voters = issuance.enrol_synthetic_voters(s, "SIMULACRO-2", 300, seed=4,
                                                 entities=["JAL", "PUE"])
    assert len(voters) == 300 and {v.entity_id for v in voters} == {"JAL", "PUE"}
    engine.dispose()


def test_credential_command_writes_a_verifiable_list(db_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from vmre.registry.cli import registry_app

    engine = make_engine(db_url)
    migrate(engine)
    with transaction(session_factory(engine)) as s:
        issuance.enrol_synthetic_voters(s, "E-CLI", 4)
    engine.dispose()
    monkeypatch.setenv("VMRE_REGISTRY_ISSUER_PASSPHRASE", "frase de paso de prueba")
    runner = CliRunner()
    key = tmp_path / "issuer.key"
    made = runner.invoke(registry_app, ["issuer-key", "--out", str(key)])
    assert made.exit_code == 0, made.output
    out = tmp_path / "credenciales.json"
    done = runner.invoke(registry_app, ["credentials", "--election", "E-CLI", "--out", str(out),
                                        "--key", str(key), "--db", db_url])
    assert done.exit_code == 0, done.output
    document = json.loads(out.read_text())
    public = json.loads(key.read_text())["public"]
    assert document["issuer"] == public
    assert len(verify_credential_list(document).entries) == 4
