"""Credentials of internet voters: the registry acts as credential authority.

For each accepted internet voter a credential is generated and its secret code is mailed to
the voter, inside the activation link's fragment and in the mail's text, then forgotten: the
registry stores only the public credential. What the voting server receives crosses the seam
as one document, the hand-over (vmre.voting.handover): the re-signed list of public
credentials and, per voter, the account access data with the hash of the link's token
(docs/registry.md §6, docs/sivei.md §3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vmre.core import audit
from vmre.core.audit import utcnow
from vmre.core.database import transaction
from vmre.core.email import Mailer
from vmre.core.messages import UserError
from vmre.crypto import credentials
from vmre.crypto.group import Point, point_from_hex
from vmre.registry.models import Modality, Process, Request, Status
from vmre.registry.notify import access_mail
from vmre.registry.padron import SyntheticPadron
from vmre.registry.service import create_process, get_process
from vmre.voting.accounts import new_token
from vmre.voting.credential_list import sign_credential_list
from vmre.voting.handover import AccountAccess, Handover

ON_LIST = (Status.ACCEPTED.value, Status.INCLUDED.value)
MAIL_CHUNK = 200  # mails per SMTP connection

Deliver = Callable[[Handover], object]


def in_process(factory: sessionmaker[Session]) -> Deliver:
    """The voting server's intake, called in this process (both share a deployment)."""
    from vmre.voting.handover import receive

    return lambda handover: receive(factory, handover)


@dataclass(frozen=True)
class _Voter:
    """What the registry needs of a request to issue and mail (read once, no lock held)."""

    id: int
    folio: str
    email: str
    phone: str
    entity_id: str
    lang: str
    given_names: str


@dataclass(frozen=True)
class _Issued:
    voter: _Voter
    secret: str = field(repr=False)  # mailed, never stored
    public: Point = field()
    token: str = field(repr=False)  # mailed, only its hash crosses to the voting server
    token_hash: str = field()


def _snapshot(req: Request) -> _Voter:
    return _Voter(req.id, req.folio, req.email, req.phone, req.entity_id, req.lang,
                  req.given_names)


def _on_list(election_id: str):
    return (Request.election_id == election_id, Request.modality == Modality.INTERNET.value,
            Request.status.in_(ON_LIST))


def _issue(election_id: str, voter: _Voter) -> _Issued:
    cred = credentials.generate(election_id)
    token, hashed = new_token()
    return _Issued(voter, cred.secret, cred.public, token, hashed)


def _handover(election_id: str, issuer_secret: int, kept: list[tuple[Point, str]],
              issued: list[_Issued]) -> Handover:
    listing = sign_credential_list(election_id, issuer_secret,
                                   kept + [(i.public, i.voter.entity_id) for i in issued])
    return Handover(election_id, listing, tuple(
        AccountAccess(entity=i.voter.entity_id, email=i.voter.email, phone=i.voter.phone,
                      credential=i.public.hex(), activation_hash=i.token_hash)
        for i in issued))


def _store(factory: sessionmaker[Session], election_id: str, actor: str,
           issued: list[_Issued], action: str) -> None:
    now = utcnow()
    with transaction(factory) as session:
        for item in issued:
            req = session.get(Request, item.voter.id)
            req.credential_public = item.public.hex()
            req.credential_issued_at = now
        audit.record(session, actor, action, election_id, f"count={len(issued)}")


def issue_credentials(factory: sessionmaker[Session], election_id: str, actor: str,
                      issuer_secret: int, mailer: Mailer | None = None,
                      deliver: Deliver | None = None, chunk: int = MAIL_CHUNK) -> int:
    """Issue a credential to every accepted internet voter who has none yet: hand the
    re-signed list and their account data to the voting server, then mail each voter ONE
    access message (activation link with the code in its fragment).

    Order, so that a mail never carries a dead link: (1) the voting server receives the
    hand-over (it refuses once the first ballot is in, and then nothing is mailed); (2) the
    mails go, `chunk` per SMTP connection; (3) each chunk's public credentials are stored
    once the mail server took its messages. If the mail server fails, the rest are not
    stored: the next run issues them new credentials and re-signs the list from what is
    stored, so the unsent ones drop off it."""
    mailer = mailer or Mailer()
    deliver = deliver or in_process(factory)
    with transaction(factory) as session:
        get_process(session, election_id)
        voters = [_snapshot(r) for r in session.scalars(
            select(Request).where(*_on_list(election_id), Request.credential_public == "")
            .order_by(Request.id))]
        kept = public_credentials(session, election_id)
    if not voters:
        return 0
    issued = [_issue(election_id, v) for v in voters]
    deliver(_handover(election_id, issuer_secret, kept, issued))
    total = 0
    for start in range(0, len(issued), chunk):
        part = issued[start:start + chunk]
        mailer.send_many([access_mail(i.voter, i.secret, i.token) for i in part])
        _store(factory, election_id, actor, part, "registry.credentials_issued")
        total += len(part)
    return total


def _find_voter(session: Session, election_id: str, who: str) -> Request:
    who = who.strip()
    query = select(Request).where(*_on_list(election_id))
    if "@" in who:
        query = query.where(func.lower(Request.email) == who.lower())
    else:
        query = query.where(Request.folio == who)
    found = list(session.scalars(query.order_by(Request.id).limit(2)))
    if len(found) != 1:
        raise UserError("registry.credentials.unknown_voter", who=who)
    return found[0]


def reissue_credential(factory: sessionmaker[Session], election_id: str, who: str,
                       actor: str, issuer_secret: int, mailer: Mailer | None = None,
                       deliver: Deliver | None = None) -> str:
    """A new credential for one voter (by e-mail or folio) whose mail never arrived or was
    lost; returns the folio. Only before the first ballot of the election: the old code
    leaves the re-signed list, the voter's account is re-bound to the new credential and a
    new link (carrying the new code) replaces the old one. Once voting has started the list
    is final and this is refused; the voter keeps the code they had and can still get an
    account-recovery link (without code) at /voto/recuperar.

    Order: hand-over, then the new public credential is stored, then the mail; if the mail
    fails the old code is already void, and the command is simply run again."""
    mailer = mailer or Mailer()
    deliver = deliver or in_process(factory)
    with transaction(factory) as session:
        get_process(session, election_id)
        voter = _snapshot(_find_voter(session, election_id, who))
        old = session.get(Request, voter.id).credential_public
        kept = [(p, e) for p, e in public_credentials(session, election_id) if p.hex() != old]
    item = _issue(election_id, voter)
    try:
        deliver(_handover(election_id, issuer_secret, kept, [item]))
    except UserError as err:
        if err.key == "voting.credentials.after_first_ballot":
            raise UserError("registry.credentials.voting_started") from None
        raise
    _store(factory, election_id, actor, [item], "registry.credential_reissued")
    mailer.send_many([access_mail(voter, item.secret, item.token)])
    return voter.folio


def public_credentials(session: Session, election_id: str) -> list[tuple[Point, str]]:
    rows = session.execute(
        select(Request.credential_public, Request.entity_id)
        .where(*_on_list(election_id), Request.credential_public != "")
        .order_by(Request.credential_public))
    return [(point_from_hex(hex_point), entity) for hex_point, entity in rows]


def signed_list(session: Session, election_id: str, issuer_secret: int, actor: str) -> dict:
    """The document the voting server loads: every public credential with its entity."""
    get_process(session, election_id)
    document = sign_credential_list(election_id, issuer_secret,
                                    public_credentials(session, election_id))
    audit.record(session, actor, "registry.credential_list_signed", election_id,
                 f"count={len(document['credentials'])}")
    return document


@dataclass(frozen=True)
class EnrolledVoter:
    folio: str
    secret: str = field(repr=False)  # handed to the caller only; never stored nor printed
    public: Point = field()
    entity_id: str = field()


def ensure_process(session: Session, election_id: str, now: dt.datetime | None = None,
                   entities: list[str] | None = None, voting_url: str = "") -> Process:
    """The registration process of `election_id`, or an open one for every entity."""
    process = session.get(Process, election_id)
    if process is not None:
        return process
    from vmre.core.entities import ENTITIES

    moment = (now or utcnow()).replace(tzinfo=None)
    return create_process(
        session, election_id, election_id, opens_at=moment - dt.timedelta(days=30),
        closes_at=moment + dt.timedelta(days=60), corrections_until=moment + dt.timedelta(days=75),
        card_min_validity_year=moment.year, entities=entities or [e.id for e in ENTITIES],
        voting_url=voting_url, review_rule="findings")  # synthetic voters: no images to see


def enrol_synthetic_voters(session: Session, election_id: str, n: int, seed: int = 2024,
                           entities: list[str] | None = None) -> list[EnrolledVoter]:
    """N accepted internet voters drawn from the synthetic register, with their credentials
    (for the mock election and the demo: the caller gets the secrets, the database keeps
    only the public credentials)."""
    process = ensure_process(session, election_id, entities=entities)
    allowed = set(process.entity_ids())
    taken = set(session.scalars(select(Request.elector_key)
                                .where(Request.election_id == election_id)))
    # Records are generated lazily and index by index: read as far as it takes to find n.
    padron = SyntheticPadron(seed, size=2**31)
    enrolled: list[EnrolledVoter] = []
    now = utcnow()
    for record in padron:
        if len(enrolled) == n:
            break
        if (record.entity_id not in allowed or record.elector_key in taken
                or record.validity_year < process.card_min_validity_year):
            continue
        k = len(taken) + len(enrolled)
        cred = credentials.generate(election_id)
        req = Request(
            folio=f"SIM-{election_id[:8].upper()}-{k:07d}"[:20], election_id=election_id,
            status=Status.ACCEPTED.value, given_names=record.given_names,
            first_surname=record.first_surname, second_surname=record.second_surname,
            birth_date=record.birth_date, elector_key=record.elector_key, ocr=record.ocr,
            cic=record.cic, card_issued_abroad=record.issued_abroad, entity_id=record.entity_id,
            country="US", region="California", city="Los Ángeles", postal_code="90001",
            street="Calle de prueba 1", email=f"votante{k}@example.org",
            phone=f"+1555{k:07d}", modality=Modality.INTERNET.value, lang="es",
            email_confirmed_at=now, created_at=now, updated_at=now, decided_by="system",
            credential_public=cred.public.hex(), credential_issued_at=now)
        session.add(req)
        enrolled.append(EnrolledVoter(req.folio, cred.secret, cred.public, record.entity_id))
    session.flush()
    audit.record(session, "system", "registry.synthetic_enrolled", election_id,
                 f"count={len(enrolled)}")
    return enrolled
