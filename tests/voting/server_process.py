"""The voting server as it runs in production: uvicorn with two worker processes, started as
a command in its own process group, so that a test can kill all of it at once (SIGKILL, no
shutdown) and start it again on the same port and database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import httpx


def _running_in_group(pgid: int) -> bool:
    """Whether a process of group `pgid` still runs (a zombie, dead but not yet reaped by
    init, does not count)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """`uvicorn vmre.web.app:create_app --workers 2` over `database`; loopback is the
    deployment's proxy (each test voter comes with its own X-Forwarded-For address, so the
    per-address limits apply to each as to a person)."""

    def __init__(self, database: str, election_id: str, env: dict[str, str] | None = None
                 ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database
        self.election_id = election_id
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    def start(self, **extra_env: str) -> ServerProcess:
        env = {**os.environ, "VMRE_DATABASE_URL": self.database,
               "VMRE_SECRET_KEY": "crash-test", **self.env, **extra_env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "vmre.web.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", "2",
             "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
             "--log-level", "warning", "--no-access-log"],
            env=env, start_new_session=True)  # its own process group: killed as one
        for _ in range(600):  # up to a minute for both workers to start; times nothing
            try:
                if httpx.get(f"{self.url}/api/v1/elections/{self.election_id}",
                             timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("the server stopped")
            time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        """SIGKILL to the server's whole process group: the supervisor and both workers stop
        where they are, with no shutdown of any kind."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        for _ in range(600):  # the workers too (they are not this process's children)
            if not _running_in_group(self.process.pid):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("the server's workers outlived SIGKILL")
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
            self.kill()
