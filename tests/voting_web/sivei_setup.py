"""A real election for the web tests: a one-custodian opening ceremony, a signed credential
list, an open voting window, and voter accounts invited by e-mail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from vmre.core.database import transaction
from vmre.crypto import credentials
from vmre.crypto.group import random_scalar
from vmre.voting import accounts
from vmre.voting.board import Board
from vmre.voting.ceremony import Ceremony
from vmre.voting.context import ElectionContext
from vmre.voting.credential_list import sign_credential_list

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


def open_election(sessions, folder: Path, voters: list[Voter], open_now: bool = True
                  ) -> ElectionContext:
    ceremony = run_ceremony(folder)
    board = Board(sessions)
    board.register(ceremony)
    ctx = ceremony.context()
    listing = sign_credential_list(
        ELECTION, random_scalar(),
        [(credentials.public_credential(ELECTION, v.secret), v.entity) for v in voters])
    board.load_credentials(ELECTION, listing)
    now = dt.datetime.now(dt.UTC)
    if open_now:
        board.schedule(ELECTION, now - dt.timedelta(hours=1), now + dt.timedelta(hours=8))
    return ctx


def make_voters(count: int, entity: str = "JAL") -> list[Voter]:
    return [Voter(f"votante{i}@example.org", f"+1 415 555 {1000 + i:04d}", entity,
                  credentials.new_secret()) for i in range(count)]


def enrol(sessions, voter: Voter) -> str:
    """The account and its activation token (what the registry's e-mail link carries)."""
    with transaction(sessions) as s:
        account = accounts.enrol(s, ELECTION, voter.entity, voter.email, voter.phone)
        token = accounts.new_activation(account)
        voter.account_id = account.id
    return token
