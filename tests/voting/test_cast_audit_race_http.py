"""A cast and a Benaloh audit of the same ballot sent at the same instant over HTTP to a real
server of two processes (uvicorn --workers 2), on SQLite and PostgreSQL: exactly one of the
two is accepted, the other gets the catalogue's refusal, and the record written after the
close verifies with `vmre verify`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from record_check import verify_after_close

from vmre.core.database import transaction
from vmre.simulacro.election import ReadyElection, open_election
from vmre.voting import accounts
from vmre.voting.ballot import encrypt_ballot, reveal

sys.path.insert(0, str(os.path.join(os.path.dirname(__file__), "..", "voting_web")))
from sivei_setup import activate_totp, csrf, login, next_code

JAL = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}
PAIRS = 12


@pytest.fixture
def crowd(tmp_path, db_url, ceremony_done) -> ReadyElection:
    return open_election(tmp_path / "election", db_url, entities=("JAL",) * PAIRS,
                         reuse_ceremony=ceremony_done)


@pytest.fixture
def server(crowd: ReadyElection) -> Iterator[str]:
    """uvicorn with two worker processes on a free loopback port, over the fixture's
    database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = crowd.board.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "VMRE_DATABASE_URL": url, "VMRE_SECRET_KEY": "race-test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "vmre.web.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
         "--log-level", "warning", "--no-access-log"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to a minute for both workers to start
            try:
                if httpx.get(f"{base}/api/v1/elections/{crowd.ctx.election_id}",
                             timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError("the server stopped")
            time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def signed_in(crowd: ReadyElection, server: str, i: int) -> tuple[dict, dict]:
    """Voter i's browser state (cookies, CSRF header): the account bound to the voter's public
    credential, activated with TOTP and signed in over HTTP."""
    credential, entity = crowd.voters[i]
    email, phone = f"votante{i}@correo.example", f"+1 415 555 {1000 + i:04d}"
    with transaction(crowd.board.sessions) as s:
        account = accounts.enrol(s, crowd.ctx.election_id, entity, email, phone,
                                 credential.public.hex())
        token = accounts.new_activation(account)
    with httpx.Client(base_url=server, timeout=120, follow_redirects=True) as client:
        secret = activate_totp(client, token, phone)
        home = login(client, email, next_code(secret))
        assert home.status_code == 200, home.text
        return dict(client.cookies), {"X-CSRF-Token": csrf(home.text)}


def test_cast_and_audit_at_once_over_http_exactly_one_wins(crowd, server, tmp_path):
    eid = crowd.ctx.election_id
    pairs = []
    for i in range(PAIRS):
        doc, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(i), JAL)
        pairs.append((doc, reveal(doc, JAL, nonces), signed_in(crowd, server, i)))

    def race(i: int) -> tuple[httpx.Response, httpx.Response]:
        doc, disclosure, (cookies, headers) = pairs[i]
        start = threading.Barrier(2)

        def send(path: str, body: dict) -> httpx.Response:
            # the voter's own session sends both: casting needs the signed-in voter bound to
            # the ballot's credential (the audit endpoint is open, and the session does no harm)
            with httpx.Client(base_url=server, timeout=120, cookies=cookies,
                              headers=headers) as client:
                client.get(f"/api/v1/elections/{eid}")  # connected before the start
                start.wait()
                return client.post(path, json=body)

        with ThreadPoolExecutor(max_workers=2) as pool:
            cast = pool.submit(send, f"/api/v1/elections/{eid}/ballots", {"ballot": doc})
            audit = pool.submit(send, f"/api/v1/elections/{eid}/spoiled",
                                {"ballot": doc, "disclosure": disclosure})
            return cast.result(), audit.result()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(race, range(PAIRS)))

    winners = {"cast": 0, "audit": 0}
    for cast, audit in outcomes:
        assert sorted((cast.status_code, audit.status_code)) == [201, 409], (
            cast.text, audit.text)
        if cast.status_code == 201:
            winners["cast"] += 1
            assert audit.json()["error"] == "voting.ballot.replay"
        else:
            winners["audit"] += 1
            assert cast.json()["error"] == "voting.ballot.audited"
    assert sum(winners.values()) == PAIRS
    election = crowd.board.election(eid)
    assert election.ballot_count == winners["cast"]
    assert crowd.board.spoiled_count(eid) == winners["audit"]

    checked = verify_after_close(crowd, tmp_path / "record")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_audit_and_cast_right_after_the_close_are_refused_over_http(crowd, server):
    """Both server processes have just served the election as open (a cached row would say
    so); another process closes it: an audit and a cast sent next get the catalogue's refusal,
    and nothing is added to the board or to the audited list."""
    eid = crowd.ctx.election_id
    cookies, headers = signed_in(crowd, server, 0)
    first, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(1), JAL)
    with httpx.Client(base_url=server, timeout=120, cookies=cookies, headers=headers) as client:
        audited = client.post(f"/api/v1/elections/{eid}/spoiled",
                              json={"ballot": first, "disclosure": reveal(first, JAL, nonces)})
        assert audited.status_code == 201, audited.text
        for _ in range(8):  # each of the two workers reads the open election
            assert client.get(f"/api/v1/elections/{eid}").status_code == 200
        crowd.board.close(eid)
        late, nonces = encrypt_ballot(crowd.ctx, "JAL", crowd.key(0), JAL)
        audit = client.post(f"/api/v1/elections/{eid}/spoiled",
                            json={"ballot": late, "disclosure": reveal(late, JAL, nonces)})
        cast = client.post(f"/api/v1/elections/{eid}/ballots", json={"ballot": late})
    assert (audit.status_code, audit.json()["error"]) == (409, "voting.board.closed")
    assert (cast.status_code, cast.json()["error"]) == (409, "voting.board.closed")
    assert crowd.board.spoiled_count(eid) == 1
    assert crowd.board.election(eid).ballot_count == 0
