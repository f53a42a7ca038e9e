"""Real Chromium (Debian's, never a downloaded one) driving the app served by uvicorn on a
free loopback port; axe-core from js/node_modules for the accessibility checks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "voting_web"))  # sivei_setup: the election fixture helpers
sys.path.insert(0, str(TESTS / "vectors"))  # jsenv: node_modules for axe-core

from jsenv import JS, ensure_node_modules  # noqa: E402
from live_server import LiveServer  # noqa: E402

SHOTS = Path(__file__).resolve().parent / "screenshots"  # gitignored, for a person to look at


@pytest.fixture(scope="session")
def axe_source() -> str:
    ensure_node_modules()
    return (JS / "node_modules" / "axe-core" / "axe.min.js").read_text("utf-8")


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


def watch_console(page) -> list[str]:
    """The console errors and uncaught exceptions of a tab, as they happen."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    return errors


# The innermost elements that reach past the window's right edge (what to fix).
PAST_THE_EDGE = """() => [...document.querySelectorAll('main *, header *, footer *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
          && ![...e.children].some(c => c.getBoundingClientRect().right
                                        > window.innerWidth + 1))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                   + (e.className ? '.' + e.className : '') + ' in '
                   + e.parentElement.tagName.toLowerCase())"""


def problems_on(page, errors: list[str], axe_source: str, shot: Path) -> list[str]:
    """What a person (or a screen reader) would trip over on the page the tab shows now, at
    its present width: console errors so far (taken from `errors`), horizontal scroll, the
    institution's header and footer with the privacy link missing, any axe-core violation.
    A full-page screenshot goes to `shot`."""
    found = [f"console: {e}" for e in errors]
    errors.clear()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        found.append(f"horizontal scroll: {widths[0]} px in a {widths[1]} px window, "
                     f"past its edge: {page.evaluate(PAST_THE_EDGE)}")
    for selector in ("header#site-header a.brand img.emblem", "footer#site-footer",
                     "footer#site-footer a[href='/privacidad']"):
        if not page.locator(selector).first.is_visible():
            found.append(f"missing {selector}")
    if not page.evaluate("() => typeof axe === 'object'"):  # once per document
        page.evaluate(axe_source)  # through the DevTools protocol: the page's CSP stays on
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found += [f"axe {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
              for v in result["violations"]]
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    return found


# -- the operator's side of a walk: the `vmre` command line as separate processes ------------

VMRE = [sys.executable, "-m", "vmre.cli"]


class Operator:
    """Runs `vmre …` as an operator does, in its own process: the database by `--db`, mail
    and links from the environment (VMRE_SMTP_*, VMRE_PUBLIC_URL), passphrases typed on
    stdin. Each run gets a fresh session (no terminal), so a hidden prompt reads stdin."""

    def __init__(self, workdir: Path, db: str, env: dict[str, str]) -> None:
        self.workdir, self.db = workdir, db
        self.env = {**os.environ, **env}

    def start(self, *args: str, stdin: str | None = None) -> subprocess.Popen:
        process = subprocess.Popen([*VMRE, *args], cwd=self.workdir, env=self.env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        process.stdin.write(stdin or "")
        process.stdin.close()
        return process

    @staticmethod
    def finish(process: subprocess.Popen) -> str:
        out = process.stdout.read()
        err = process.stderr.read()
        code = process.wait()
        assert code == 0, f"{process.args[3:]} → {code}\n{out}\n{err}"
        return out

    def run(self, *args: str, stdin: str | None = None) -> str:
        return self.finish(self.start(*args, stdin=stdin))

    def run_each(self, commands: list[tuple[tuple[str, ...], str | None]]) -> list[str]:
        """Several people's commands at once (each custodian at their own machine)."""
        started = [self.start(*args, stdin=stdin) for args, stdin in commands]
        return [self.finish(p) for p in started]

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        """`vmre serve` on a free loopback port, as the README starts it; yields its URL."""
        import httpx

        url = self.env["VMRE_PUBLIC_URL"]
        port = url.rsplit(":", 1)[1]
        log = (self.workdir / "serve.log").open("w")
        server = subprocess.Popen([*VMRE, "serve", "--host", "127.0.0.1", "--port", port,
                                   "--db", self.db], cwd=self.workdir, env=self.env,
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                  start_new_session=True)
        try:
            deadline = time.monotonic() + 60  # waits for start-up; times nothing
            while True:
                assert server.poll() is None, (self.workdir / "serve.log").read_text()
                try:
                    if httpx.get(url + "/registro/", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "vmre serve did not start"
                time.sleep(0.1)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


class Meanwhile:
    """Commands other people run while the citizen is at the browser (the custodians'
    ceremony while registration is open); `wait` re-raises whatever failed."""

    def __init__(self, steps) -> None:
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(steps,), daemon=True)
        self.thread.start()

    def _run(self, steps) -> None:
        try:
            steps()
        except BaseException as err:
            self.error = err

    def wait(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mail_text(message) -> str:
    """The plain-text body of a mail the SMTP sink received."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text part in {message['Subject']!r}")


def mails_to(sink, address: str, subject_contains: str) -> list:
    return [m for m in sink.messages
            if address in m["To"] and subject_contains in str(make_header(
                decode_header(m["Subject"])))]
