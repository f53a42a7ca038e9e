"""The aggregate the server keeps after the close, computed by two server processes at the
same time (a custodian's upload and the public API, say): both requests succeed with the same
sums and one row is kept, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from vmre.core.database import transaction
from vmre.voting import server_tally
from vmre.voting.ballot import encrypt_ballot

CHOICE = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}


def test_two_first_aggregates_at_once_both_succeed_with_one_row(ready, monkeypatch):
    eid = ready.ctx.election_id
    ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", ready.key(0), CHOICE)[0])
    ready.board.close(eid)
    # both have found no stored aggregate and computed it before either stores it
    both_computed = threading.Barrier(2, timeout=60)
    compute = server_tally.closing.aggregate

    def computed_together(*args, **kwargs):
        document = compute(*args, **kwargs)
        both_computed.wait()
        return document

    monkeypatch.setattr(server_tally.closing, "aggregate", computed_together)

    def request(_: int) -> dict:
        with transaction(ready.board.sessions) as s:  # one request's transaction
            return server_tally.aggregate(s, ready.board, eid)

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(request, range(2))
    assert first == second
    with ready.board.sessions() as s:
        assert s.query(server_tally.Closing).count() == 1
        assert server_tally.aggregate(s, ready.board, eid) == first
