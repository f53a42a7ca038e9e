"""E-mail to citizens: the confirmation link, a notice on every status change, and the
access message of internet voters. Texts come from the catalogue in the request's language."""

from __future__ import annotations

import json
import logging
import os
import queue
import smtplib
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vmre.core.audit import utcnow
from vmre.core.database import transaction
from vmre.core.email import Mail, Mailer
from vmre.core.messages import text
from vmre.registry.models import Outbox, Request

log = logging.getLogger(__name__)


def public_url() -> str:
    return os.environ.get("VMRE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


def confirmation_mail(req: Request, token: str) -> Mail:
    lang = req.lang
    link = f"{public_url()}/registro/confirmar/{token}?lang={lang}"
    return Mail(to=req.email, subject=text("registry.mail.confirm.subject", lang, folio=req.folio),
                text=text("registry.mail.confirm.body", lang, name=req.given_names,
                          folio=req.folio, link=link))


def status_mail(req: Request, kind: str, params: dict) -> Mail:
    lang = req.lang
    detail = ""
    if kind == "rejected":
        detail = text(f"registry.reason.{params.get('reason', req.reason)}", lang)
    elif kind == "to_correct":
        items = ", ".join(text(f"registry.item.{i}", lang) for i in params.get("items", []))
        detail = text("registry.mail.correct_detail", lang, items=items,
                      deadline=params.get("deadline", ""), tz=params.get("tz", ""))
    body = text("registry.mail.status.body", lang, name=req.given_names, folio=req.folio,
                status=text(f"registry.status.{kind}", lang), detail=detail,
                link=f"{public_url()}/registro/estado?lang={lang}")
    return Mail(to=req.email, subject=text("registry.mail.status.subject", lang,
                                           folio=req.folio), text=body)


def access_mail(req: Request, secret: str, voting_url: str) -> Mail:
    lang = req.lang
    return Mail(to=req.email, subject=text("registry.mail.access.subject", lang),
                text=text("registry.mail.access.body", lang, name=req.given_names,
                          folio=req.folio, secret=secret, link=voting_url or public_url()))


def flush_outbox(factory: sessionmaker[Session], mailer: Mailer | None = None,
                 limit: int = 500, max_batches: int | None = None) -> int:
    """Mail pending notices, `limit` per SMTP connection, at most `max_batches` times (all
    when None); what the server refuses stays pending for the next run."""
    mailer = mailer or Mailer()
    sent = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with transaction(factory) as session:
            rows = list(session.execute(
                select(Outbox, Request).join(Request, Request.id == Outbox.request_id)
                .where(Outbox.sent_at.is_(None)).order_by(Outbox.id).limit(limit)))
            if not rows:
                return sent
            mails = [status_mail(req, box.kind, json.loads(box.params)) for box, req in rows]
            try:
                mailer.send_many(mails)
            except (OSError, smtplib.SMTPException) as err:
                log.warning("registry outbox: mail server unavailable (%s)", type(err).__name__)
                return sent
            now = utcnow()
            for box, _req in rows:
                box.sent_at = now
            sent += len(rows)
    return sent


class MailQueue:
    """Confirmation mails sent by a background thread, many per SMTP connection.

    Enabled with VMRE_REGISTRY_MAIL_ASYNC=1 (high request rates): the request returns without
    waiting for the mail server. A mail lost in a crash is recovered by the citizen asking for
    a new confirmation link on the status page; nothing secret sits in the queue but the
    one-time confirmation link."""

    def __init__(self, batch: int = 100) -> None:
        self.batch = batch
        self._queue: queue.Queue[Mail] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def put(self, mail: Mail) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="registry-mail",
                                                daemon=True)
                self._thread.start()
        self._queue.put(mail)

    def _run(self) -> None:
        while True:
            mails = [self._queue.get()]
            while len(mails) < self.batch:
                try:
                    mails.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                Mailer().send_many(mails)
            except (OSError, smtplib.SMTPException) as err:
                log.warning("registry: %d confirmation mails not sent (%s)", len(mails),
                            type(err).__name__)


mail_queue = MailQueue()


def send_confirmation(mail: Mail) -> bool:
    """Send now (default) or hand to the background queue; False if the server refused."""
    if os.environ.get("VMRE_REGISTRY_MAIL_ASYNC") == "1":
        mail_queue.put(mail)
        return True
    try:
        Mailer().send(mail)
        return True
    except (OSError, smtplib.SMTPException) as err:
        log.warning("registry: confirmation mail not sent (%s)", type(err).__name__)
        return False
