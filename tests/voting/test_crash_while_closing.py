"""A crash during the closing (the close and its aggregate, a custodian's decryption share)
and during the writing of the record: the process running the step is killed dead at a point
inside it (the test-only crash points of vmre.core.crashpoint), the step is run again, and it
finishes; no file is ever left torn under its real name, and the record verifies.

Each step is its own `vmre` command, as the people of the closing run it, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from closing_cli import ClosingSteps, done, killed

from vmre.simulacro.election import ReadyElection, open_election
from vmre.voting import server_tally
from vmre.voting.ballot import encrypt_ballot, reveal

pytestmark = pytest.mark.slow

CHOICES = ({"gob-jal": "pan+pri", "dip-migrante-jal": "mc"},
           {"gob-jal": "morena", "dip-migrante-jal": "nulo"})
VOTERS = 6


@pytest.fixture
def voted(tmp_path, db_url, ceremony_done) -> ReadyElection:
    """An election whose voters have cast (and one has audited a ballot first)."""
    ready = open_election(tmp_path / "election", db_url, entities=("JAL",) * VOTERS,
                          reuse_ceremony=ceremony_done)
    eid = ready.ctx.election_id
    doc, nonces = encrypt_ballot(ready.ctx, "JAL", ready.key(0), CHOICES[0])
    ready.board.spoil(eid, doc, reveal(doc, CHOICES[0], nonces))
    for i in range(VOTERS):
        ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", ready.key(i), CHOICES[i % 2])[0])
    return ready


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_each_closing_step_killed_midway_finishes_when_run_again(voted, tmp_path):
    eid = voted.ctx.election_id
    steps = ClosingSteps(voted, tmp_path / "cierre")
    closing_json = steps.closing_dir / "closing.json"
    aggregate_json = steps.closing_dir / "aggregate.json"

    # the close: killed half-way through writing closing.json, then aggregate.json
    killed(steps.close(crash_at="write:closing.json"))
    assert voted.board.election(eid).state == "closed"  # committed before any file
    assert not closing_json.exists()  # never a torn file under its real name
    killed(steps.close(crash_at="write:aggregate.json"))
    statement = json.loads(closing_json.read_text())
    assert statement == voted.board.closing_statement(eid)  # the same statement each time
    assert not aggregate_json.exists()
    done(steps.close())
    assert json.loads(closing_json.read_text()) == statement
    assert json.loads(aggregate_json.read_text())["election_id"] == eid

    # a custodian's decryption share: killed half-way through writing it
    killed(steps.decrypt(1, crash_at="write:share-1.json"))
    assert not steps.share(1).exists()
    done(steps.decrypt(1))
    done(steps.decrypt(2))

    # the tally: killed once the results are kept, then inside the record's board.jsonl,
    # then with the zip written but not yet in place
    killed(steps.tally(crash_at="election-tally:published"))
    with voted.board.sessions() as s:
        assert server_tally.status(s, eid)["results"] is not None
    assert not steps.record.exists()
    killed(steps.tally(crash_at="record:board"))
    assert not steps.record.exists()  # the half-built folder is not under the record's name
    killed(steps.tally(crash_at="write:record.zip"))
    assert steps.record.is_dir() and not steps.record.with_suffix(".zip").exists()
    done(steps.tally())
    assert steps.record.with_suffix(".zip").is_file()
    leftovers = sorted(p.name for p in steps.work.rglob(".*"))
    assert leftovers == [], leftovers  # what the killed runs left was taken over

    # a run killed while rewriting a finished record leaves that record whole
    written = _files(steps.record)
    killed(steps.tally(crash_at="record:board"))
    assert _files(steps.record) == written
    done(steps.tally())
    assert _files(steps.record) == written  # the same record, byte for byte

    for path in (steps.record, steps.record.with_suffix(".zip")):
        checked = steps.verify(path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert f"{VOTERS} ballots counted ({VOTERS} on the board) and 1 audited" in \
            checked.stdout
