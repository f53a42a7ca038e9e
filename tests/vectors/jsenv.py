"""Node and the JavaScript dependencies, for the tests that run the browser's code."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "js"


def need_node() -> str:
    """The node binary, with js/node_modules installed from the lock file if absent.

    Under CI a missing node fails the test instead of skipping it."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if os.environ.get("CI"):
            pytest.fail("node/npm not found: the JavaScript ballot code cannot be tested")
        pytest.skip("node/npm not found")
    if not (JS / "node_modules" / "@noble" / "curves").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, check=True,
                       capture_output=True, timeout=300)
    return node
