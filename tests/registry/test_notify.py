"""Batched confirmation mails (VMRE_REGISTRY_MAIL_ASYNC=1) still reach the citizen."""

from __future__ import annotations

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
