"""Confirmation mails reach the citizen whatever the mail server does (batched in the
background with VMRE_REGISTRY_MAIL_ASYNC=1, or during the request), and status notices
leave the outbox in bounded batches."""

from __future__ import annotations

import os
import re
import time

from vmre.core.database import transaction
from vmre.core.email import Mail
from vmre.registry import notify, service
from vmre.registry.models import Request
from vmre.registry.notify import Confirmation, MailQueue

from .conftest import ELECTION, files_for, form_for, submit_direct


def _wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds  # generous: this waits for delivery, it times nothing
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def _submit(env, record) -> Confirmation:
    files = {k: v[1] for k, v in files_for(record).items()}
    with transaction(env.app.state.sessions) as s:
        req, token = service.submit(s, ELECTION, form_for(record), files)
        return notify.confirmation(req, token)


def _sent_at(env, request_id: int):
    with transaction(env.app.state.sessions) as s:
        return s.get(Request, request_id).confirmation_sent_at


def _link(message) -> str:
    body = message.get_payload(decode=True).decode()
    return re.search(r"/registro/confirmar/([A-Za-z0-9_-]+)", body).group(1)


def test_mail_queue_delivers_in_batches(smtp_server):
    q = MailQueue(batch=10)
    for i in range(25):
        q.put(Confirmation(i, "", Mail(to=f"persona{i}@correo.example", subject=f"Confirme {i}",
                                       text="Peña Ñuñez")))
    _wait_for(lambda: len(smtp_server.messages) >= 25)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        f"persona{i}@correo.example" for i in range(25))
    assert "Peña Ñuñez" in smtp_server.messages[0].get_payload(decode=True).decode()


def test_queued_confirmation_is_recorded_once_the_server_takes_it(env, smtp_server):
    item = _submit(env, env.good_records()[0])
    assert _sent_at(env, item.request_id) is None
    MailQueue().put(item, env.app.state.sessions)
    _wait_for(lambda: _sent_at(env, item.request_id) is not None)
    assert _sent_at(env, item.request_id) is not None
    assert [m["To"] for m in smtp_server.messages] == [item.mail.to]


def test_a_confirmation_the_server_never_took_is_sent_again_with_a_new_link(env, smtp_server,
                                                                            monkeypatch):
    records = env.good_records()[:2]
    items = [_submit(env, r) for r in records]
    port = os.environ["VMRE_SMTP_PORT"]
    monkeypatch.setenv("VMRE_SMTP_PORT", "1")  # mail server down during the request
    assert notify.send_confirmation(env.app.state.sessions, items[0]) is False
    monkeypatch.setenv("VMRE_SMTP_PORT", port)
    assert notify.send_confirmation(env.app.state.sessions, items[1]) is True
    assert len(smtp_server.messages) == 1
    # Within the grace period nothing is sent again (the queue may still be trying).
    assert notify.resend_confirmations(env.app.state.sessions) == 0
    assert notify.resend_confirmations(env.app.state.sessions, grace_seconds=0) == 1
    assert notify.resend_confirmations(env.app.state.sessions, grace_seconds=0) == 0
    assert [m["To"] for m in smtp_server.messages] == [items[1].mail.to, items[0].mail.to]
    old = re.search(r"/registro/confirmar/([A-Za-z0-9_-]+)", items[0].mail.text).group(1)
    assert env.client.get(f"/registro/confirmar/{old}").status_code == 404
    assert env.client.get(f"/registro/confirmar/{_link(smtp_server.messages[1])}"
                          ).status_code == 200


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


def test_a_refused_address_holds_back_no_other_notice_and_none_is_sent_twice(env, smtp_server):
    from sqlalchemy import select

    from vmre.registry.models import Outbox

    dead, alive = env.good_records()[:2]
    folios = [submit_direct(env, r) for r in (dead, alive)]
    smtp_server.refuse.add(form_for(dead)["email"])
    with transaction(env.app.state.sessions) as s:
        for folio in folios:
            service.accept(s, service.request_by_folio(s, folio), "revisor")
    factory = env.app.state.sessions
    assert notify.flush_outbox(factory) == 1
    for _ in range(notify.MAX_REFUSALS + 2):
        assert notify.flush_outbox(factory) == 0
    assert [m["To"] for m in smtp_server.messages] == [form_for(alive)["email"]]
    with transaction(factory) as s:
        boxes = {b.request_id: b for b in s.scalars(select(Outbox))}
        refused = [b for b in boxes.values() if b.sent_at is None]
    assert len(boxes) == 2 and len(refused) == 1  # kept, not lost, no longer tried
    assert refused[0].refusals == notify.MAX_REFUSALS


def test_a_refused_confirmation_stays_pending(env, smtp_server):
    item = _submit(env, env.good_records()[0])
    smtp_server.refuse.add(item.mail.to)
    assert notify.send_confirmation(env.app.state.sessions, item) is False
    assert _sent_at(env, item.request_id) is None
    smtp_server.refuse.clear()
    assert notify.resend_confirmations(env.app.state.sessions, grace_seconds=0) == 1
    assert _sent_at(env, item.request_id) is not None
