"""A small election for the unit-level tests of ballot.py, appender.py and board.py, fast
enough to run for every mutant of those modules (make mutants, docs/testing.md §2).

The costly parts are made once per process: the key ceremony (2 custodians, threshold 1,
real crypto), a migrated empty SQLite database, the voters' credentials, the signed
credential list and a few encrypted ballots. Each test gets a copy of the empty database and
opens the election on it through the board's own functions (register, load the list,
schedule), so those run in every test, against whatever code is under test.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, select

from vmre.core.database import make_engine, migrate, session_factory
from vmre.crypto import credentials as creds
from vmre.crypto.group import hash_to_scalar
from vmre.simulacro.run import default_manifest_text, passphrase, run_ceremony
from vmre.voting import board as boards
from vmre.voting import closing
from vmre.voting.audits import SIMULACRO
from vmre.voting.ballot import encrypt_ballot, reveal
from vmre.voting.board import Board
from vmre.voting.ceremony import Ceremony
from vmre.voting.context import ElectionContext
from vmre.voting.credential_list import sign_credential_list
from vmre.voting.models import Election

ENTITIES = ("JAL", "CDMX", "JAL", "JAL")  # voter i's entity
JAL = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}
JAL_OTHER = {"gob-jal": "morena", "dip-migrante-jal": "nulo"}
CDMX = {"jefatura-cdmx": "mc"}


@functools.cache
def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="vmre-quick-election-"))


SEED = 11


@functools.cache
def ceremony() -> Ceremony:
    return run_ceremony(_folder() / "ceremony-run", default_manifest_text(), 2, 1, seed=SEED)


@functools.cache
def _shares(aggregate_text: str) -> tuple[dict, ...]:
    aggregate_doc = json.loads(aggregate_text)
    return tuple(closing.custodian_decrypt(
        ceremony(), aggregate_doc, j, passphrase(j, SEED),
        str(_folder() / "ceremony-run" / "custodians" / f"custodian-{j}.secret"))
        for j in (1, 2))


def shares(aggregate_doc: dict) -> list[dict]:
    """Both custodians' decryption shares of an aggregate (made once per aggregate and
    process: unlocking a key share is slow on purpose)."""
    return copy.deepcopy(list(_shares(json.dumps(aggregate_doc, sort_keys=True))))


@functools.cache
def context() -> ElectionContext:
    return ceremony().context()


@functools.cache
def _empty_database() -> Path:
    path = _folder() / "empty.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@functools.cache
def secrets() -> tuple[str, ...]:
    return tuple(creds.new_secret() for _ in ENTITIES)


def key(i: int) -> int:
    """Voter i's signing key, as the voter's device derives it from the secret code."""
    return creds.signing_key(context().election_id, secrets()[i])


def public(i: int) -> str:
    return creds.public_credential(context().election_id, secrets()[i]).hex()


ISSUER = hash_to_scalar("vmre/test/quick-issuer", 1)


@functools.cache
def _credential_list() -> dict:
    return sign_credential_list(context().election_id, ISSUER,
                                [(creds.public_credential(context().election_id, s), e)
                                 for s, e in zip(secrets(), ENTITIES, strict=True)])


def credential_list() -> dict:
    return copy.deepcopy(_credential_list())


@functools.cache
def _ballot(voter: int, selections: tuple) -> tuple[dict, dict]:
    return encrypt_ballot(context(), ENTITIES[voter], key(voter), dict(selections))


def ballot(voter: int, selections: dict | None = None) -> dict:
    """An honest ballot of voter i (encrypted once per process; a copy per call)."""
    chosen = selections or (CDMX if ENTITIES[voter] == "CDMX" else JAL)
    return copy.deepcopy(_ballot(voter, tuple(sorted(chosen.items())))[0])


def randomness(voter: int, selections: dict | None = None) -> dict:
    chosen = selections or (CDMX if ENTITIES[voter] == "CDMX" else JAL)
    return copy.deepcopy(_ballot(voter, tuple(sorted(chosen.items())))[1])


def audited(voter: int = 0, selections: dict | None = None) -> tuple[dict, dict]:
    """A new ballot of voter i (JAL's choices unless given) and its Benaloh disclosure."""
    chosen = selections or JAL
    doc, nonces = encrypt_ballot(context(), ENTITIES[voter], key(voter), chosen)
    return doc, reveal(doc, chosen, nonces)


@dataclass
class Quick:
    board: Board
    ctx: ElectionContext

    @property
    def eid(self) -> str:
        return self.ctx.election_id

    def open(self, policy: str = "single", hours_open: float = 1.0) -> str:
        """Register, load the credential list, open the window around now."""
        eid = self.board.register(ceremony(), policy)
        self.board.load_credentials(eid, credential_list())
        now = dt.datetime.now(dt.UTC)
        self.board.schedule(eid, now - dt.timedelta(hours=hours_open),
                            now + dt.timedelta(hours=1), audit_exemption=SIMULACRO)
        return eid


def copy_election(board: Board, election_id: str, new_id: str) -> None:
    """Another election on the same database: a copy of `election_id`'s row under `new_id`."""
    with board.sessions.begin() as s:
        row = s.execute(select(Election.__table__).where(Election.id == election_id)).one()
        s.execute(insert(Election).values({**row._asdict(), "id": new_id}))


def warm() -> None:
    """Build what is made once per process now (see tests/voting/conftest.py)."""
    context()
    _empty_database()
    _credential_list()


def quick(tmp_path: Path) -> Quick:
    """A board on a copy of the migrated empty database; no election registered yet."""
    path = tmp_path / "quick.sqlite"
    shutil.copyfile(_empty_database(), path)
    return on_engine(make_engine(f"sqlite:///{path}"))


def on_engine(engine: Engine) -> Quick:
    """A board on `engine`'s migrated database without the election. The board's per-process
    caches are emptied, so that a parsed election read by another test (or inherited from the
    process that forked this one) is never reused."""
    with boards._PARSED_LOCK:
        boards._PARSED.clear()
    return Quick(Board(session_factory(engine)), context())
