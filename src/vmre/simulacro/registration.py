"""The registry half of the mock election, through the registry's own use cases.

Citizens fill in the registration form (the same `service.submit` the page calls), get the
confirmation mail and open its link; the first review checks every request against the
register; reviewers ask for a correction of a mismatched name and reject what cannot be
fixed; citizens read the notice and correct; the list (LNERE) closes per entity and
modality; internet voters get their credential in the access mail. Mail goes through a real
SMTP server (`mailbox`), and citizens act only on what their mails say.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vmre.cards.service import inactive_cards
from vmre.core.audit import utcnow
from vmre.core.database import transaction
from vmre.core.email import Mailer
from vmre.core.messages import text
from vmre.core.parallel import chunked
from vmre.registry import internet_lnere, lists, notify, postal_lnere, service
from vmre.registry.issuance import issue_credentials
from vmre.registry.models import Modality, Request, Status
from vmre.registry.rules import FieldErrors
from vmre.simulacro.citizens import Citizen, RegisterExtract
from vmre.simulacro.mailbox import Mailbox, access_link, confirmation_token

REVIEWER = "revision-simulacro"  # the reviewers' and list officers' names in the audit log
ISSUER = "credenciales-simulacro"
BATCH = 500  # requests per transaction (the page takes one per transaction; same use case)
MAIL_BATCH = 2000  # notices or access mails per SMTP connection


@dataclass(frozen=True)
class InternetVoter:
    folio: str
    entity: str
    email: str
    phone: str  # as the citizen typed it on the form (the activation asks its last digits)
    secret: str = field(repr=False)  # the credential code, read from the access mail
    link: str = field(repr=False)  # the activation link of that mail (single use)


@dataclass
class Funnel:
    """What happened to the requests, step by step (printed by the command line)."""

    submitted: int = 0  # forms sent, a second send by the same person included
    duplicates: int = 0  # refused at once: that person had already asked
    requests: int = 0  # stored requests
    confirmed: int = 0  # e-mail confirmed from the link in the mail
    first_review: int = 0  # accepted by the automatic check against the register
    correction_asked: int = 0
    corrected: int = 0
    rejected: Counter = field(default_factory=Counter)  # by reason
    accepted: int = 0
    listed: dict[str, int] = field(default_factory=dict)  # on the LNERE, by modality
    credentials_mailed: int = 0
    handed_over: int = 0  # internet voters on the credential list the voting server loaded
    accounts: int = 0  # voter accounts the voting server made from the hand-over
    web_cast: int = 0  # of the internet ballots, those cast through the voter pages
    mails: int = 0  # every mail the registry sent


@dataclass
class Registration:
    funnel: Funnel
    internet: list[InternetVoter]
    postal_list: Path  # the registry's postal LNERE (vmre/postal-lnere/v1), for the count
    internet_list: Path  # the registry's internet LNERE (vmre/internet-lnere/v1), for the count
    folios: dict[int, str]  # citizen index -> folio of the stored request


def register(sessions: sessionmaker[Session], election_id: str, name: str,
             entities: list[str], min_validity_year: int, citizens: list[Citizen],
             extract: RegisterExtract, mailbox: Mailbox, mailer: Mailer, folder: Path,
             issuer_secret: int, say: Callable[[str], None] = lambda _m: None
             ) -> Registration:
    """Everything from the first request to the hand-over: the voting server (registered
    under `election_id`) gets the list signed with `issuer_secret` and the voters' accounts,
    and each internet voter the access mail."""
    funnel = Funnel()
    by_email = {c.email: c for c in citizens}
    _open_process(sessions, election_id, name, entities, min_validity_year)
    folios = _submit_all(sessions, election_id, citizens, mailbox, mailer, funnel)

    with transaction(sessions) as s:  # first review, against the register
        funnel.first_review = service.run_validation(s, extract, election_id)["accepted"]
    with transaction(sessions) as s:
        for req in _queue(s, election_id, Status.IN_REVIEW):
            if req.finding == "data_mismatch":  # a name typed wrong can be put right
                service.ask_correction(s, req, REVIEWER, ["identity"])
                funnel.correction_asked += 1
            else:
                service.reject(s, req, REVIEWER, req.finding)
                funnel.rejected[req.finding] += 1

    asked = [by_email[a] for a in _notices(sessions, mailbox, mailer, funnel)]
    with transaction(sessions) as s:  # those asked open the status page and correct
        for citizen in sorted(asked, key=lambda c: c.index):
            if citizen.behaviour == "silent":
                continue  # never answers
            req = service.find_for_citizen(s, folios[citizen.index], citizen.card.birth_date)
            service.correct(s, req, citizen.correction(), {})
            funnel.corrected += 1
    with transaction(sessions) as s:  # reviewers check the corrections against the register
        process = service.get_process(s, election_id)
        waiting = _queue(s, election_id, Status.IN_REVIEW)
        inactive = inactive_cards(s, [r.elector_key for r in waiting])
        for req in waiting:
            finding = service.findings(extract.lookup(req.elector_key), req, process, inactive)
            if finding:
                service.reject(s, req, REVIEWER, finding)
                funnel.rejected[finding] += 1
            else:
                service.accept(s, req, REVIEWER)
        for req in _queue(s, election_id, Status.TO_CORRECT):  # the deadline went by
            service.reject(s, req, REVIEWER, "correction_not_made")
            funnel.rejected["correction_not_made"] += 1

    with transaction(sessions) as s:  # the list closes, per entity and modality
        lists.close(s, election_id, REVIEWER)
        figures = lists.figures(s, election_id)
    funnel.accepted = figures["status"].get(Status.INCLUDED.value, 0)
    funnel.listed = {m: figures["modality"].get(m, 0) for m in (Modality.INTERNET.value,
                                                                 Modality.POSTAL.value)}
    _notices(sessions, mailbox, mailer, funnel)  # "included in the list"; nothing to do

    say("credentials")
    funnel.credentials_mailed = issue_credentials(sessions, election_id, ISSUER, issuer_secret,
                                                  mailer, chunk=MAIL_BATCH)
    funnel.mails += funnel.credentials_mailed
    internet = []
    for citizen in citizens:  # each internet voter on the list reads the access mail
        for body in mailbox.read(citizen.email):
            found = access_link(body)
            if found:
                link, code = found
                internet.append(InternetVoter(folios[citizen.index], citizen.card.entity_id,
                                              citizen.email, citizen.phone, code, link))
    mailbox.discard()

    folder.mkdir(parents=True, exist_ok=True)
    postal_list = folder / "lnere-postal.jsonl"  # the one format the count reads
    with transaction(sessions) as s, postal_list.open("w", encoding="utf-8") as f:
        postal_lnere.write(s, election_id, f)
    internet_list = folder / "lnere-internet.jsonl"  # who the count refuses envelopes from
    with transaction(sessions) as s, internet_list.open("w", encoding="utf-8") as f:
        internet_lnere.write(s, election_id, f)
    return Registration(funnel, internet, postal_list, internet_list, folios)


def _open_process(sessions: sessionmaker[Session], election_id: str, name: str,
                  entities: list[str], min_validity_year: int) -> None:
    """Registration open since a month ago, for another two (deadlines are local times)."""
    timezone = "America/Mexico_City"
    local = utcnow().astimezone(ZoneInfo(timezone)).replace(tzinfo=None, microsecond=0)
    with transaction(sessions) as s:
        service.create_process(
            s, election_id, name, opens_at=local - dt.timedelta(days=30),
            closes_at=local + dt.timedelta(days=60),
            corrections_until=local + dt.timedelta(days=75),
            card_min_validity_year=min_validity_year, entities=entities, timezone=timezone,
            # Its reviewers are scripts that cannot look at an image: only findings go to them.
            review_rule="findings")


def _submit_all(sessions: sessionmaker[Session], election_id: str, citizens: list[Citizen],
                mailbox: Mailbox, mailer: Mailer, funnel: Funnel) -> dict[int, str]:
    """Every form, then the second sends of those who send twice; after each batch the
    confirmation mails go out and their addressees open the link."""
    forms = [(c, c.form(election_id)) for c in citizens] + [
        (c, c.second_form(election_id)) for c in citizens if c.behaviour == "twice"]
    folios: dict[int, str] = {}
    for batch in chunked(forms, BATCH):
        sent = []
        with transaction(sessions) as s:
            for citizen, form in batch:
                funnel.submitted += 1
                try:
                    req, token = service.submit(s, election_id, form, citizen.files())
                except FieldErrors as err:
                    if err.errors.get("elector_key", ("",))[0] != "registry.request.duplicate":
                        raise
                    funnel.duplicates += 1
                    continue
                folios[citizen.index] = req.folio
                sent.append((citizen, notify.confirmation(req, token)))
        taken = mailer.send_each([item.mail for _c, item in sent])
        notify.mark_confirmations_sent(sessions, [item for (_c, item), ok in
                                                  zip(sent, taken, strict=True) if ok])
        funnel.requests += len(sent)
        funnel.mails += sum(taken)
        with transaction(sessions) as s:
            for citizen, _item in sent:
                for body in mailbox.read(citizen.email):
                    token = confirmation_token(body)
                    if token:
                        service.confirm_email(s, token)
                        funnel.confirmed += 1
        mailbox.discard()
    return folios


def _queue(s: Session, election_id: str, status: Status) -> list[Request]:
    """The reviewers' queue for one status, whole."""
    total = service.queue(s, election_id, status=status.value, limit=1)[1]
    return service.queue(s, election_id, status=status.value, limit=max(total, 1))[0]


def _notices(sessions: sessionmaker[Session], mailbox: Mailbox, mailer: Mailer,
             funnel: Funnel) -> set[str]:
    """Mail every pending status notice, a batch at a time, each read by its addressee;
    returns the addresses of those told to correct their request."""
    to_correct = text(f"registry.status.{Status.TO_CORRECT.value}", "es")
    asked: set[str] = set()
    while True:
        sent = notify.flush_outbox(sessions, mailer, limit=MAIL_BATCH, max_batches=1)
        funnel.mails += sent
        for address in mailbox.addresses():
            if any(to_correct in body for body in mailbox.read(address)):
                asked.add(address)
        mailbox.discard()
        if not sent:
            return asked


def listed_folios(session: Session, election_id: str, modality: str) -> set[str]:
    """Folios on the closed list of one modality."""
    return set(session.scalars(select(Request.folio).where(
        Request.election_id == election_id, Request.modality == modality,
        Request.status == Status.INCLUDED.value)))
