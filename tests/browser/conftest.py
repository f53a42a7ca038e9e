"""Real Chromium (Debian's, never a downloaded one) driving the app served by uvicorn on a
free loopback port; axe-core from js/node_modules for the accessibility checks."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "voting_web"))  # sivei_setup: the election fixture helpers
sys.path.insert(0, str(TESTS / "vectors"))  # jsenv: node_modules for axe-core

from jsenv import JS, ensure_node_modules  # noqa: E402


@pytest.fixture(scope="session")
def axe_source() -> str:
    ensure_node_modules()
    return (JS / "node_modules" / "axe-core" / "axe.min.js").read_text("utf-8")


class LiveServer:
    def __init__(self, app) -> None:
        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            time.sleep(0.05)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(tmp_path) -> Iterator[tuple]:
    from sivei_setup import make_voters, open_election

    from vmre.voting.sms import FileSms
    from vmre.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'vmre.sqlite'}", secret_key="browser-test")
    app.state.sms = FileSms(tmp_path / "sms.jsonl")
    voters = make_voters(3)
    ctx = open_election(app.state.sessions, tmp_path / "ceremony", voters)
    with LiveServer(app) as server:
        yield server, app, ctx, voters
