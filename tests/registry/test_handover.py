"""The registry → internet-voting hand-over, walked the way people walk it: the reviewer
accepts internet voters on the staff pages, `vmre registry send-credentials` issues their
credentials, each voter reads ONE mail from the SMTP sink and follows its link to a working
account (phone digits, TOTP with pyotp, password), signs in and casts a ballot made with the
code from the mail's fragment. Casting needs that voter's session and binding; a resend
before the first ballot replaces the credential; recovery links come from VMRE_PUBLIC_URL
whatever Host the request names, and never void the credential mail's link. SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sys
from importlib import resources
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from vmre.core.database import transaction
from vmre.crypto import credentials
from vmre.crypto.group import base_mul
from vmre.registry import issuer_key, service
from vmre.registry.cli import registry_app
from vmre.voting import ballot as ballots
from vmre.voting.board import Board, loaded
from vmre.voting.ceremony import Ceremony

from .conftest import csrf_of, files_for, form_for, make_process

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voting_web"))
from live_server import LiveServer
from sivei_setup import activate_totp, login, next_code

PUBLIC = "https://votar.example"
ELECTION = "pel-2024-extranjero"  # the registry's process and the voting election share it
PASSPHRASE = "frase de paso del registro"
LINK_RE = re.compile(r"(https?://\S+)/voto/activar/([\w-]+)#credencial=([0-9A-Z-]+)")
SELECTIONS = {"gob-jal": "pan+pri", "dip-migrante-jal": "nulo"}


# -- the scene: a voting election under the registry's id, JAL voters accepted on the pages --

def voting_election(app, folder: Path, open_now: bool = True):
    """The opening ceremony (one custodian) of an election whose id is the registry's."""
    manifest = (resources.files("vmre.simulacro") / "manifest-pel.yaml").read_text("utf-8")
    ceremony = Ceremony(folder)
    ceremony.init(manifest, custodians=1, threshold=1)
    secret = folder / "custodian-1.secret"
    for step in (ceremony.keygen, ceremony.deal, ceremony.check):
        step(1, "frase de paso de prueba", secret)
    ceremony.finalize()
    # the registry's issuer key exists first: its public half is pinned in the fingerprint,
    # which is fixed before any window is set (docs/record.md §2.4)
    key = folder.parent / "issuer.key"
    if not key.exists():
        issuer_key.create(key, PASSPHRASE, interactive=True)
    board = Board(app.state.sessions)
    board.register(ceremony, issuer=base_mul(issuer_key.load(key, PASSPHRASE)))
    if open_now:
        now = dt.datetime.now(dt.UTC)
        board.schedule(ELECTION, now - dt.timedelta(hours=1), now + dt.timedelta(hours=8),
                       audit_exemption="simulacro")
    return ceremony.context()


def submit(env, record) -> str:
    """A citizen's request with its e-mail confirmed (as the form and the mailed link do)."""
    files = {k: v[1] for k, v in files_for(record).items()}
    with transaction(env.app.state.sessions) as s:
        if s.get(service.Process, ELECTION) is None:
            make_process(s, ELECTION)
        req, token = service.submit(s, ELECTION, form_for(record, election_id=ELECTION), files)
        service.confirm_email(s, token)
        return req.folio


def accept_on_pages(env, records) -> list[str]:
    folios = [submit(env, r) for r in records]
    env.login("revisor")
    for folio in folios:
        page = env.client.get("/admin/registry/")
        done = env.client.post(f"/admin/registry/requests/{folio}/decision",
                               data={"decision": "accept", "csrf": csrf_of(page.text)},
                               follow_redirects=False)
        assert done.status_code == 303, done.text
    return folios


def issuer(tmp_path, monkeypatch) -> Path:
    key = tmp_path / "issuer.key"  # made with the election (voting_election) or here
    if not key.exists():
        issuer_key.create(key, PASSPHRASE, interactive=True)
    monkeypatch.setenv("VMRE_REGISTRY_ISSUER_PASSPHRASE", PASSPHRASE)
    return key


def send_credentials(db_url: str, key: Path):
    return CliRunner().invoke(registry_app, ["send-credentials", "--election", ELECTION,
                                             "--key", str(key), "--db", db_url])


def resend(db_url: str, key: Path, who: str):
    return CliRunner().invoke(registry_app, ["resend-credentials", who, "--election", ELECTION,
                                             "--key", str(key), "--db", db_url])


def mails(smtp_server) -> dict[str, str]:
    """Recipient → body of every mail in the sink (the test fails on two to one address)."""
    out: dict[str, str] = {}
    for message in smtp_server.messages:
        assert message["To"] not in out, f"two mails to {message['To']}"
        out[message["To"]] = message.get_payload(decode=True).decode("utf-8")
    return out


def jal_records(env, count: int):
    return [r for r in env.good_records() if r.entity_id == "JAL"][:count]


def ballot_for(ctx, code: str) -> dict:
    key = credentials.signing_key(ELECTION, code)
    return ballots.encrypt_ballot(ctx, "JAL", key, SELECTIONS)[0]


def cast(client, ballot, headers=None):
    return client.post(f"/api/v1/elections/{ELECTION}/ballots", json={"ballot": ballot},
                       headers=headers or {})


def signed_in(app, email: str, token: str, phone: str) -> tuple[TestClient, dict]:
    client = TestClient(app)
    secret = activate_totp(client, token, phone)
    home = login(client, email, next_code(secret))
    assert home.status_code == 200 and "/voto/entrar" not in str(home.url), home.text
    return client, {"X-CSRF-Token": csrf_of(home.text)}


def phone_of(env, address: str) -> str:
    """The phone the citizen gave on the registration form."""
    with transaction(env.app.state.sessions) as s:
        return s.scalar(text("select phone from registry_requests where email = :e"),
                        {"e": address})


def _dump(session) -> str:
    rows = []
    for table in ("registry_requests", "registry_outbox", "audit_events", "voting_voters",
                  "voting_elections"):
        rows += [" ".join(map(str, r)) for r in session.execute(text(f"select * from {table}"))]
    return "\n".join(rows)


# -- the walk -------------------------------------------------------------------------------

def test_accepted_voter_gets_one_mail_activates_and_casts_only_with_own_session(
        env, smtp_server, tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("VMRE_PUBLIC_URL", PUBLIC)
    ctx = voting_election(env.app, tmp_path / "ceremony")
    records = jal_records(env, 2)
    accept_on_pages(env, records)
    key = issuer(tmp_path, monkeypatch)
    smtp_server.messages.clear()

    sent = send_credentials(db_url, key)
    assert sent.exit_code == 0, sent.output
    inbox = mails(smtp_server)
    people = {f"{r.elector_key.lower()}@correo.example": r for r in records}
    assert set(inbox) == set(people)  # ONE mail per accepted internet voter
    links = {}
    for address, body in inbox.items():
        base, token, code = LINK_RE.search(body).groups()
        assert base == PUBLIC and credentials.is_well_formed(code) and code in body
        links[address] = (token, code)
    # issuing again mails nobody: every voter already holds a credential
    assert send_credentials(db_url, key).exit_code == 0 and len(smtp_server.messages) == 2

    # the code is nowhere in storage (registry nor voting server), nor the link's token; the
    # voting server holds the token's SHA-256 and the public credential the account is bound to
    with transaction(env.app.state.sessions) as s:
        stored = _dump(s)
        bound = {name: public for name, public in s.execute(
            text("select username, credential_public from voting_voters"))}
        hashes = set(s.scalars(text("select activation_hash from voting_voters")))
    for token, code in links.values():
        assert code not in stored and code.replace("-", "") not in stored
        assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in hashes
    for address, (_token, code) in links.items():
        assert bound[address] == credentials.public_credential(ELECTION, code).hex()

    (a_mail, (a_token, a_code)), (b_mail, (b_token, b_code)) = sorted(links.items())
    a_client, a_headers = signed_in(env.app, a_mail, a_token, phone_of(env, a_mail))
    b_client, b_headers = signed_in(env.app, b_mail, b_token, phone_of(env, b_mail))
    b_ballot = ballot_for(ctx, b_code)

    # the credential code alone (what the mail carries) does not vote: no session, refused
    anonymous = cast(TestClient(env.app), b_ballot)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "voting.ballot.sign_in"
    # nor does another voter's session: A cannot cast B's ballot, on the API or the page
    stolen = cast(a_client, b_ballot, a_headers)
    assert stolen.status_code == 403
    assert stolen.json()["error"] == "voting.ballot.not_your_credential"
    page = a_client.post("/voto/emitir", json={"ballot": b_ballot}, headers=a_headers)
    assert page.status_code == 403 and page.json()["error"] == "voting.ballot.not_your_credential"
    spoil = a_client.post("/voto/auditar", headers=a_headers, json={
        "ballot": b_ballot, "disclosure": {}})
    assert spoil.json()["error"] == "voting.ballot.not_your_credential"

    # each voter casts their own, signed with the code from their mail's fragment
    receipt = cast(a_client, ballot_for(ctx, a_code), a_headers)
    assert receipt.status_code == 201, receipt.text
    check = a_client.post("/api/v1/receipts/check", json=receipt.json()).json()
    assert check["signature_valid"] and check["on_board"] and check["entry_matches"]
    assert cast(b_client, b_ballot, b_headers).status_code == 201
    assert Board(env.app.state.sessions).election(ELECTION).ballot_count == 2


def test_resend_before_the_first_ballot_replaces_the_credential(
        env, smtp_server, tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("VMRE_PUBLIC_URL", PUBLIC)
    ctx = voting_election(env.app, tmp_path / "ceremony")
    records = jal_records(env, 2)
    folios = accept_on_pages(env, records)
    key = issuer(tmp_path, monkeypatch)
    smtp_server.messages.clear()
    assert send_credentials(db_url, key).exit_code == 0
    address = f"{records[0].elector_key.lower()}@correo.example"
    _base, old_token, old_code = LINK_RE.search(mails(smtp_server)[address]).groups()
    smtp_server.messages.clear()

    again = resend(db_url, key, address.upper())  # by e-mail, any case
    assert again.exit_code == 0, again.output
    assert folios[0] in again.output
    _base, new_token, new_code = LINK_RE.search(mails(smtp_server)[address]).groups()
    assert new_code != old_code and new_token != old_token
    old_public = credentials.public_credential(ELECTION, old_code).hex()
    new_public = credentials.public_credential(ELECTION, new_code).hex()
    client = TestClient(env.app)
    # the re-signed list: the old credential is off it, the new one on it
    assert not client.get(f"/api/v1/elections/{ELECTION}/credentials/{old_public}").json()[
        "eligible"]
    assert client.get(f"/api/v1/elections/{ELECTION}/credentials/{new_public}").json()[
        "eligible"]
    assert client.get(f"/voto/activar/{old_token}").status_code == 404  # the old link is void

    voter, headers = signed_in(env.app, address, new_token, phone_of(env, address))
    old = cast(voter, ballot_for(ctx, old_code), headers)
    assert old.status_code == 403 and old.json()["error"] == "voting.ballot.not_your_credential"
    assert cast(voter, ballot_for(ctx, new_code), headers).status_code == 201

    # the first ballot is in: the list is final, no new credential (by folio this time)
    late = resend(db_url, key, folios[1])
    assert late.exit_code != 0 and late.exception.key == "registry.credentials.voting_started"
    unknown = resend(db_url, key, "nadie@correo.example")
    assert unknown.exception.key == "registry.credentials.unknown_voter"


def test_board_refuses_an_old_code_by_eligibility_when_the_binding_allows_it(
        env, smtp_server, tmp_path, monkeypatch, db_url):
    """The list is checked by the board on its own: a ballot whose credential left the list
    is refused as not eligible even for an account still bound to it (bulk intake path)."""
    monkeypatch.setenv("VMRE_PUBLIC_URL", PUBLIC)
    ctx = voting_election(env.app, tmp_path / "ceremony")
    records = jal_records(env, 1)
    accept_on_pages(env, records)
    key = issuer(tmp_path, monkeypatch)
    smtp_server.messages.clear()
    assert send_credentials(db_url, key).exit_code == 0
    [body] = mails(smtp_server).values()
    _base, _token, old_code = LINK_RE.search(body).groups()
    address = f"{records[0].elector_key.lower()}@correo.example"
    assert resend(db_url, key, address).exit_code == 0
    [outcome] = Board(env.app.state.sessions).cast_many(ELECTION, [ballot_for(ctx, old_code)])
    assert outcome.key == "voting.ballot.not_eligible"


# -- recovery --------------------------------------------------------------------------------

def test_recovery_link_comes_from_the_public_url_and_keeps_the_credential_link(
        env, smtp_server, tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("VMRE_PUBLIC_URL", PUBLIC)
    ctx = voting_election(env.app, tmp_path / "ceremony")
    records = jal_records(env, 1)
    accept_on_pages(env, records)
    key = issuer(tmp_path, monkeypatch)
    smtp_server.messages.clear()
    assert send_credentials(db_url, key).exit_code == 0
    address = f"{records[0].elector_key.lower()}@correo.example"
    _base, token, code = LINK_RE.search(mails(smtp_server)[address]).groups()
    smtp_server.messages.clear()

    with LiveServer(env.app) as server, httpx.Client(base_url=server.url) as browser:
        page = browser.get("/voto/recuperar")
        sent = browser.post("/voto/recuperar", headers={"Host": "evil.example"},
                            data={"email": address, "csrf": csrf_of(page.text)})
        assert sent.status_code == 200, sent.text
    [message] = smtp_server.messages
    body = message.get_payload(decode=True).decode("utf-8")
    assert "evil.example" not in body
    recovery = re.search(r"(\S+)/voto/activar/([\w-]+)", body)
    assert recovery.group(1) == PUBLIC and "#credencial=" not in body
    recovery_token = recovery.group(2)
    assert recovery_token != token

    # the voter had not activated yet: the credential mail's link (with the code) still works
    phone = phone_of(env, address)
    client = TestClient(env.app)
    assert client.get(f"/voto/activar/{recovery_token}").status_code == 200
    voter, headers = signed_in(env.app, address, token, phone)
    assert cast(voter, ballot_for(ctx, code), headers).status_code == 201
    # activation used up both links
    assert client.get(f"/voto/activar/{recovery_token}").status_code == 404
    assert client.get(f"/voto/activar/{token}").status_code == 404


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1:1"])
def test_every_recovery_mail_ignores_the_host_header(env, smtp_server, tmp_path, monkeypatch,
                                                      host):
    monkeypatch.setenv("VMRE_PUBLIC_URL", PUBLIC)
    voting_election(env.app, tmp_path / "ceremony")
    records = jal_records(env, 1)
    accept_on_pages(env, records)
    key = issuer(tmp_path, monkeypatch)
    from vmre.registry import issuance

    issuance.issue_credentials(env.app.state.sessions, ELECTION, "admin",
                               issuer_key.load(key, PASSPHRASE))
    smtp_server.messages.clear()
    address = f"{records[0].elector_key.lower()}@correo.example"
    client = TestClient(env.app)
    page = client.get("/voto/recuperar")
    client.post("/voto/recuperar", headers={"Host": host, "X-Forwarded-Host": "evil.example"},
                data={"email": address, "csrf": csrf_of(page.text)})
    body = smtp_server.messages[-1].get_payload(decode=True).decode("utf-8")
    assert re.search(r"(\S+)/voto/activar/", body).group(1) == PUBLIC


def test_loaded_list_issuer_is_pinned(env, smtp_server, tmp_path, monkeypatch, db_url):
    """A hand-over signed by another issuer key is refused before anything changes."""
    voting_election(env.app, tmp_path / "ceremony")
    records = jal_records(env, 2)
    folios = accept_on_pages(env, records)
    key = issuer(tmp_path, monkeypatch)
    smtp_server.messages.clear()
    assert send_credentials(db_url, key).exit_code == 0
    other = tmp_path / "other.key"
    issuer_key.create(other, PASSPHRASE, interactive=True)
    before = Board(env.app.state.sessions).election(ELECTION).credentials
    refused = resend(db_url, other, folios[0])
    assert refused.exit_code != 0 and refused.exception.key == "voting.credentials.wrong_issuer"
    assert Board(env.app.state.sessions).election(ELECTION).credentials == before
    assert len(loaded(Board(env.app.state.sessions).election(ELECTION)).eligible) == 2


def test_what_crosses_the_seam_holds_no_code_and_no_token(env, smtp_server, tmp_path,
                                                          monkeypatch):
    """The hand-over document, as the voting server receives it: the signed list and the
    account data with the token's hash; the code and the token stay in the mail."""
    import json

    from vmre.registry import issuance
    from vmre.voting import handover

    monkeypatch.setenv("VMRE_PUBLIC_URL", PUBLIC)
    voting_election(env.app, tmp_path / "ceremony")
    accept_on_pages(env, jal_records(env, 2))
    crossed: list[dict] = []

    def deliver(document: handover.Handover) -> None:
        crossed.append(json.loads(json.dumps(document.to_json())))  # as it would travel
        handover.receive(env.app.state.sessions, handover.Handover.from_json(crossed[-1]))

    smtp_server.messages.clear()
    secret = issuer_key.load(issuer(tmp_path, monkeypatch), PASSPHRASE)
    assert issuance.issue_credentials(env.app.state.sessions, ELECTION, "admin", secret,
                                      deliver=deliver) == 2
    [document] = crossed
    assert set(document) == {"version", "election_id", "credential_list", "accounts"}
    assert all(set(a) == {"entity", "email", "phone", "credential", "activation_hash"}
               for a in document["accounts"])
    text_crossed = json.dumps(document)
    for body in mails(smtp_server).values():
        _base, token, code = LINK_RE.search(body).groups()
        assert code not in text_crossed and code.replace("-", "") not in text_crossed
        assert token not in text_crossed
        assert hashlib.sha256(token.encode()).hexdigest() in text_crossed


@pytest.mark.parametrize("document", [
    None, [], {"version": "vmre/handover/v0"}, {"version": "vmre/handover/v1"},
    {"version": "vmre/handover/v1", "election_id": "e", "credential_list": {},
     "accounts": [{"entity": "JAL"}]}])
def test_malformed_hand_over_is_refused_by_key(document):
    from vmre.core.messages import UserError
    from vmre.voting.handover import Handover

    with pytest.raises(UserError) as refused:
        Handover.from_json(document)
    assert refused.value.key == "sivei.handover.malformed"
