"""E-mail to citizens: the confirmation link, a notice on every status change, and the
access message of internet voters. Texts come from the catalogue in the request's language."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import queue
import smtplib
import threading
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from vmre.core.audit import utcnow
from vmre.core.clock import people_text
from vmre.core.config import public_url
from vmre.core.database import transaction
from vmre.core.email import Mail, Mailer
from vmre.core.messages import text
from vmre.registry.models import Outbox, Request

log = logging.getLogger(__name__)


def confirmation_mail(req: Request, token: str) -> Mail:
    lang = req.lang
    link = f"{public_url()}/registro/confirmar/{token}?lang={lang}"
    return Mail(lang=lang, to=req.email,
                subject=text("registry.mail.confirm.subject", lang, folio=req.folio),
                text=text("registry.mail.confirm.body", lang, name=req.given_names,
                          folio=req.folio, link=link))


def change_mail(req: Request, token: str) -> Mail:
    """The one-time link to change a request, to the request's confirmed address; built from
    VMRE_PUBLIC_URL, never from the request that asked for it."""
    lang = req.lang
    link = f"{public_url()}/registro/corregir/{token}?lang={lang}"
    return Mail(lang=lang, to=req.email,
                subject=text("registry.mail.change.subject", lang, folio=req.folio),
                text=text("registry.mail.change.body", lang, name=req.given_names,
                          folio=req.folio, link=link))


def send_now(mail: Mail) -> bool:
    """Mail at once (a link that is never stored); False when the server refused it or could
    not be reached."""
    try:
        return Mailer().send_each([mail]) == [True]
    except (OSError, smtplib.SMTPException) as err:
        log.warning("registry: mail not sent (%s)", type(err).__name__)
        return False


REMINDER = "correction_reminder"  # outbox kind of the reminder before a correction deadline


def reminder_params(items: list[str], deadline: dt.datetime, tz: str) -> str:
    return json.dumps({"items": items, "deadline": f"{deadline:%Y-%m-%d %H:%M}", "tz": tz})


def reminder_mail(req: Request, params: dict) -> Mail:
    lang = req.lang
    items = ", ".join(text(f"registry.item.{i}", lang) for i in params.get("items", []))
    return Mail(lang=lang, to=req.email, subject=text("registry.mail.reminder.subject", lang,
                                           folio=req.folio),
                text=text("registry.mail.reminder.body", lang, name=req.given_names,
                          folio=req.folio, items=items, deadline=deadline_text(params, lang),
                          link=f"{public_url()}/registro/estado?lang={lang}"))


def deadline_text(params: dict, lang: str) -> str:
    """A notice's deadline (the process's wall clock, kept as "YYYY-MM-DD HH:MM" with its
    zone) the one way people read times: "9 de diciembre de 2026, 23:59 (hora del centro de
    México)"."""
    return people_text(str(params.get("deadline", "")), lang, params.get("tz") or None)


def status_mail(req: Request, kind: str, params: dict) -> Mail:
    lang = req.lang
    if kind == REMINDER:
        return reminder_mail(req, params)
    detail = ""
    if kind == "rejected":
        detail = text(f"registry.reason.{params.get('reason', req.reason)}", lang)
    elif kind == "to_correct":
        items = ", ".join(text(f"registry.item.{i}", lang) for i in params.get("items", []))
        detail = text("registry.mail.correct_detail", lang, items=items,
                      deadline=deadline_text(params, lang))
        fields = [f for f in params.get("fields", []) if isinstance(f, str)]
        if fields:
            detail += "\n" + text("registry.mail.correct_fields", lang, fields=", ".join(
                text(f"registry.form.{f}", lang) for f in fields))
        if params.get("note"):
            detail += "\n" + text("registry.mail.correct_note", lang, note=params["note"])
    body = text("registry.mail.status.body", lang, name=req.given_names, folio=req.folio,
                status=text(f"registry.status.{kind}", lang), detail=detail,
                link=f"{public_url()}/registro/estado?lang={lang}")
    return Mail(lang=lang, to=req.email, subject=text("registry.mail.status.subject", lang,
                                           folio=req.folio), text=body)


def access_mail(voter, secret: str, token: str) -> Mail:
    """The one mail an internet voter gets from the credential authority: the activation link
    (under VMRE_PUBLIC_URL) with the code in its fragment, which browsers never send to a
    server, the code again in the text (for typing it on the ballot page), and the sign-in
    page: the link works once, and a voter may activate long before the window opens."""
    from vmre.voting.accounts import activation_link

    lang = voter.lang
    return Mail(lang=lang, to=voter.email, subject=text("registry.mail.access.subject", lang),
                text=text("registry.mail.access.body", lang, name=voter.given_names,
                          folio=voter.folio, secret=secret,
                          link=activation_link(token, secret),
                          login=f"{public_url()}/voto/entrar",
                          recover=f"{public_url()}/voto/recuperar"))


def flush_outbox(factory: sessionmaker[Session], mailer: Mailer | None = None,
                 limit: int = 500, max_batches: int | None = None, wait: bool = True) -> int:
    """Mail pending notices, `limit` per SMTP connection, at most `max_batches` times (all
    when None); what the server refuses stays pending for the next run. One sender per
    process at a time (between processes, the row locks below); with `wait=False` a caller
    finding another sender at work returns at once (that sender mails the notices)."""
    if not _outbox_lock.acquire(blocking=wait):
        return 0
    try:
        return _flush(factory, mailer or Mailer(), limit, max_batches)
    finally:
        _outbox_lock.release()


_outbox_lock = threading.Lock()


MAX_REFUSALS = 5  # a notice refused this often (a dead address) is no longer tried


def _flush(factory: sessionmaker[Session], mailer: Mailer, limit: int,
           max_batches: int | None) -> int:
    sent = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with transaction(factory) as session:
            # PostgreSQL: the batch's notices stay locked until they are marked sent, and a
            # second sender skips them instead of mailing them again (SQLite writes one at a
            # time; there, run one sender process).
            rows = list(session.execute(
                select(Outbox, Request).join(Request, Request.id == Outbox.request_id)
                .where(Outbox.sent_at.is_(None), Outbox.refusals < MAX_REFUSALS)
                .order_by(Outbox.id).limit(limit)
                .with_for_update(skip_locked=True, of=Outbox)))
            if not rows:
                return sent
            mails = [status_mail(req, box.kind, json.loads(box.params)) for box, req in rows]
            try:
                taken = mailer.send_each(mails)
            except (OSError, smtplib.SMTPException) as err:
                log.warning("registry outbox: mail server unavailable (%s)", type(err).__name__)
                return sent
            now = utcnow()
            for (box, _req), ok in zip(rows, taken, strict=True):
                if ok:
                    box.sent_at = now
                else:  # this address was refused: the others are not held back by it
                    box.refusals += 1
            sent += sum(taken)
            if not any(taken):
                return sent  # nothing moved: leave the rest for the next run
    return sent


@dataclass(frozen=True)
class Confirmation:
    """A confirmation mail and the request (and link) it is for. The link's token is only in
    the mail, never stored; the request records when the mail server took the mail."""

    request_id: int
    token_hash: str  # the request's email_token_hash when the mail was made
    mail: Mail


def confirmation(req: Request, token: str) -> Confirmation:
    return Confirmation(req.id, req.email_token_hash, confirmation_mail(req, token))


def mark_confirmations_sent(factory: sessionmaker[Session], sent: list[Confirmation]) -> None:
    """Record that the mail server took these mails (only if the link is still the current
    one: a newer link keeps its own pending mail)."""
    if not sent:
        return
    table = Request.__table__
    with transaction(factory) as session:
        session.execute(update(table).where(table.c.id == bindparam("rid"),
                                            table.c.email_token_hash == bindparam("th"))
                        .values(confirmation_sent_at=utcnow()),
                        [{"rid": c.request_id, "th": c.token_hash} for c in sent])


def _deliver(factory: sessionmaker[Session] | None, items: list[Confirmation]) -> int:
    """Send and record; returns how many the server took. Raises when the server cannot be
    reached (nothing is recorded then, so nothing is lost)."""
    taken = Mailer().send_each([c.mail for c in items])
    sent = [c for c, ok in zip(items, taken, strict=True) if ok]
    if len(sent) < len(items):
        log.warning("registry: %d confirmation mails refused by the mail server",
                    len(items) - len(sent))
    if factory is not None:
        mark_confirmations_sent(factory, sent)
    return len(sent)


class MailQueue:
    """Confirmation mails sent by a background thread, many per SMTP connection.

    Enabled with VMRE_REGISTRY_MAIL_ASYNC=1 (high request rates): the request returns without
    waiting for the mail server. When the server cannot be reached the batch is tried again
    (after 1, 2, 4 … 60 s, for about RETRY_SECONDS); a mail the server never took — given up
    here, or lost with the process — stays pending in the database and the `confirmations`
    job (vmre.registry.jobs) sends it again with a new link. Nothing secret sits in the queue
    but the one-time confirmation link."""

    RETRY_SECONDS = 300.0

    def __init__(self, batch: int = 100) -> None:
        self.batch = batch
        self._queue: queue.Queue[tuple[sessionmaker[Session] | None, Confirmation]] = (
            queue.Queue())
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def put(self, item: Confirmation, factory: sessionmaker[Session] | None = None) -> None:
        """Queue a mail; with `factory`, its request is marked sent once the server takes it."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="registry-mail",
                                                daemon=True)
                self._thread.start()
        self._queue.put((factory, item))

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            by_factory: dict[int, tuple[sessionmaker[Session] | None, list[Confirmation]]] = {}
            for factory, item in batch:
                by_factory.setdefault(id(factory), (factory, []))[1].append(item)
            for factory, items in by_factory.values():
                self._deliver_with_retries(factory, items)

    def _deliver_with_retries(self, factory, items: list[Confirmation]) -> None:
        waited, pause = 0.0, 1.0
        while True:
            try:
                _deliver(factory, items)
                return
            except (OSError, smtplib.SMTPException, SQLAlchemyError) as err:
                if waited >= self.RETRY_SECONDS:
                    log.warning("registry: %d confirmation mails left for the confirmations "
                                "job (%s)", len(items), type(err).__name__)
                    return
                time.sleep(pause)
                waited += pause
                pause = min(pause * 2, 60.0)


mail_queue = MailQueue()


def send_confirmation(factory: sessionmaker[Session] | None, item: Confirmation) -> bool:
    """Send now (default) or hand to the background queue; False if the server refused or
    could not be reached (the mail stays pending and the confirmations job sends it)."""
    if os.environ.get("VMRE_REGISTRY_MAIL_ASYNC") == "1":
        mail_queue.put(item, factory)
        return True
    try:
        return _deliver(factory, [item]) == 1
    except (OSError, smtplib.SMTPException, SQLAlchemyError) as err:
        log.warning("registry: confirmation mail not sent (%s)", type(err).__name__)
        return False


def resend_confirmations(factory: sessionmaker[Session], grace_seconds: float = 900.0,
                         give_up_days: float = 3.0, limit: int = 500) -> int:
    """Mail a new link for every request whose confirmation mail the server never took
    (refused, unreachable, or lost with a process), once it has waited `grace_seconds`
    (longer than MailQueue.RETRY_SECONDS) and for `give_up_days` at most. The new link is
    stored (as its hash) before the mail goes, so a mail never carries a dead link."""
    from vmre.registry.service import new_confirmation_token

    now = utcnow()
    with transaction(factory) as session:
        rows = list(session.scalars(
            select(Request).where(Request.confirmation_sent_at.is_(None),
                                  Request.email_confirmed_at.is_(None),
                                  Request.updated_at < now - dt.timedelta(seconds=grace_seconds),
                                  Request.created_at > now - dt.timedelta(days=give_up_days))
            .order_by(Request.id).limit(limit)))
        items = [confirmation(req, new_confirmation_token(session, req)) for req in rows]
    return _deliver(factory, items) if items else 0


