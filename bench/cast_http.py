"""Ballots accepted per second through HTTP: full verification and a durable PostgreSQL
commit per ballot, driven from pre-encrypted ballots by a bounded loopback load generator.

    python bench/cast_http.py --ballots 600 --concurrency 16 --workers 2
    python bench/cast_http.py --db postgresql://postgres@127.0.0.1:5432/mydb

Without --db a scratch database is created on 127.0.0.1:5432 and dropped afterwards. Prints
throughput and p50/p99 latency of POST /api/v1/elections/{id}/ballots (target: 200/s, p99
under 500 ms on 2 cores).

Casting needs a signed-in voter whose account is bound to the ballot's credential. The
voters' accounts come through the registry's hand-over (vmre.voting.handover); each ballot
is posted with its voter's session cookie and CSRF token (a session row written the way a
login writes it, the cookie carrying its random id), so that the figure measures casting
(session lookup, binding, verification, commit) and not logins (Argon2 and per-address
rate limits).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path

import httpx
from loadgen import build_request, free_port, run, run_measured, summarise

ELECTION = "pel-2024-extranjero"
TARGET = 200  # ballots/s on 2 cores (the figure)
SELECTIONS = {"gob-jal": "pan+pri", "dip-migrante-jal": "nulo"}


def _encrypt(args: tuple[dict, str, str]) -> dict:
    from vmre.crypto import credentials
    from vmre.voting import ballot as ballots
    from vmre.voting.context import ElectionContext
    from vmre.voting.manifest import parse_manifest

    context_json, manifest_text, secret = args
    ctx = ElectionContext.from_json(parse_manifest(manifest_text), context_json)
    key = credentials.signing_key(ELECTION, secret)
    return ballots.encrypt_ballot(ctx, "JAL", key, SELECTIONS)[0]


def prepare(db_url: str, folder: Path, count: int) -> tuple[list[dict], list[int]]:
    """Opening ceremony, hand-over of the list and the accounts, open window; then `count`
    encrypted ballots and the account id of each ballot's voter."""
    from sqlalchemy import select

    from vmre.core.database import make_engine, migrate, session_factory
    from vmre.crypto import credentials
    from vmre.crypto.group import random_scalar
    from vmre.voting import accounts, handover
    from vmre.voting.board import Board
    from vmre.voting.ceremony import Ceremony
    from vmre.voting.credential_list import sign_credential_list

    manifest = (resources.files("vmre.simulacro") / "manifest-pel.yaml").read_text("utf-8")
    engine = make_engine(db_url)
    migrate(engine)
    ceremony = Ceremony(folder)
    ceremony.init(manifest, custodians=1, threshold=1)
    secret_file = folder / "custodian.secret"
    for step in (ceremony.keygen, ceremony.deal, ceremony.check):
        step(1, "frase de paso del banco", secret_file)
    ceremony.finalize()
    sessions = session_factory(engine)
    board = Board(sessions)
    board.register(ceremony)
    secrets_ = [credentials.new_secret() for _ in range(count)]
    publics = [credentials.public_credential(ELECTION, s) for s in secrets_]
    handover.receive(sessions, handover.Handover(
        ELECTION, sign_credential_list(ELECTION, random_scalar(), [(p, "JAL") for p in publics]),
        tuple(handover.AccountAccess("JAL", f"banco{i}@example.org", f"+1 415 555 {i:04d}",
                                     p.hex(), accounts.new_token()[1])
              for i, p in enumerate(publics))), "bench")
    with sessions() as s:
        ids = {name: id_ for name, id_ in s.execute(
            select(accounts.VoterAccount.username, accounts.VoterAccount.id))}
    now = dt.datetime.now(dt.UTC)
    board.schedule(ELECTION, now - dt.timedelta(minutes=1), now + dt.timedelta(hours=2),
                   audit_exemption="simulacro")
    engine.dispose()
    context = ceremony.context().to_json()
    with ProcessPoolExecutor() as pool:
        ballots = list(pool.map(_encrypt, [(context, manifest, s) for s in secrets_],
                                chunksize=16))
    return ballots, [ids[f"banco{i}@example.org"] for i in range(count)]


def session_cookies(db_url: str, voter_ids: list[int], csrfs: list[str]) -> list[str]:
    """Each voter's signed-in session, as a login creates it: a row in the session table
    and a cookie that carries only its random id."""
    from vmre.core import sessions as store
    from vmre.core.database import make_engine, session_factory, transaction

    engine = make_engine(db_url)
    with transaction(session_factory(engine)) as s:
        cookies = ["vmre_session=" + store.create(s, {"voter_id": voter_id, "csrf": csrf})
                   for voter_id, csrf in zip(voter_ids, csrfs, strict=True)]
    engine.dispose()
    return cookies


def cast_requests(ballots: list[dict], voter_ids: list[int], db_url: str) -> list[bytes]:
    """The POST requests, each with its voter's session, built before the clock starts."""
    path = f"/api/v1/elections/{ELECTION}/ballots"
    csrfs = [uuid.uuid4().hex for _ in voter_ids]
    cookies = session_cookies(db_url, voter_ids, csrfs)
    out = []
    for ballot, csrf, cookie in zip(ballots, csrfs, cookies, strict=True):
        out.append(build_request("POST", path, {
            "Content-Type": "application/json", "X-CSRF-Token": csrf, "Cookie": cookie},
            json.dumps({"ballot": ballot}).encode()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="PostgreSQL URL (default: a scratch database)")
    parser.add_argument("--ballots", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", action="store_true", help="last line: the figures as JSON")
    args = parser.parse_args()

    import psycopg

    scratch = None
    db_url = args.db
    if db_url is None:
        scratch = f"vmre_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect("host=127.0.0.1 dbname=test user=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{scratch}"')
        db_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{scratch}"
    server = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.perf_counter()
            ballots, voter_ids = prepare(db_url, Path(folder), args.ballots)
            print(f"{len(ballots)} ballots encrypted in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        env = {**os.environ, "VMRE_DATABASE_URL": db_url}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "vmre.web.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
             "--log-level", "warning", "--no-access-log"], env=env)
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{url}/api/v1/elections/{ELECTION}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        requests = cast_requests(ballots, voter_ids, db_url)
        summarise(run("127.0.0.1", port, requests[:5], connections=1))  # warm-up
        measured, cpu = run_measured(port, server.pid, requests[5:], args.concurrency,
                                     {"postgres": "postgres"})
        result = summarise(measured)
        per_ballot = {k: v / max(1, result.ok) * 1000 for k, v in (cpu or {}).items()}
        print(f"{result.count} ballots, {result.count - result.ok} refused, {args.workers} "
              f"workers, concurrency {args.concurrency}")
        print(f"throughput {result.per_second:.1f} ballots/s "
              f"({result.per_second / TARGET:.2f} of the {TARGET}/s target); "
              f"p50 {result.p50 * 1000:.0f} ms, p99 {result.p99 * 1000:.0f} ms")
        if per_ballot:
            print(f"CPU per accepted ballot: {per_ballot['server']:.1f} ms in the voting "
                  f"server, {per_ballot['postgres']:.1f} ms in PostgreSQL, "
                  f"{per_ballot['client']:.2f} ms in the load generator (2 cores give "
                  f"2,000 ms/s: {2000 / (per_ballot['server'] + per_ballot['postgres']):.0f} "
                  "ballots/s at most without the load generator)")
        if args.json:
            print(json.dumps({"ballots_per_second": round(result.per_second, 1),
                              "p50_ms": round(result.p50 * 1000, 1),
                              "p99_ms": round(result.p99 * 1000, 1),
                              **{f"{k}_cpu_ms": round(v, 2) for k, v in per_ballot.items()},
                              "workers": args.workers, "concurrency": args.concurrency}))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if scratch:
            with psycopg.connect("host=127.0.0.1 dbname=test user=postgres",
                                 autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


if __name__ == "__main__":
    main()
