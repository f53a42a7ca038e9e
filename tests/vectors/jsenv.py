"""Node and the JavaScript dependencies, for the tests that run the browser's code."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "js"


def missing(message: str) -> None:
    """Under CI a missing tool fails the test; elsewhere it is skipped."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def ensure_node_modules() -> None:
    """`npm ci` into js/node_modules when absent; a file lock keeps parallel workers from
    installing at the same time."""
    npm = shutil.which("npm")
    if npm is None:
        missing("npm not found: the JavaScript dependencies cannot be installed")
    with (JS / ".npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (JS / "node_modules" / "@noble" / "curves").is_dir() or not (
                JS / "node_modules" / "axe-core").is_dir():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, check=True,
                           capture_output=True, timeout=300)


def need_node() -> str:
    """The node binary, with js/node_modules installed from the lock file if absent."""
    node = shutil.which("node")
    if node is None:
        missing("node not found: the JavaScript ballot code cannot be tested")
    ensure_node_modules()
    return node
