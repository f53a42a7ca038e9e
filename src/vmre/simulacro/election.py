"""A ready-to-vote election in one call: ceremony done, credentials issued, board open.

Used by practice runs and by tests of everything built on the voting core.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vmre.core.database import make_engine, migrate, session_factory
from vmre.crypto import credentials as creds
from vmre.crypto.group import random_scalar
from vmre.simulacro.run import default_manifest_text, run_ceremony
from vmre.voting.audits import SIMULACRO
from vmre.voting.board import Board
from vmre.voting.ceremony import Ceremony
from vmre.voting.context import ElectionContext
from vmre.voting.credential_list import sign_credential_list


@dataclass
class ReadyElection:
    folder: Path
    ceremony: Ceremony
    ctx: ElectionContext
    board: Board
    voters: list[tuple[creds.Credential, str]]  # (credential, entity)
    seed: int
    issuer: int = 0  # the credential authority's secret, to re-sign the list in tests

    def key(self, i: int) -> int:
        """Voter i's signing key, as the voter's device derives it from the secret code."""
        return creds.signing_key(self.ctx.election_id, self.voters[i][0].secret)


def open_election(folder: str | Path, url: str, entities: Sequence[str] = ("JAL", "CDMX", "JAL"),
                  policy: str = "single", manifest_text: str | None = None,
                  custodians: int = 3, threshold: int = 2, seed: int = 7,
                  reuse_ceremony: str | Path | None = None) -> ReadyElection:
    """`reuse_ceremony`: a folder where a ceremony with the same settings already ran
    (its files are copied), which saves the key-derivation work when many are needed."""
    folder = Path(folder)
    if reuse_ceremony:
        shutil.copytree(reuse_ceremony, folder, dirs_exist_ok=True)
        ceremony = Ceremony(folder / "ceremony")
    else:
        ceremony = run_ceremony(folder, manifest_text or default_manifest_text(), custodians,
                                threshold, seed)
    engine = make_engine(url)
    migrate(engine)
    board = Board(session_factory(engine))
    election_id = board.register(ceremony, policy)
    voters = [(creds.generate(election_id), e) for e in entities]
    issuer = random_scalar()
    board.load_credentials(election_id, sign_credential_list(
        election_id, issuer, [(c.public, e) for c, e in voters]))
    now = dt.datetime.now(dt.UTC)
    board.schedule(election_id, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1),
                   audit_exemption=SIMULACRO)  # a mock election (docs/ceremony.md)
    return ReadyElection(folder, ceremony, ceremony.context(), board, voters, seed, issuer)
