"""Ballots accepted per second through HTTP: full verification and a durable PostgreSQL
commit per ballot, driven from pre-encrypted ballots by a bounded loopback load generator.

    python bench/cast_http.py --ballots 600 --concurrency 16 --workers 2
    python bench/cast_http.py --db postgresql://postgres@127.0.0.1:5432/mydb

Without --db a scratch database is created on 127.0.0.1:5432 and dropped afterwards. Prints
throughput and p50/p99 latency of POST /api/v1/elections/{id}/ballots (target: 200/s, p99
under 500 ms on 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path

import httpx

ELECTION = "pel-2024-extranjero"
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


def prepare(db_url: str, folder: Path, count: int) -> list[dict]:
    """Opening ceremony, credential list, open window; then `count` encrypted ballots."""
    from vmre.core.database import make_engine, migrate, session_factory
    from vmre.crypto import credentials
    from vmre.crypto.group import random_scalar
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
    board = Board(session_factory(engine))
    board.register(ceremony)
    secrets_ = [credentials.new_secret() for _ in range(count)]
    board.load_credentials(ELECTION, sign_credential_list(
        ELECTION, random_scalar(),
        [(credentials.public_credential(ELECTION, s), "JAL") for s in secrets_]))
    now = dt.datetime.now(dt.UTC)
    board.schedule(ELECTION, now - dt.timedelta(minutes=1), now + dt.timedelta(hours=2))
    engine.dispose()
    context = ceremony.context().to_json()
    with ProcessPoolExecutor() as pool:
        return list(pool.map(_encrypt, [(context, manifest, s) for s in secrets_], chunksize=16))


async def load(url: str, ballots: list[dict], concurrency: int) -> tuple[float, list[float], int]:
    gate = asyncio.Semaphore(concurrency)  # bounded: never more than `concurrency` in flight
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        async def one(ballot: dict) -> None:
            nonlocal failures
            async with gate:
                start = time.perf_counter()
                r = await client.post(f"/api/v1/elections/{ELECTION}/ballots",
                                      json={"ballot": ballot})
                latencies.append(time.perf_counter() - start)
                if r.status_code != 201:
                    failures += 1

        began = time.perf_counter()
        await asyncio.gather(*(one(b) for b in ballots))
        return time.perf_counter() - began, latencies, failures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="PostgreSQL URL (default: a scratch database)")
    parser.add_argument("--ballots", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
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
            ballots = prepare(db_url, Path(folder), args.ballots)
            print(f"{len(ballots)} ballots encrypted in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        env = {**os.environ, "VMRE_DATABASE_URL": db_url, "VMRE_SECRET_KEY": "bench"}
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
        asyncio.run(load(url, ballots[:5], 1))  # warm-up: caches, connections, pools
        elapsed, latencies, failures = asyncio.run(load(url, ballots[5:], args.concurrency))
        q = statistics.quantiles(latencies, n=100)
        print(f"{len(latencies)} ballots, {failures} refused, {args.workers} workers, "
              f"concurrency {args.concurrency}")
        print(f"throughput {len(latencies) / elapsed:.1f} ballots/s; "
              f"p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms")
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
