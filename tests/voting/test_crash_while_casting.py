"""The server killed while hundreds of voters cast, on PostgreSQL with two worker processes:
no receipt is ever lost, no ballot is there twice, and the record verifies.

Signed-in voters send their ballots over HTTP (half through the JSON API, half through the
ballot page's script) to `uvicorn --workers 2`; once some of them have their receipts, the
server's whole process group gets SIGKILL while others are still in flight. The server is
started again on the same database; every voter who got no answer sends the same ballot
again and gets a receipt (201 if the ballot never reached the board, 200 with the receipt of
its one entry if it was committed before the kill); a ballot answered before the kill, sent
once more, gets the very receipt given then. Then every receipt handed out is on the
board as it says, the board holds each ballot once, and the closing, the tally and the record
end in a record that `vmre verify` accepts."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from http_voters import activated_accounts, cast_path, send, sign_in
from record_check import verify_after_close
from server_process import ServerProcess

from vmre.crypto.group import point_from_hex
from vmre.simulacro.election import ReadyElection, open_election
from vmre.voting.ballot import encrypt_ballot, tracking_code
from vmre.voting.board import verify_receipt

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

VOTERS = 200
KILL_AFTER = 60  # receipts received before the kill
CLIENTS = 8  # ballots in flight at once
CHOICES = ({"gob-jal": "pan+pri", "dip-migrante-jal": "mc"},
           {"gob-jal": "morena", "dip-migrante-jal": "nulo"})


@pytest.fixture
def crowd(tmp_path, postgres_url, ceremony_done) -> ReadyElection:
    return open_election(tmp_path / "election", postgres_url, entities=("JAL",) * VOTERS,
                         reuse_ceremony=ceremony_done)


def _board(server: str, election_id: str) -> list[dict]:
    rows, offset = [], 0
    while True:
        page = httpx.get(f"{server}/api/v1/elections/{election_id}/board",
                         params={"offset": offset, "limit": 500}, timeout=60).json()
        rows += page["entries"]
        offset += len(page["entries"])
        if not page["entries"] or offset >= page["total"]:
            return rows


def test_a_server_killed_while_casting_loses_no_receipt_and_counts_nothing_twice(
        crowd, tmp_path):
    eid = crowd.ctx.election_id
    clock = [time.monotonic()]

    def lap(name: str) -> None:  # what each phase took, printed for bench/ figures only
        clock.append(time.monotonic())
        print(f"{name}: {clock[-1] - clock[-2]:.1f} s")

    secrets = activated_accounts(crowd, VOTERS)
    ballots = [encrypt_ballot(crowd.ctx, "JAL", crowd.key(i), CHOICES[i % 2])[0]
               for i in range(VOTERS)]
    server = ServerProcess(crowd.board.engine.url.render_as_string(hide_password=False), eid)
    lap("accounts and ballots")
    server.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            voters = list(pool.map(lambda i: sign_in(server.url, i, secrets[i]), range(VOTERS)))
        lap("server started, voters signed in")

        answers: dict[int, httpx.Response | None] = {}
        lock, enough = threading.Lock(), threading.Event()

        def cast(i: int) -> None:
            answer = send(server.url, voters[i], cast_path(eid, i), ballots[i])
            with lock:
                answers[i] = answer
                if answer is not None and answer.status_code == 201 and sum(
                        1 for a in answers.values() if a is not None) >= KILL_AFTER:
                    enough.set()

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            pending = [pool.submit(cast, i) for i in range(VOTERS)]
            assert enough.wait(timeout=300), "no receipts came back"
            server.kill()
            with lock:
                received_at_kill = sum(1 for a in answers.values() if a is not None)
            for future in pending:
                future.result()

        lap("casting until the kill")
        # the kill landed while ballots were being cast: some answered, some not
        assert KILL_AFTER <= received_at_kill < VOTERS
        for i, answer in answers.items():
            assert answer is None or answer.status_code == 201, (i, answer.text)
        unanswered = sorted(i for i, a in answers.items() if a is None)
        assert unanswered, "every ballot was answered before the kill"

        server.start()
        with ThreadPoolExecutor(max_workers=4) as pool:
            again = dict(zip(unanswered, pool.map(
                lambda i: send(server.url, voters[i], cast_path(eid, i), ballots[i]),
                unanswered), strict=True))
        lap("restart and sending again")
        for i, answer in again.items():
            assert answer is not None and answer.status_code in (200, 201), (i, answer)
            answers[i] = answer
        # ballots answered before the kill, sent once more: the very receipts given then
        answered = sorted(set(range(VOTERS)) - set(unanswered))[:10]
        for i in answered:
            repeat = send(server.url, voters[i], cast_path(eid, i), ballots[i])
            assert repeat is not None and repeat.status_code == 200, (i, repeat)
            assert repeat.json() == answers[i].json(), i

        # every receipt handed out is on the board as it says; nothing is there twice
        key = point_from_hex(httpx.get(f"{server.url}/api/v1/elections/{eid}",
                                       timeout=60).json()["server_key"])
        receipts = {i: answers[i].json() for i in range(VOTERS)}
        rows = _board(server.url, eid)
        by_code = {row["tracking_code"]: row for row in rows}
        assert len(rows) == len(by_code) == VOTERS
        assert [row["position"] for row in rows] == list(range(1, VOTERS + 1))
        for i, receipt in receipts.items():
            assert receipt["tracking_code"] == tracking_code(ballots[i])
            assert verify_receipt(receipt, key), i
            row = by_code[receipt["tracking_code"]]
            assert (row["position"], row["entry_hash"], row["received_at"]) == (
                receipt["position"], receipt["entry_hash"], receipt["received_at"]), i
        resent_committed = sum(1 for a in again.values() if a.status_code == 200)
        print(f"receipts before the kill: {received_at_kill}; sent again: {len(unanswered)} "
              f"({resent_committed} already on the board)")
    finally:
        server.stop()

    # closed, decrypted by two custodians, recorded and checked by `vmre verify` (the
    # closing's own commands, and a crash during each, are tests/voting/test_crash_while_closing)
    checked = verify_after_close(crowd, tmp_path / "record")
    lap("close, decrypt, record, vmre verify")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{VOTERS} ballots counted ({VOTERS} on the board)" in checked.stdout, checked.stdout
