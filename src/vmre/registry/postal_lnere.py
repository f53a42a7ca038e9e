"""The postal LNERE: the closed list of postal voters handed to the count, in the one format
the count reads (docs/count.md §2.1, `vmre/postal-lnere/v1`, JSON Lines).

Each voter gets a return-envelope code once, the first time they are exported; it is kept on
the request, so every later export (per entity, all entities, the addendum) gives the same
code, and a returned envelope can be tied to its voter without the ballot inside saying who
voted.
"""

from __future__ import annotations

import secrets
from typing import IO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vmre.core import lnere_file
from vmre.core.countries import name as country_name
from vmre.core.messages import UserError
from vmre.registry.models import Closure, Modality, Request, Status
from vmre.registry.service import get_process

FORMAT = "vmre/postal-lnere/v1"
ENVELOPE_PREFIX = "VMR"
ENVELOPE_DIGITS = 14  # random digits, then one check digit
_BATCH = 5_000


def check_digit(digits: str) -> str:
    """Mod-10 check digit with weights 1, 3, 1, 3, … from the left (docs/count.md §2.1)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return str((10 - total % 10) % 10)


def envelope_code() -> str:
    digits = "".join(str(secrets.randbelow(10)) for _ in range(ENVELOPE_DIGITS))
    return ENVELOPE_PREFIX + digits + check_digit(digits)


def scope(election_id: str, entity_id: str | None, addendum_only: bool,
          modality: Modality = Modality.POSTAL) -> list:
    """The voters of an LNERE export: included, of the modality, entity and addendum asked."""
    where = [Request.election_id == election_id, Request.status == Status.INCLUDED.value,
             Request.modality == modality.value]
    if entity_id:
        where.append(Request.entity_id == entity_id)
    if addendum_only:
        where.append(Request.addendum.is_(True))
    return where


def check_closed(session: Session, election_id: str, entity_id: str | None,
                 modality: Modality = Modality.POSTAL, keys: str = "registry.lnere") -> None:
    """Only a closed list is handed over: refuses an export while the list of `modality` of
    any entity in scope is open (`keys`: the catalogue prefix of the refusals)."""
    process = get_process(session, election_id)
    if modality.value not in process.modality_list():
        raise UserError(f"{keys}.no_{modality.value}", election=election_id)
    wanted = [entity_id] if entity_id else process.entity_ids()
    if entity_id and entity_id not in process.entity_ids():
        raise UserError("registry.list.unknown_entity", entity=entity_id)
    closed = set(session.scalars(select(Closure.entity_id).where(
        Closure.election_id == election_id, Closure.modality == modality.value)))
    still_open = [e for e in wanted if e not in closed]
    if still_open:
        raise UserError(f"{keys}.not_closed", entities=",".join(still_open))


def assign_envelopes(session: Session, election_id: str, entity_id: str | None = None,
                     addendum_only: bool = False) -> int:
    """Gives a return-envelope code to every voter in scope that has none yet."""
    assigned = 0
    while True:
        ids = list(session.scalars(select(Request.id).where(
            *scope(election_id, entity_id, addendum_only), Request.envelope_code.is_(None))
            .order_by(Request.id).limit(_BATCH)))
        if not ids:
            return assigned
        codes: set[str] = set()
        while len(codes) < len(ids):
            codes.add(envelope_code())
            if len(codes) == len(ids):  # a code already given (in any election) is drawn again
                codes -= set(session.scalars(select(Request.envelope_code).where(
                    Request.envelope_code.in_(codes))))
        for request_id, code in zip(ids, sorted(codes), strict=True):
            session.execute(update(Request).where(Request.id == request_id)
                            .values(envelope_code=code)
                            .execution_options(synchronize_session=False))
        assigned += len(ids)


def label_lines(street: str, city: str, region: str, postal_code: str) -> list[str]:
    """The address abroad as printed on the package, without the country."""
    second = ", ".join(p for p in (city, " ".join(p for p in (region, postal_code) if p)) if p)
    return [line for line in (street, second) if line]


def write(session: Session, election_id: str, out: IO[str], entity_id: str | None = None,
          addendum_only: bool = False) -> int:
    """Writes the postal LNERE (closed lists only) as `vmre/postal-lnere/v1`; returns the
    number of voters. Streams the rows, so a large list never sits in memory."""
    check_closed(session, election_id, entity_id)
    assign_envelopes(session, election_id, entity_id, addendum_only)
    where = scope(election_id, entity_id, addendum_only)
    total = session.scalar(select(func.count()).where(*where)) or 0
    out.write(lnere_file.header(FORMAT, election_id, entity_id, addendum_only, total))
    columns = (Request.folio, Request.entity_id, Request.given_names, Request.first_surname,
               Request.second_surname, Request.street, Request.city, Request.region,
               Request.postal_code, Request.country, Request.envelope_code)
    rows = session.execute(select(*columns).where(*where)
                           .order_by(Request.entity_id, Request.id)
                           .execution_options(yield_per=10_000))
    n = 0
    for (folio, entity, given, first, second, street, city, region, postal_code, country,
         code) in rows:
        out.write(lnere_file.line({
            "folio": folio, "entity": entity,
            "full_name": " ".join(p for p in (given, first, second) if p),
            "address": label_lines(street, city, region, postal_code),
            "country": country, "country_name": country_name(country, "es"),
            "envelope": code}))
        n += 1
    return n

