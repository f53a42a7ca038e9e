"""Batched confirmation mails (VMRE_REGISTRY_MAIL_ASYNC=1) still reach the citizen."""

from __future__ import annotations

import os
import time

from vmre.core.email import Mail
from vmre.registry.notify import MailQueue


def test_mail_queue_delivers_in_batches(smtp_server):
    q = MailQueue(batch=10)
    for i in range(25):
        q.put(Mail(to=f"persona{i}@correo.example", subject=f"Confirme {i}", text="Peña Ñuñez"))
    deadline = time.monotonic() + 30  # generous: this waits for delivery, it times nothing
    while len(smtp_server.messages) < 25 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        f"persona{i}@correo.example" for i in range(25))
    assert "Peña Ñuñez" in smtp_server.messages[0].get_payload(decode=True).decode()


def test_outbox_sends_in_bounded_batches_and_keeps_what_fails(db_url, smtp_server, monkeypatch):
    from vmre.core.database import make_engine, migrate, session_factory, transaction
    from vmre.registry import issuance, lists
    from vmre.registry.notify import flush_outbox

    engine = make_engine(db_url)
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as s:
        issuance.enrol_synthetic_voters(s, "E-OUT", 5)
        lists.close(s, "E-OUT", "admin")  # five "included" notices
    port = os.environ["VMRE_SMTP_PORT"]
    monkeypatch.setenv("VMRE_SMTP_PORT", "1")  # server down: nothing sent, nothing lost
    assert flush_outbox(factory, limit=2) == 0
    monkeypatch.setenv("VMRE_SMTP_PORT", port)
    assert flush_outbox(factory, limit=2, max_batches=1) == 2
    assert flush_outbox(factory, limit=2) == 3
    assert flush_outbox(factory) == 0
    assert len(smtp_server.messages) == 5
    assert all("Incluida en la lista nominal" in m.get_payload(decode=True).decode()
               for m in smtp_server.messages)
    engine.dispose()
