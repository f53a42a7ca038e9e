"""A real election for the web tests: a one-custodian opening ceremony, a signed credential
list, an open voting window, and voter accounts invited by e-mail."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyotp
from fastapi.testclient import TestClient

from vmre.core.database import transaction
from vmre.crypto import credentials
from vmre.crypto.group import random_scalar
from vmre.voting import accounts
from vmre.voting.audits import SIMULACRO
from vmre.voting.board import Board
from vmre.voting.ceremony import Ceremony
from vmre.voting.context import ElectionContext
from vmre.voting.credential_list import sign_credential_list

PASSWORD = "Mi-voto-desde-Lyon-2024"
MANIFEST = (resources.files("vmre.simulacro") / "manifest-pel.yaml").read_text("utf-8")
ELECTION = "pel-2024-extranjero"


@dataclass
class Voter:
    email: str
    phone: str
    entity: str
    secret: str  # the credential code the registry e-mails; never given to the voting server
    account_id: int | None = None


def run_ceremony(folder: Path) -> Ceremony:
    ceremony = Ceremony(folder)
    ceremony.init(MANIFEST, custodians=1, threshold=1)
    secret = folder / "custodian-1.secret"
    ceremony.keygen(1, "frase de paso de prueba", secret)
    ceremony.deal(1, "frase de paso de prueba", secret)
    ceremony.check(1, "frase de paso de prueba", secret)
    ceremony.finalize()
    return ceremony


def open_election(sessions, folder: Path, voters: list[Voter] | None, open_now: bool = True
                  ) -> ElectionContext:
    """`voters=None`: no credential list yet (a practice run's enrolment signs it), hence no
    fingerprint and no window."""
    ceremony = run_ceremony(folder)
    board = Board(sessions)
    board.register(ceremony)
    ctx = ceremony.context()
    if voters is None:
        return ctx
    listing = sign_credential_list(
        ELECTION, random_scalar(),
        [(credentials.public_credential(ELECTION, v.secret), v.entity) for v in voters])
    board.load_credentials(ELECTION, listing)
    now = dt.datetime.now(dt.UTC)
    if open_now:
        board.schedule(ELECTION, now - dt.timedelta(hours=1), now + dt.timedelta(hours=8),
                       audit_exemption=SIMULACRO)
    return ctx


def make_voters(count: int, entity: str = "JAL") -> list[Voter]:
    return [Voter(f"votante{i}@example.org", f"+1 415 555 {1000 + i:04d}", entity,
                  credentials.new_secret()) for i in range(count)]


def enrol(sessions, voter: Voter) -> str:
    """The account, bound to the voter's public credential, and its activation token (what
    the registry's e-mail link carries; tests/voting_web/test_handover.py walks the real
    hand-over from the registry)."""
    with transaction(sessions) as s:
        account = accounts.enrol(s, ELECTION, voter.entity, voter.email, voter.phone,
                                 credentials.public_credential(ELECTION, voter.secret).hex())
        token = accounts.new_activation(account)
        voter.account_id = account.id
    return token


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def activate_totp(client: TestClient, token: str, phone: str) -> str:
    page = client.get(f"/voto/activar/{token}")
    assert page.status_code == 200
    r = client.post(f"/voto/activar/{token}", data={"digits": phone[-4:], "csrf": csrf(page.text)})
    assert r.status_code == 200 and "/voto/activar/factor" in str(r.url)
    page = client.get("/voto/activar/factor?metodo=totp")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert 'src="data:image/svg+xml;base64,' in page.text  # the QR code
    r = client.post("/voto/activar/totp", data={"code": pyotp.TOTP(secret).now(),
                                                "csrf": csrf(page.text)})
    assert "/voto/activar/contrasena" in str(r.url)
    r = client.post("/voto/activar/contrasena", data={
        "password": PASSWORD, "confirm": PASSWORD, "csrf": csrf(r.text)})
    assert r.status_code == 200 and "/voto/entrar" in str(r.url)
    return secret


def login(client: TestClient, email: str, code: str, password: str = PASSWORD):
    page = client.get("/voto/entrar")
    return client.post("/voto/entrar", data={"username": email, "password": password,
                                             "code": code, "csrf": csrf(page.text)})


def next_code(secret: str) -> str:
    """The next time step's code (accepted with one step of drift; never reused)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def signed_in(app, voter: Voter) -> tuple[TestClient, dict]:
    """A browser of `voter`: account from `enrol`, activated with TOTP, signed in. Returns the
    client and the header that carries its CSRF token on JSON posts."""
    client = TestClient(app)
    secret = activate_totp(client, enrol(app.state.sessions, voter), voter.phone)
    home = login(client, voter.email, next_code(secret))
    assert home.status_code == 200 and "/voto/entrar" not in str(home.url), home.text
    return client, {"X-CSRF-Token": csrf(home.text)}


def voting_site(db_url: str, folder: Path, count: int, open_now: bool = True
                ) -> tuple[object, ElectionContext, list[Voter]]:
    """The voting server's app on `db_url` (SMS codes to a file in `folder`) with an election
    of `count` JAL voters, its window open unless `open_now` is false."""
    from vmre.voting.sms import FileSms
    from vmre.web.app import create_app

    app = create_app(db_url, secret_key="test")
    app.state.sms = FileSms(folder / "sms.jsonl")
    voters = make_voters(count)
    ctx = open_election(app.state.sessions, folder / "ceremony", voters, open_now=open_now)
    return app, ctx, voters


def publish_two_audits(sessions, election: str = ELECTION) -> None:
    """Two published audits by distinct firms: what a real election's window needs before it
    opens (docs/ceremony.md)."""
    from vmre.voting import audits

    with transaction(sessions) as s:
        for firm in ("Auditora Uno, S.C.", "Revisores Dos, S.A."):
            audits.add(s, election, firm, "SIVEI", dt.date(2026, 1, 5), dt.date(2026, 2, 5),
                       audits.opinion_digest(firm.encode()), f"https://ine.example/{firm[:4]}")
