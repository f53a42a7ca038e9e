"""Where one `POST /api/v1/registry/requests` spends its time, inside the server process.

    python bench/registry_profile.py --db postgresql://postgres@127.0.0.1/bench -n 300

Drives the ASGI app in-process (no socket, no client library; sync handlers run in the
event loop's thread instead of the thread pool, so that the profiler sees them), counts
the SQL statements of every request with an SQLAlchemy event listener, and prints the
cProfile entries with the most cumulative time. Confirmation mail goes through the
background queue (VMRE_REGISTRY_MAIL_ASYNC=1) to an SMTP sink, as in the HTTP benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sqlalchemy import event

from registry import ELECTION, body_for, start_smtp_sink
from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.registry import issuance
from vmre.registry.padron import SyntheticPadron


async def call(app, body: bytes) -> int:
    """One request through the ASGI interface; returns the status."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/v1/registry/requests",
             "raw_path": b"/api/v1/registry/requests", "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}
    sent = False
    status = 0

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("-n", type=int, default=300, help="requests profiled")
    parser.add_argument("--top", type=int, default=40, help="profile lines printed")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    args = parser.parse_args()
    db = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='vmre-prof-')}/p.sqlite"
    smtp, smtp_port = start_smtp_sink()
    os.environ.update({"VMRE_SMTP_HOST": "127.0.0.1", "VMRE_SMTP_PORT": str(smtp_port),
                       "VMRE_UPLOAD_DIR": tempfile.mkdtemp(prefix="vmre-prof-up-"),
                       "VMRE_REGISTRY_MAIL_ASYNC": "1",
                       # every request comes from one address: the submission limits are off
                       "VMRE_REGISTRY_SUBMIT_LIMIT": "off",
                       "VMRE_REGISTRY_SUBMIT_EMAIL_LIMIT": "off"})
    engine = make_engine(db)
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        issuance.ensure_process(session, ELECTION)
    engine.dispose()

    import fastapi.routing

    async def inline(func, *a, **kw):  # the handler in this thread, so cProfile sees it
        return func(*a, **kw)

    fastapi.routing.run_in_threadpool = inline
    from vmre.web.app import create_app

    app = create_app(db)
    statements: Counter[str] = Counter()

    connects: Counter[str] = Counter()

    @event.listens_for(app.state.engine.pool, "connect")
    def _connect(dbapi_conn, record):
        connects["connect"] += 1

    @event.listens_for(app.state.engine.pool, "close")
    def _close(dbapi_conn, record):
        connects["close"] += 1

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        statements[" ".join(statement.split())[:90]] += 1

    from sqlalchemy import func, select

    from vmre.registry.models import Request

    with transaction(app.state.sessions) as session:
        first = session.scalar(select(func.count()).select_from(Request)) or 0
    padron = SyntheticPadron(2024, first + 20 + args.n)
    bodies = [json.dumps(body_for(padron.record(i), i)).encode()
              for i in range(first, first + 20 + args.n)]

    async def drive() -> tuple[float, Counter[int]]:
        for body in bodies[:20]:  # warm-up: pool, caches
            await call(app, body)
        statements.clear()
        connects.clear()
        codes: Counter[int] = Counter()
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for body in bodies[20:]:
            codes[await call(app, body)] += 1
        profiler.disable()
        elapsed = time.perf_counter() - start
        stats = pstats.Stats(profiler)
        stats.sort_stats(args.sort).print_stats(args.top)
        return elapsed, codes

    elapsed, codes = asyncio.run(drive())
    print(f"{args.n} requests in {elapsed:.2f} s under the profiler "
          f"({elapsed / args.n * 1000:.2f} ms each); status codes {dict(codes)}")
    print(f"SQL statements per request: {sum(statements.values()) / args.n:.2f}; "
          f"database connections opened {connects['connect']}, closed {connects['close']}")
    for statement, count in statements.most_common():
        print(f"  {count / args.n:5.2f}  {statement}")
    app.state.engine.dispose()
    smtp.stop()


if __name__ == "__main__":
    main()
