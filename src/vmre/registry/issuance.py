"""Credentials of internet voters: the registry acts as credential authority.

For each accepted internet voter a credential is generated, its secret is mailed to the voter
in the access message and forgotten; only the public credential is stored, and the voting
side receives the signed list of public credentials (vmre.voting.credential_list).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vmre.core import audit
from vmre.core.audit import utcnow
from vmre.core.database import transaction
from vmre.core.email import Mailer
from vmre.crypto import credentials
from vmre.crypto.group import Point, point_from_hex
from vmre.registry.models import Modality, Process, Request, Status
from vmre.registry.notify import access_mail
from vmre.registry.padron import SyntheticPadron
from vmre.registry.service import create_process, get_process
from vmre.voting.credential_list import sign_credential_list

ON_LIST = (Status.ACCEPTED.value, Status.INCLUDED.value)


def _pending(session: Session, election_id: str, limit: int) -> list[Request]:
    return list(session.scalars(
        select(Request).where(Request.election_id == election_id,
                              Request.modality == Modality.INTERNET.value,
                              Request.status.in_(ON_LIST), Request.credential_public == "")
        .order_by(Request.id).limit(limit)))


def issue_credentials(factory: sessionmaker[Session], election_id: str, actor: str,
                      mailer: Mailer | None = None, chunk: int = 200) -> int:
    """Mail each pending internet voter an access message with a fresh secret credential.

    A chunk is stored only once the mail server accepted its messages; if it refuses, the
    chunk's secrets are dropped with the transaction and the next run issues new ones."""
    mailer = mailer or Mailer()
    total = 0
    while True:
        with transaction(factory) as session:
            process = get_process(session, election_id)
            voters = _pending(session, election_id, chunk)
            if not voters:
                return total
            issued = [credentials.generate(election_id) for _ in voters]
            mailer.send_many([access_mail(v, c.secret, process.voting_url)
                              for v, c in zip(voters, issued, strict=True)])
            now = utcnow()
            for voter, cred in zip(voters, issued, strict=True):
                voter.credential_public = cred.public.hex()
                voter.credential_issued_at = now
            audit.record(session, actor, "registry.credentials_issued", election_id,
                         f"count={len(voters)}")
            total += len(voters)


def public_credentials(session: Session, election_id: str) -> list[tuple[Point, str]]:
    rows = session.execute(
        select(Request.credential_public, Request.entity_id)
        .where(Request.election_id == election_id, Request.modality == Modality.INTERNET.value,
               Request.status.in_(ON_LIST), Request.credential_public != "")
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
        voting_url=voting_url)


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
