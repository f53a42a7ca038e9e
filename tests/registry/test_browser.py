"""The citizen pages on a phone-sized screen in a real browser: no sideways scrolling, no
content-security-policy violations, and the form sends a request end to end."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from vmre.core.database import transaction

from .conftest import make_process

pytestmark = pytest.mark.browser

@pytest.fixture
def live_server(sqlite_url, tmp_path, monkeypatch):

    import uvicorn

    monkeypatch.setenv("VMRE_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("VMRE_SMTP_PORT", "1")
    from vmre.web.app import create_app

    app = create_app(sqlite_url, secret_key="test")
    with transaction(app.state.sessions) as s:
        make_process(s)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30  # waits for start-up; times nothing
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_phone_sized_form(live_server, browser, tmp_path):
    card = tmp_path / "frente.png"
    card.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    page = browser.new_page(viewport={"width": 320, "height": 640})
    try:
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        for path in ("/registro/", "/registro/solicitud", "/registro/estado",
                     "/registro/solicitud?lang=en"):
            page.goto(live_server + path)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 320, (path, wide)
        # Fill the form with a name in Spanish spelling and leave the e-mail wrong.
        page.goto(live_server + "/registro/solicitud?lang=es")
        # Skip the browser's own checks to see the server's field-level answer.
        page.eval_on_selector("form[action='/registro/solicitud']", "f => f.noValidate = true")
        page.fill("#f-given_names", "María José")
        page.fill("#f-first_surname", "Peña")
        page.fill("#f-email", "maria@correo")
        page.set_input_files("#f-card_front", str(card))
        page.click("button[type=submit]")
        body = page.content()
        assert "correo electrónico válido" in body
        assert page.input_value("#f-given_names") == "María José"  # nothing typed is lost
        assert page.input_value("#f-first_surname") == "Peña"
    finally:
        page.close()
    assert not [m for m in problems if re.search("Content Security Policy", m)], problems
