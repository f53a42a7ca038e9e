"""`vmre serve` as an operator starts it (a subprocess on a free loopback port, a temporary
SQLite database): forwarded headers are believed only from configured proxies, so a forged
X-Forwarded-For per request does not dodge a rate limit; --https gives Secure cookies and
HSTS; a taken port is a clear message with exit code 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from vmre.core.messages import text
from vmre.registry.router import STATUS_LIMIT

VMRE = str(Path(sys.executable).with_name("vmre"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(tmp_path, *options: str) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "VMRE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}"}
    env.pop("VMRE_HTTPS", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    server = subprocess.Popen([VMRE, "serve", "--port", str(port), *options], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # wait until it answers (migrations run first)
            assert server.poll() is None, server.stderr.read().decode()
            try:
                httpx.get(f"{url}/tablero", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()


def _lookup(client: httpx.Client, url: str, forwarded: str) -> httpx.Response:
    return client.post(f"{url}/api/v1/registry/status",
                       json={"folio": "MX-NO-EXISTE", "birth_date": "1990-01-01"},
                       headers={"X-Forwarded-For": forwarded, "Accept-Language": "es"})


def test_forged_forwarded_for_does_not_dodge_the_rate_limit(tmp_path):
    limit = STATUS_LIMIT[0]
    with served(tmp_path) as url, httpx.Client() as client:
        answers = [_lookup(client, url, f"203.0.113.{n}") for n in range(limit + 2)]
    assert [r.status_code for r in answers[:limit]] == [404] * limit
    for refused in answers[limit:]:
        assert refused.status_code == 429
        assert refused.json() == {"error": text("registry.status.rate_limited", "es")}


def test_forwarded_for_is_believed_from_a_configured_proxy(tmp_path):
    limit = STATUS_LIMIT[0]
    with (served(tmp_path, "--forwarded-allow-ips", "127.0.0.1") as url,
          httpx.Client() as client):
        # each client behind the proxy has its own count...
        assert {_lookup(client, url, f"203.0.113.{n}").status_code
                for n in range(limit + 2)} == {404}
        # ...and one client is still limited
        same = [_lookup(client, url, "198.51.100.7") for _ in range(limit + 1)]
    assert same[-1].status_code == 429


def test_https_option_gives_secure_cookies_and_hsts(tmp_path):
    with served(tmp_path, "--https") as url:
        page = httpx.get(f"{url}/voto/entrar")
    assert page.status_code == 200
    cookie = page.headers["set-cookie"].lower()
    assert "vmre_session=" in cookie and "; secure" in cookie and "httponly" in cookie
    assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_plain_http_has_no_secure_flag_and_no_hsts(tmp_path):
    with served(tmp_path) as url:
        page = httpx.get(f"{url}/voto/entrar")
    assert "secure" not in page.headers["set-cookie"].lower()
    assert "strict-transport-security" not in page.headers


def test_taken_port_is_a_clear_message_and_exit_code_two(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "VMRE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}"}
        run = subprocess.run([VMRE, "serve", "--port", str(port)], env=env,
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    assert f"No se pudo abrir 127.0.0.1:{port}" in run.stderr
    assert f"Could not listen on 127.0.0.1:{port}" in run.stderr


def test_bad_proxy_list_is_refused(tmp_path):
    env = {**os.environ, "VMRE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite'}"}
    run = subprocess.run([VMRE, "serve", "--port", str(_free_port()),
                          "--forwarded-allow-ips", "127.0.0.1,no-es-ip"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert text("web.serve.bad_forwarded", "en", value="no-es-ip") in run.stderr
