"""A ballot committed just before the server died gets its receipt when it is sent again, on
SQLite and PostgreSQL, through the JSON API and through the ballot page's script.

The server (uvicorn, two worker processes) runs with the test-only crash point
`board-committed` (vmre.core.crashpoint): the worker that commits a ballot kills itself before
it signs the receipt, so the voter's request gets no answer while the ballot is on the board.
After a restart the voter sends the same ballot again and gets the receipt of its one entry
(200), with the same tracking code and position, never a second entry and never a bare 409;
a different ballot of the same voter is still refused as a second vote."""

from __future__ import annotations

import httpx
import pytest
from http_voters import activated_accounts, send, sign_in
from server_process import ServerProcess

from vmre.crypto.group import point_from_hex
from vmre.simulacro.election import ReadyElection, open_election
from vmre.voting.ballot import encrypt_ballot, tracking_code
from vmre.voting.board import verify_receipt

pytestmark = pytest.mark.slow

CHOICE = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}
OTHER = {"gob-jal": "morena", "dip-migrante-jal": "nulo"}


@pytest.fixture
def small(tmp_path, db_url, ceremony_done) -> ReadyElection:
    return open_election(tmp_path / "election", db_url, entities=("JAL",) * 2,
                         reuse_ceremony=ceremony_done)


def test_a_ballot_committed_before_a_crash_gets_its_receipt_when_sent_again(small):
    eid = small.ctx.election_id
    api, page = f"/api/v1/elections/{eid}/ballots", "/voto/emitir"
    secrets = activated_accounts(small, 2)
    ballots = [encrypt_ballot(small.ctx, "JAL", small.key(i), CHOICE)[0] for i in (0, 1)]
    server = ServerProcess(small.board.engine.url.render_as_string(hide_password=False), eid)
    server.start(VMRE_CRASH_AT="board-committed")
    try:
        voters = [sign_in(server.url, i, secrets[i]) for i in (0, 1)]
        # each worker that commits one of these dies before answering
        assert send(server.url, voters[0], api, ballots[0]) is None
        assert send(server.url, voters[1], page, ballots[1]) is None
        board = httpx.get(f"{server.url}/api/v1/elections/{eid}/board", timeout=60).json()
        assert sorted(e["tracking_code"] for e in board["entries"]) == sorted(
            tracking_code(b) for b in ballots)  # both committed, neither answered
        server.kill()

        server.start()
        key = point_from_hex(httpx.get(f"{server.url}/api/v1/elections/{eid}",
                                       timeout=60).json()["server_key"])
        receipts = []
        for voter, path, ballot in ((voters[0], api, ballots[0]),
                                    (voters[1], page, ballots[1])):
            again = send(server.url, voter, path, ballot)
            assert again is not None and again.status_code == 200, again.text
            receipt = again.json()
            assert receipt["tracking_code"] == tracking_code(ballot)
            assert verify_receipt(receipt, key)
            entry = next(e for e in board["entries"]
                         if e["tracking_code"] == receipt["tracking_code"])
            assert (receipt["position"], receipt["entry_hash"], receipt["received_at"]) == (
                entry["position"], entry["entry_hash"], entry["received_at"])
            # once more, the same receipt (the web path now knows the voter has voted)
            assert send(server.url, voter, path, ballot).json() == receipt
            receipts.append(receipt)
        assert sorted(r["position"] for r in receipts) == [1, 2]

        # a different ballot of a voter who has voted is a second vote: refused
        other = encrypt_ballot(small.ctx, "JAL", small.key(0), OTHER)[0]
        refused = send(server.url, voters[0], api, other)
        assert refused.status_code == 409
        assert refused.json()["error"] == "voting.ballot.already_voted"
        after = httpx.get(f"{server.url}/api/v1/elections/{eid}/board", timeout=60).json()
        assert after["total"] == 2 and after["head_hash"] == board["head_hash"]
    finally:
        server.stop()
