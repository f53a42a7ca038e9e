"""The closing of a `ReadyElection` the way its people run it: one `vmre` command per step, each
a process of its own (which a test may have killed at a named point, vmre.core.crashpoint),
files in a work folder, passphrases typed at the prompt; then `vmre verify` on the record."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from vmre.core import crashpoint
from vmre.simulacro.election import ReadyElection
from vmre.simulacro.run import passphrase

VMRE = Path(sys.executable).with_name("vmre")
KILLED = -9  # what subprocess reports for a process ended by SIGKILL


def vmre(*args: str, typed: str | None = None, crash_at: str | None = None
         ) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != crashpoint.SETTING}
    if crash_at:
        env[crashpoint.SETTING] = crash_at
    # a session of its own: no terminal, so a passphrase prompt reads what is typed here
    return subprocess.run([str(VMRE), *args], input=typed, capture_output=True, text=True,
                          env=env, timeout=600, check=False, start_new_session=True)


def done(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (result.args, result.stdout, result.stderr)
    return result


def killed(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == KILLED, (result.args, result.returncode, result.stdout,
                                         result.stderr)


@dataclass
class ClosingSteps:
    ready: ReadyElection
    work: Path

    @property
    def db(self) -> str:
        return self.ready.board.engine.url.render_as_string(hide_password=False)

    @property
    def closing_dir(self) -> Path:
        return self.work / "closing"

    @property
    def record(self) -> Path:
        return self.work / "record"

    def share(self, j: int) -> Path:
        return self.work / f"share-{j}.json"

    def close(self, crash_at: str | None = None) -> subprocess.CompletedProcess:
        return vmre("election", "close", self.ready.ctx.election_id, "--out",
                    str(self.closing_dir), "--db", self.db, crash_at=crash_at)

    def decrypt(self, j: int, crash_at: str | None = None) -> subprocess.CompletedProcess:
        return vmre("ceremony", "decrypt", str(self.closing_dir / "aggregate.json"),
                    str(self.share(j)), "--custodian", str(j), "--secret",
                    str(self.ready.folder / "custodians" / f"custodian-{j}.secret"),
                    "--dir", str(self.ready.folder / "ceremony"),
                    typed=passphrase(j, self.ready.seed) + "\n", crash_at=crash_at)

    def tally(self, custodians: tuple[int, ...] = (1, 2), crash_at: str | None = None
              ) -> subprocess.CompletedProcess:
        return vmre("election", "tally", self.ready.ctx.election_id,
                    *(str(self.share(j)) for j in custodians),
                    "--closing-dir", str(self.closing_dir),
                    "--dir", str(self.ready.folder / "ceremony"),
                    "--record", str(self.record), "--db", self.db, crash_at=crash_at)

    def verify(self, path: Path | None = None) -> subprocess.CompletedProcess:
        return vmre("verify", str(path or self.record))

    def all_steps(self) -> None:
        """Close, two custodians decrypt, tally and record: each must finish."""
        done(self.close())
        for j in (1, 2):
            done(self.decrypt(j))
        done(self.tally())
