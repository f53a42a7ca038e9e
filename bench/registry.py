"""Registry benchmark: requests accepted per second through the HTTP API, and the time to
validate, close and export a list of N requests.

    python bench/registry.py                         # small run on a temporary SQLite file
    python bench/registry.py --db postgresql://postgres@127.0.0.1/bench --http 2000 \
        --requests 1000000                            # the issue's targets

The HTTP part runs the app under uvicorn in its own process, with a real SMTP sink for the
confirmation mails; every request (JSON, three unique uploads) is built before the clock
starts, and `loadgen` (one event loop in a child process) sends them over --clients
keep-alive connections (several levels: --clients 4,8,16). The list part loads N confirmed
requests drawn from the synthetic register (one in ten with a typo in the date of birth, so
it goes to review), then times the first review, the close and the full CSV export.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import loadgen
from sqlalchemy import func, insert, select, text

from vmre.core.audit import utcnow
from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.registry import issuance, lists, service
from vmre.registry.models import Request
from vmre.registry.padron import SyntheticPadron
from vmre.registry.schemas import RequestIn

ELECTION = "BENCH"
LIST_ELECTION = "BENCH-LIST"  # its own process: no clash with the HTTP requests
PNG = b"\x89PNG\r\n\x1a\n" + bytes(2048)
PDF = b"%PDF-1.4\n" + bytes(4096)
TARGET = 200  # requests/s (issue SRVE)


def start_smtp_sink() -> tuple[object, int]:
    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.count += 1
            return "250 OK"

    port = loadgen.free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def body_for(record, i: int) -> dict:
    """The JSON body of one request; its uploads are unique (as real ones are), so every
    request writes its three files."""
    tag = i.to_bytes(8, "big")
    return {
        "election_id": ELECTION, "given_names": record.given_names,
        "first_surname": record.first_surname, "second_surname": record.second_surname,
        "birth_date": record.birth_date.isoformat(), "elector_key": record.elector_key,
        "ocr": record.ocr, "cic": record.cic,
        "card_issued": "abroad" if record.issued_abroad else "mexico",
        "entity_id": record.entity_id, "country": "US", "region": "Texas", "city": "Houston",
        "postal_code": "77002", "street": f"{i} Main St", "email": f"v{i}@bench.example",
        "phone": f"+1713{i:07d}", "modality": "internet" if i % 3 else "postal",
        "consent": True, "card_front_b64": base64.b64encode(PNG + b"F" + tag).decode(),
        "card_back_b64": base64.b64encode(PNG + b"B" + tag).decode(),
        "proof_b64": base64.b64encode(PDF + tag).decode(),
    }


def wait_for(port: int, seconds: float = 30.0) -> None:
    probe = [loadgen.build_request("GET", "/openapi.json")]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if loadgen.run("127.0.0.1", port, probe, connections=1, timeout=2).statuses[0] == 200:
            return
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def submissions(padron: SyntheticPadron, first: int, n: int,
                path: str = "/api/v1/registry/requests") -> list[bytes]:
    """Raw HTTP requests, built before any clock starts."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    return [loadgen.build_request("POST", path, headers,
                                  json.dumps(body_for(padron.record(i), i)).encode())
            for i in range(first, first + n)]


def existing_requests(db: str) -> int:
    engine = make_engine(db)
    with transaction(session_factory(engine)) as session:
        count = session.scalar(select(func.count()).select_from(Request)
                               .where(Request.election_id == ELECTION)) or 0
    engine.dispose()
    return count


def floor_app():
    """The same app (middleware, routers) with two trivial endpoints added, to show what the
    framework and server cost on their own on this machine (--floor)."""
    from vmre.web.app import create_app

    app = create_app()

    @app.get("/bench/ping")
    def ping() -> dict:  # a sync handler, run in the thread pool like the registry's
        return {"ok": True}

    @app.post("/bench/parse", status_code=201)
    def parse(body: RequestIn) -> dict:  # the same JSON, parsed only
        return {"ok": bool(body.election_id)}

    return app


@contextlib.contextmanager
def server(db: str, workers: int, mail_async: bool, factory: str = "vmre.web.app:create_app"):
    """uvicorn in its own process (with a real SMTP sink); yields its port."""
    smtp, smtp_port = start_smtp_sink()
    port = loadgen.free_port()
    env = {**os.environ, "VMRE_SMTP_HOST": "127.0.0.1", "VMRE_SMTP_PORT": str(smtp_port),
           "VMRE_UPLOAD_DIR": tempfile.mkdtemp(prefix="vmre-bench-up-"),
           "VMRE_REGISTRY_MAIL_ASYNC": "1" if mail_async else "0", "VMRE_DATABASE_URL": db,
           # One load generator on one address: the per-address limit would stop it.
           "VMRE_REGISTRY_SUBMIT_LIMIT": "off", "VMRE_REGISTRY_SUBMIT_EMAIL_LIMIT": "off"}
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import uvicorn; "
            f"uvicorn.run({factory!r}, factory=True, host='127.0.0.1', port={port}, "
            f"workers={workers}, log_level='warning')")
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        wait_for(port)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(10)
        smtp.stop()


def report(what: str, s: loadgen.Summary, clients: int, workers: int, note: str = "",
           cpu: dict[str, float] | None = None) -> None:
    print(f"{what}: {s.ok}/{s.count} ok, {s.per_second:.0f} requests/s "
          f"({s.per_second / TARGET:.2f} x the {TARGET}/s target), "
          f"p50 {s.p50 * 1000:.0f} ms, p99 {s.p99 * 1000:.0f} ms "
          f"[{clients} connections, {workers} server workers{note}]")
    if cpu and s.count:
        parts = ", ".join(f"{name} {seconds / s.count * 1000:.2f}"
                          for name, seconds in cpu.items())
        print(f"{what}: CPU ms per request: {parts} "
              f"(bench: the SMTP sink; other: anything else on the machine)")
    if s.ok != s.count:
        print(f"{what}: status codes seen: {s.statuses}")


def analyze(db: str) -> None:
    """Fresh statistics, as autovacuum would have after the warm-up's inserts (PostgreSQL
    otherwise plans the uniqueness look-up on the empty table's numbers)."""
    engine = make_engine(db)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE registry_requests"))
            conn.commit()
    engine.dispose()


def bench_http(db: str, n: int, levels: list[int], workers: int, mail_async: bool,
               repeat: int = 1) -> None:
    with server(db, workers, mail_async) as (port, pid):
        warm = max(workers * 50, 50)
        runs = len(levels) * repeat
        first = existing_requests(db)  # a database used before: carry on after its people
        padron = SyntheticPadron(2024, first + warm + n * runs)
        # Warm-up (not timed): each worker's pool, caches and code paths.
        loadgen.run("127.0.0.1", port, submissions(padron, first, warm),
                    connections=max(levels))
        first += warm
        analyze(db)
        note = f", {'batched' if mail_async else 'per-request'} confirmation mail"
        for clients in levels:
            for _ in range(repeat):
                reqs = submissions(padron, first, n)
                first += n
                result, cpu = loadgen.run_measured(port, pid, reqs, clients,
                                                     {"postgres": "database"})
                report("http", loadgen.summarise(result, ok=(201,)), clients, workers, note, cpu)


def bench_floor(db: str, n: int, levels: list[int], workers: int, repeat: int = 1) -> None:
    """The framework's own ceiling: the same server answering a trivial GET, and parsing
    the same JSON bodies into the same schema without doing anything with them."""
    padron = SyntheticPadron(2024, n)
    bodies = submissions(padron, 0, n, "/bench/parse")
    ping = [loadgen.build_request("GET", "/bench/ping")] * n
    with server(db, workers, True, "registry:floor_app") as (port, pid):
        loadgen.run("127.0.0.1", port, ping[:200], connections=max(levels))
        for clients in levels:
            for _ in range(repeat):
                for what, reqs in (("floor GET /bench/ping", ping),
                                   ("floor POST /bench/parse", bodies)):
                    result, cpu = loadgen.run_measured(port, pid, reqs, clients,
                                                     {"postgres": "database"})
                    report(what, loadgen.summarise(result), clients, workers, cpu=cpu)


def load_requests(factory, padron: SyntheticPadron, n: int, batch: int = 20_000) -> None:
    now = utcnow()
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(n, start + batch)):
            r = padron.record(i)
            birth = r.birth_date if i % 10 else r.birth_date + dt.timedelta(days=1)
            rows.append({
                "folio": f"B-{i:010d}", "election_id": LIST_ELECTION, "status": "received",
                "given_names": r.given_names, "first_surname": r.first_surname,
                "second_surname": r.second_surname, "birth_date": birth,
                "elector_key": r.elector_key, "ocr": r.ocr, "cic": r.cic,
                "card_issued_abroad": r.issued_abroad, "entity_id": r.entity_id,
                "country": "US", "region": "California", "city": "Los Ángeles",
                "postal_code": "90001", "street": f"{i} Olvera St", "email": f"v{i}@b.example",
                "phone": f"+1213{i:07d}", "modality": "internet" if i % 3 else "postal",
                "lang": "es", "consent_at": now, "card_front_sha": "", "card_back_sha": "",
                "proof_sha": "", "email_token_hash": "", "email_confirmed_at": now,
                "created_at": now, "updated_at": now, "finding": "", "reason": "",
                "correction_items": "", "decided_by": "", "addendum": False,
                "credential_public": ""})
        with transaction(factory) as session:
            session.execute(insert(Request), rows)


def bench_list(db: str, n: int) -> None:
    engine = make_engine(db)
    factory = session_factory(engine)
    padron = SyntheticPadron(99, n)
    t0 = time.perf_counter()
    with transaction(factory) as session:
        process = service.get_process(session, LIST_ELECTION)
        process.card_min_validity_year = 2000  # every card valid: measure the bulk path
    load_requests(factory, padron, n)
    t1 = time.perf_counter()
    padron.lookup("")  # build the register's index once, outside the timed part
    t2 = time.perf_counter()
    with transaction(factory) as session:
        counts = service.run_validation(session, padron, LIST_ELECTION)
    t3 = time.perf_counter()
    with transaction(factory) as session:
        closed = lists.close(session, LIST_ELECTION, "bench")
        included = sum(c.included for c in closed)
    t4 = time.perf_counter()
    out = Path(tempfile.mkstemp(prefix="vmre-bench-", suffix=".csv")[1])
    with transaction(factory) as session, out.open("w", encoding="utf-8") as handle:
        rows = lists.export_csv(session, LIST_ELECTION, handle, "full")
    t5 = time.perf_counter()
    out.unlink()
    print(f"list: loaded {n} requests in {t1 - t0:.1f} s; register index {t2 - t1:.1f} s")
    print(f"list: first review {t3 - t2:.1f} s ({counts['accepted']} accepted, "
          f"{counts['in_review']} to review)")
    print(f"list: close {t4 - t3:.1f} s ({included} included in {len(closed)} lists)")
    print(f"list: full CSV export {t5 - t4:.1f} s ({rows} rows)")
    print(f"list: validate + close + export = {t5 - t2:.1f} s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--http", type=int, default=300, help="requests sent over HTTP")
    parser.add_argument("--clients", default="8",
                        help="concurrent keep-alive connections; several levels: 4,8,16")
    parser.add_argument("--repeat", type=int, default=1, help="runs per level")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--mail-async", action="store_true",
                        help="confirmation mails from a background thread (batched)")
    parser.add_argument("--requests", type=int, default=20_000,
                        help="size of the list to validate and close")
    parser.add_argument("--floor", type=int, default=0,
                        help="also N requests to trivial endpoints of the same server")
    args = parser.parse_args()
    db = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='vmre-bench-')}/bench.sqlite"
    engine = make_engine(db)
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        issuance.ensure_process(session, ELECTION)
        issuance.ensure_process(session, LIST_ELECTION)
    engine.dispose()
    print(f"database: {make_engine(db).url.render_as_string(hide_password=True)}")
    if args.http:
        bench_http(db, args.http, [int(c) for c in args.clients.split(",")],
                   args.workers, args.mail_async, args.repeat)
    if args.floor:
        bench_floor(db, args.floor, [int(c) for c in args.clients.split(",")], args.workers,
                    args.repeat)
    if args.requests:
        bench_list(db, args.requests)


if __name__ == "__main__":
    main()
