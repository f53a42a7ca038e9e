"""A lean HTTP/1.1 load generator for the benchmarks: far less CPU per request than an HTTP
client library, so that on a small machine the figure measures the server, not the client.

Every request is built as raw bytes before the clock starts (`build_request`); `run` sends
them over C persistent keep-alive connections from one asyncio event loop, reading only the
status line, the headers and a Content-Length or chunked body, and returns each request's
status and latency and the wall time of the whole run. `run_in_process` does the same in a
child process, so the generator's CPU is not taken from the process that starts the server.

    from loadgen import build_request, run, summarise
    reqs = [build_request("POST", "/api/x", {"Content-Type": "application/json"}, body)
            for body in bodies]
    print(summarise(run("127.0.0.1", 8000, reqs, connections=8)))

It sends only to the address it is given; a benchmark gives it the loopback address of a
server it started itself.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

STATUS_ERROR = 0  # status recorded for a request whose connection failed


def build_request(method: str, path: str, headers: Mapping[str, str] | None = None,
                  body: bytes = b"", host: str = "127.0.0.1") -> bytes:
    """One HTTP/1.1 request as bytes, with Host, Content-Length and keep-alive."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()
              if name.lower() not in ("host", "content-length", "connection")]
    if body or method not in ("GET", "HEAD"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass(frozen=True)
class Result:
    statuses: list[int]  # per request, in the order given (0: connection failed)
    latencies: list[float]  # seconds from the first byte sent to the last byte read
    wall: float  # seconds from the first request sent to the last response read
    cpu: float = 0.0  # CPU seconds the generator's process spent during the run
    pid: int = 0  # the process that ran the generator


@dataclass(frozen=True)
class Summary:
    count: int
    ok: int
    per_second: float  # successful responses per second of wall time
    p50: float  # seconds
    p99: float
    statuses: dict[int, int]

    def __str__(self) -> str:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (f"{self.ok}/{self.count} ok, {self.per_second:.0f} requests/s, "
                f"p50 {self.p50 * 1000:.1f} ms, p99 {self.p99 * 1000:.1f} ms ({codes})")


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def summarise(result: Result, ok: Sequence[int] = (200, 201)) -> Summary:
    good = [lat for status, lat in zip(result.statuses, result.latencies, strict=True)
            if status in ok]
    statuses: dict[int, int] = {}
    for status in result.statuses:
        statuses[status] = statuses.get(status, 0) + 1
    return Summary(count=len(result.statuses), ok=len(good),
                   per_second=len(good) / result.wall if result.wall > 0 else 0.0,
                   p50=percentile(good, 0.50), p99=percentile(good, 0.99), statuses=statuses)


class ProtocolError(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns its status and whether the server keeps the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, header_block = head.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ProtocolError(status_line[:80])
    status = int(parts[1])
    length = -1
    chunked = False
    keep = not parts[0].endswith(b"1.0")
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep = value.strip().lower() != b"close"
    if chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0], 16)
            await reader.readexactly(size + 2)  # data and its CRLF
            if size == 0:
                break  # (no trailers expected from the servers measured here)
    elif length > 0:
        await reader.readexactly(length)
    elif length < 0 and status not in (204, 304) and not 100 <= status < 200:
        await reader.read()  # body until the server closes
        keep = False
    return status, keep


async def _run(host: str, port: int, requests: Sequence[bytes], connections: int,
               timeout: float) -> Result:
    statuses = [STATUS_ERROR] * len(requests)
    latencies = [0.0] * len(requests)
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        reader = writer = None
        while next_index < len(requests):
            i = next_index
            next_index += 1  # one event loop: no lock needed between the workers
            for attempt in (1, 2):  # a keep-alive connection the server dropped: reconnect once
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                    start = time.perf_counter()
                    writer.write(requests[i])
                    status, keep = await asyncio.wait_for(_read_response(reader), timeout)
                    latencies[i] = time.perf_counter() - start
                    statuses[i] = status
                    if not keep:
                        writer.close()
                        reader = writer = None
                    break
                except (OSError, TimeoutError, asyncio.IncompleteReadError,
                        asyncio.LimitOverrunError, ProtocolError, ValueError):
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    if attempt == 2:
                        statuses[i] = STATUS_ERROR
        if writer is not None:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, connections))))
    return Result(statuses, latencies, time.perf_counter() - start)


def run(host: str, port: int, requests: Sequence[bytes], connections: int = 8,
        timeout: float = 60.0) -> Result:
    """Send every request (each once, in order of availability) over `connections`
    persistent connections; a request that fails twice is recorded with status 0."""
    try:
        import uvloop  # the server's event loop too, when installed: less CPU per request

        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    cpu = time.process_time()
    with asyncio.Runner(loop_factory=factory) as runner:
        result = runner.run(_run(host, port, requests, connections, timeout))
    return Result(result.statuses, result.latencies, result.wall,
                  time.process_time() - cpu, os.getpid())


def _child(conn, host: str, port: int, requests: Sequence[bytes], connections: int,
           timeout: float) -> None:
    conn.send(run(host, port, requests, connections, timeout))
    conn.close()


@dataclass(frozen=True)
class CpuSnapshot:
    busy: float  # CPU seconds the whole machine spent, minus idle and I/O wait
    interrupts: float  # of which in interrupts and soft interrupts (loopback networking)
    processes: dict[int, tuple[str, int, float]]  # pid -> (name, parent pid, CPU seconds)


def cpu_snapshot() -> CpuSnapshot | None:
    """CPU used so far on this machine and by each process (Linux /proc); two snapshots
    around a run tell who spent the CPU. None where /proc is not there."""
    ticks = os.sysconf("SC_CLK_TCK")
    processes: dict[int, tuple[str, int, float]] = {}
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except OSError:
        return None
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                raw = handle.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        parts = raw[raw.rindex(")") + 2:].split()
        processes[int(entry)] = (name, int(parts[1]), (int(parts[11]) + int(parts[12])) / ticks)
    return CpuSnapshot((sum(fields) - fields[3] - fields[4]) / ticks,
                       (fields[5] + fields[6]) / ticks, processes)


def cpu_spent(before: CpuSnapshot, after: CpuSnapshot, groups: dict[str, set[int]],
              by_name: dict[str, str], known: dict[str, float] | None = None
              ) -> dict[str, float]:
    """CPU seconds between two snapshots, per group: the processes in `groups[g]` and their
    descendants, processes named like a key of `by_name` (to the group it names), `known`
    amounts measured elsewhere (a process that has ended), `interrupts` (the kernel's
    network and interrupt work) and `other` for whatever else the machine did."""
    spent = {g: 0.0 for g in (*groups, *by_name.values())}
    spent.update(known or {})
    spent["interrupts"] = after.interrupts - before.interrupts
    parent = {pid: info[1] for pid, info in after.processes.items()}

    def group_of(pid: int) -> str | None:
        seen = 0
        while pid and seen < 64:
            for g, pids in groups.items():
                if pid in pids:
                    return g
            pid, seen = parent.get(pid, 0), seen + 1
        return None

    for pid, (name, _ppid, seconds) in after.processes.items():
        delta = seconds - before.processes.get(pid, (name, 0, 0.0))[2]
        g = group_of(pid) or by_name.get(name)
        if g is not None:
            spent[g] += delta
    spent["other"] = max(0.0, after.busy - before.busy - sum(spent.values()))
    return spent


def run_in_process(host: str, port: int, requests: Sequence[bytes], connections: int = 8,
                   timeout: float = 60.0) -> Result:
    """`run` in a child process (forked where possible, so the requests are not copied
    through a pipe); the caller's process stays idle while it runs."""
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, host, port, requests, connections, timeout))
    proc.start()
    child.close()
    try:
        result = parent.recv()
    finally:
        proc.join()
    return result


def run_measured(port: int, server_pid: int, requests: Sequence[bytes], connections: int,
                 by_name: dict[str, str] | None = None
                 ) -> tuple[Result, dict[str, float] | None]:
    """`run_in_process` against a local server, with the CPU seconds each party spent during
    the run: the server's process tree, the generator, processes named in `by_name` (e.g.
    {"postgres": "database"}), the kernel's interrupts and anything else (None without
    /proc)."""
    before = cpu_snapshot()
    result = run_in_process("127.0.0.1", port, requests, connections)
    after = cpu_snapshot()
    if before is None or after is None:
        return result, None
    return result, cpu_spent(before, after, {"server": {server_pid}, "bench": {os.getpid()}},
                             by_name or {}, {"client": result.cpu})


def free_port() -> int:
    """A loopback port nobody listens on, for a server the benchmark starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
