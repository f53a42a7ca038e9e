"""`vmre election close` says how many ballots the closed board holds grammatically
("1 boleta"), keeping the final hash it prints as it was."""

from __future__ import annotations

import json

from closing_cli import ClosingSteps, done

from vmre.simulacro.election import open_election
from vmre.voting.ballot import encrypt_ballot


def test_close_says_one_ballot_in_the_singular(tmp_path, db_url, ceremony_done):
    ready = open_election(tmp_path / "election", db_url, entities=("JAL",),
                          reuse_ceremony=ceremony_done)
    eid = ready.ctx.election_id
    ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", ready.key(0),
                                         {"gob-jal": "mc", "dip-migrante-jal": "mc"})[0])
    steps = ClosingSteps(ready, tmp_path / "cierre")
    said = done(steps.close()).stdout
    final = json.loads((steps.closing_dir / "closing.json").read_text())["final_hash"]
    assert f"Urna cerrada con 1 boleta; hash final {final};" in said
