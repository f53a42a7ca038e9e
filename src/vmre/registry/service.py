"""Registry use cases: submit, confirm, check status, correct, review, reverse.

Handlers (web, API, CLI) call these inside one transaction; every status change writes an
audit event and a notice in the outbox in that same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, literal, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from vmre.cards.service import inactive_cards
from vmre.core import audit
from vmre.core.audit import utcnow
from vmre.core.clock import people_moment
from vmre.core.messages import UserError
from vmre.core.row_cache import RowCache
from vmre.crypto.credentials import ALPHABET
from vmre.registry import documents
from vmre.registry.models import (
    CORRECTION_ITEMS,
    REASONS,
    Closure,
    Modality,
    Outbox,
    Process,
    Request,
    Status,
)
from vmre.registry.padron import Padron, PadronRecord, fold
from vmre.registry.rules import (
    DEFAULT_REVIEW_RULE,
    DEFAULT_SAMPLE_PERCENT,
    FieldErrors,
    check_request,
    check_review_rule,
    human_review,
)

SYSTEM = "system"
assert len(ALPHABET) == 32  # _new_folio relies on it
DOCUMENT_FIELDS = ("card_front", "card_back", "proof")
FORM_FIELDS_BYTES = 1024 * 1024  # the request form's text fields and multipart framing


def largest_request_body() -> int:
    """The largest body the request form can lawfully send, each document at the upload
    limit: the site refuses any larger body unread (vmre.web.body_limit)."""
    return len(DOCUMENT_FIELDS) * documents.max_bytes() + FORM_FIELDS_BYTES


# Which request fields a citizen may change for each correction item.
CORRECTABLE = {
    "card_images": ("card_front", "card_back"),
    "proof_of_address": ("proof",),
    "address": ("country", "region", "city", "postal_code", "street"),
    "identity": ("given_names", "first_surname", "second_surname", "ocr", "cic"),
    "contact": ("phone",),
}


# ---------------------------------------------------------------- processes and clocks


def create_process(session: Session, election_id: str, name: str, *, opens_at: dt.datetime,
                   closes_at: dt.datetime, corrections_until: dt.datetime,
                   card_min_validity_year: int, entities: Iterable[str],
                   timezone: str = "America/Mexico_City",
                   modalities: Iterable[str] = ("postal", "internet"),
                   correction_days: int = 10, voting_url: str = "",
                   review_rule: str = DEFAULT_REVIEW_RULE,
                   review_sample_percent: int = DEFAULT_SAMPLE_PERCENT) -> Process:
    zone = ZoneInfo(timezone)  # refuse an unknown zone now rather than at the first request
    check_review_rule(review_rule, review_sample_percent)

    def wall(moment: dt.datetime) -> dt.datetime:
        """A time given with its offset, as the process zone's wall clock (how it is kept)."""
        return moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment

    process = Process(id=election_id, name=name, timezone=timezone, opens_at=wall(opens_at),
                      closes_at=wall(closes_at), corrections_until=wall(corrections_until),
                      correction_days=correction_days,
                      card_min_validity_year=card_min_validity_year,
                      entities=",".join(entities), modalities=",".join(modalities),
                      voting_url=voting_url, review_rule=review_rule,
                      review_sample_percent=review_sample_percent)
    session.add(process)
    session.flush()
    _rules_cache.forget(session.get_bind(), election_id)
    return process


def get_process(session: Session, election_id: str) -> Process:
    process = session.get(Process, election_id)
    if process is None:
        raise UserError("registry.process.unknown", election=election_id)
    return process


def all_processes(session: Session) -> list[Process]:
    return list(session.scalars(select(Process).order_by(Process.id)))


def open_processes(session: Session, now: dt.datetime | None = None) -> list[Process]:
    return [p for p in session.scalars(select(Process).order_by(Process.id))
            if p.opens_at <= local_now(p, now) <= p.closes_at]


@dataclass(frozen=True)
class ProcessRules:
    """What taking a request needs from its process, detached from any session."""

    id: str
    timezone: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    entities: frozenset[str]
    modalities: frozenset[str]


PROCESS_CACHE_SECONDS = 30.0
_rules_cache: RowCache[ProcessRules] = RowCache(PROCESS_CACHE_SECONDS)


def process_rules(session: Session, election_id: str) -> ProcessRules:
    """The process's rules, read once per PROCESS_CACHE_SECONDS per database and server
    process (every request would otherwise read the same row). A process created here is
    seen at once; a change made to the row directly is seen within that many seconds."""
    engine = session.get_bind()
    cached = _rules_cache.get(engine, election_id)
    if cached is not None:
        return cached
    process = get_process(session, election_id)
    return _rules_cache.put(engine, election_id, ProcessRules(
        process.id, process.timezone, process.opens_at, process.closes_at,
        frozenset(process.entity_ids()), frozenset(process.modality_list())))


def local_now(process: Process | ProcessRules, now: dt.datetime | None = None) -> dt.datetime:
    """Wall-clock time in the election's zone, comparable with the process deadlines."""
    moment = now or utcnow()
    return moment.astimezone(ZoneInfo(process.timezone)).replace(tzinfo=None)


def _new_folio() -> str:
    # Random, not sequential: a folio says nothing about the others. One read of the system's
    # random source; 32 characters divide 256, so `byte % 32` is uniform.
    return "SRVE-" + "".join(ALPHABET[b % 32] for b in secrets.token_bytes(10))


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------- citizen side


def submit(session: Session, election_id: str, raw: dict, files: dict[str, bytes],
           lang: str = "es", now: dt.datetime | None = None) -> tuple[Request, str]:
    """Store a new request; returns it with the one-time e-mail confirmation token.

    Raises FieldErrors (field-level, nothing stored) or UserError (whole request).
    Round trips: one uniqueness look-up, the INSERT of the request, the INSERT of its audit
    event (the process rules are cached). The request is written with one INSERT and
    attached to the session as loaded, without reading it back."""
    process = process_rules(session, election_id)
    local = local_now(process, now)
    if local < process.opens_at:
        raise UserError("registry.request.not_open",
                        opens=people_moment(process.opens_at, process.timezone))
    if local > process.closes_at:
        raise UserError("registry.request.closed",
                        closes=people_moment(process.closes_at, process.timezone))
    clean, errors = check_request(raw, local.date())
    if clean["entity_id"] and clean["entity_id"] not in process.entities:
        errors.add("entity_id", "registry.field.entity_no_election")
    if clean["modality"] and clean["modality"] not in process.modalities:
        errors.add("modality", "registry.field.choice")
    need = ["card_front", "card_back"] + ([] if clean["card_issued_abroad"] else ["proof"])
    for name in need:
        try:
            documents.check(files.get(name) or b"", name, allow_pdf=name == "proof")
        except UserError as err:
            errors.add(name, err.key, **err.params)
    if not errors:
        _check_unique(session, election_id, clean, errors)
    if errors:
        raise errors
    # Written only now that the whole form is valid: a refused form leaves nothing on disk
    # (a flood of refused forms must not fill it).
    stored = {name: documents.store(files[name]).sha256 for name in need}

    token = secrets.token_urlsafe(24)
    moment = utcnow()
    values = {
        "folio": _new_folio(), "election_id": election_id, "status": Status.RECEIVED.value,
        "given_names": clean["given_names"], "first_surname": clean["first_surname"],
        "second_surname": clean["second_surname"], "birth_date": clean["birth_date"],
        "elector_key": clean["elector_key"], "ocr": clean["ocr"], "cic": clean["cic"],
        "card_issued_abroad": clean["card_issued_abroad"], "entity_id": clean["entity_id"],
        "country": clean["country"], "region": clean["region"], "city": clean["city"],
        "postal_code": clean["postal_code"], "street": clean["street"], "email": clean["email"],
        "phone": clean["phone"], "modality": clean["modality"], "lang": lang,
        "consent_at": moment, "email_token_hash": _hash_token(token), "created_at": moment,
        "updated_at": moment, "card_front_sha": "", "card_back_sha": "", "proof_sha": "",
        "email_confirmed_at": None, "finding": "", "reason": "", "correction_items": "",
        "correction_deadline": None, "decided_by": "", "closure_id": None, "addendum": False,
        "credential_public": "", "credential_issued_at": None,
        "confirmation_sent_at": None, "correction_reminded_at": None,
        "change_token_hash": "", "change_token_expires_at": None,
    }
    for name, sha in stored.items():
        values[f"{name}_sha"] = sha
    try:
        new_id = session.execute(insert(Request.__table__).returning(Request.id),
                                 values).scalar_one()
    except IntegrityError:  # a concurrent twin got in first (the transaction is lost)
        raise UserError("registry.request.duplicate") from None
    audit.append(session, SYSTEM, "registry.submitted", values["folio"],
                 f"modality={values['modality']}")
    req = Request(id=new_id, **values)
    make_transient_to_detached(req)  # every column is set: nothing left to load
    session.add(req)  # persistent in this session, as if it had been read
    return req, token


def _check_unique(session: Session, election_id: str, clean: dict, errors: FieldErrors) -> None:
    """One look-up for the three rules: the elector key once per process; for internet
    voters, a personal e-mail and phone (no sharing between internet voters).

    One indexed branch per rule, joined by UNION ALL: written as one condition with OR,
    SQLite walks every request of the election instead (its OR optimisation does not reach
    inside the AND), a cost that grew with each request taken. The e-mail and phone branches
    name no election, so the planner takes their own indexes; rows of other elections are
    dropped here."""
    internet = clean["modality"] == Modality.INTERNET
    columns = (Request.election_id, Request.elector_key, Request.email, Request.phone,
               Request.modality)
    branches = [select(*columns).where(Request.election_id == election_id,
                                       Request.elector_key == clean["elector_key"])]
    if internet:
        branches += [select(*columns).where(Request.email == clean["email"]),
                     select(*columns).where(Request.phone == clean["phone"])]
    rows = [r for r in session.execute(union_all(*branches)) if r.election_id == election_id]
    if any(r.elector_key == clean["elector_key"] for r in rows):
        errors.add("elector_key", "registry.request.duplicate")
    if internet:
        others = [r for r in rows if r.modality == Modality.INTERNET]
        if any(r.email == clean["email"] for r in others):
            errors.add("email", "registry.field.email_taken")
        if any(r.phone == clean["phone"] for r in others):
            errors.add("phone", "registry.field.phone_taken")


def confirm_email(session: Session, token: str) -> Request:
    req = session.scalar(select(Request).where(Request.email_token_hash == _hash_token(token)))
    if req is None or not token:
        raise UserError("registry.confirm.invalid")
    req.email_confirmed_at = utcnow()
    req.email_token_hash = ""
    if req.confirmation_sent_at is None:  # the link arrived, whatever we recorded
        req.confirmation_sent_at = req.email_confirmed_at
    audit.record(session, SYSTEM, "registry.email_confirmed", req.folio)
    return req


def new_confirmation_token(session: Session, req: Request) -> str:
    """A new one-time link (the previous one stops working); its mail is pending until the
    mail server takes it (`notify.mark_confirmations_sent`)."""
    token = secrets.token_urlsafe(24)
    req.email_token_hash = _hash_token(token)
    req.confirmation_sent_at = None
    req.updated_at = utcnow()
    return token


def find_for_citizen(session: Session, folio: str, birth_date: dt.date | None) -> Request | None:
    """A request only for the pair folio + date of birth; the same None for either wrong."""
    if birth_date is None:
        return None
    req = session.scalar(select(Request).where(Request.folio == folio.strip().upper()))
    if req is None or req.birth_date != birth_date:
        return None
    return req


CHANGE_LINK_HOURS = 24  # a link to change a request works this long, and once


def new_change_token(session: Session, req: Request) -> str:
    """A one-time link to change the request, for its confirmed e-mail only (folio and date
    of birth are not secrets: they only ask for this mail). The previous link stops working;
    only the token's hash is kept."""
    if req.email_confirmed_at is None:
        raise UserError("registry.change.unconfirmed")
    if req.status != Status.TO_CORRECT:
        raise UserError("registry.correct.not_asked")
    token = secrets.token_urlsafe(24)
    req.change_token_hash = _hash_token(token)
    req.change_token_expires_at = utcnow() + dt.timedelta(hours=CHANGE_LINK_HOURS)
    audit.record(session, SYSTEM, "registry.change_link_sent", req.folio)
    return token


def find_by_change_token(session: Session, token: str) -> Request:
    """The request a change link is for, while the link is current and unexpired."""
    req = session.scalar(select(Request).where(Request.change_token_hash == _hash_token(token)))
    if (req is None or not token or req.change_token_expires_at is None
            or req.change_token_expires_at < utcnow()):
        raise UserError("registry.change.invalid")
    return req


def use_change_token(req: Request) -> None:
    """The link has done its one change."""
    req.change_token_hash = ""
    req.change_token_expires_at = None


def correct(session: Session, req: Request, raw: dict, files: dict[str, bytes],
            now: dt.datetime | None = None) -> Request:
    """The citizen fixes what was asked, in place, before the deadline."""
    if req.status != Status.TO_CORRECT:
        raise UserError("registry.correct.not_asked")
    process = get_process(session, req.election_id)
    local = local_now(process, now)
    if req.correction_deadline is None or local > req.correction_deadline:
        raise UserError("registry.correct.late")
    allowed = {f for item in req.correction_items.split(",") if item
               for f in CORRECTABLE.get(item, ())}
    merged = {name: getattr(req, name) for name in (
        "given_names", "first_surname", "second_surname", "elector_key", "ocr", "cic",
        "entity_id", "country", "region", "city", "postal_code", "street", "email", "phone",
        "modality")}
    merged["birth_date"] = req.birth_date.isoformat()
    merged["card_issued"] = "abroad" if req.card_issued_abroad else "mexico"
    merged["consent"] = "yes"
    for name in allowed:
        if name in raw and name not in DOCUMENT_FIELDS:
            merged[name] = raw[name]
    clean, errors = check_request(merged, local.date())
    asked = [name for name in DOCUMENT_FIELDS if name in allowed]
    for name in asked:
        try:
            documents.check(files.get(name) or b"", name, allow_pdf=name == "proof")
        except UserError as err:
            errors.add(name, err.key, **err.params)
    if errors:
        raise errors
    stored = {name: documents.store(files[name]).sha256 for name in asked}  # only when valid
    for name in allowed - set(DOCUMENT_FIELDS):
        setattr(req, name, clean[name])
    for name, sha in stored.items():
        setattr(req, f"{name}_sha", sha)
    _change(session, req, Status.IN_REVIEW, SYSTEM, "corrected")
    req.correction_items = req.correction_fields = req.correction_note = ""
    return req


# ---------------------------------------------------------------- validation


def findings(record: PadronRecord | None, req: Request, process: Process,
             inactive_cards: frozenset[str] = frozenset()) -> str:
    """The first problem found against the register and the process rules, or "".

    `inactive_cards`: elector keys whose card issued abroad (CPVE) was never activated by its
    holder; only an activated card lets its holder register (docs/registry.md)."""
    if record is None:
        return "not_in_register"
    same = (fold(record.given_names) == fold(req.given_names)
            and fold(record.first_surname) == fold(req.first_surname)
            and fold(record.second_surname) == fold(req.second_surname)
            and record.birth_date == req.birth_date
            and record.entity_id == req.entity_id
            and record.issued_abroad == req.card_issued_abroad
            and (not req.ocr or record.ocr == req.ocr)
            and (not req.cic or record.cic == req.cic))
    if not same:
        return "data_mismatch"
    if record.validity_year < process.card_min_validity_year:
        return "card_expired"
    if req.card_issued_abroad and req.elector_key in inactive_cards:
        return "card_not_activated"
    if req.entity_id not in process.entity_ids():
        return "entity_no_election"
    if req.country == "MX":
        return "address_not_abroad"
    return ""


_VALIDATION_COLUMNS = (
    Request.id, Request.election_id, Request.elector_key, Request.given_names,
    Request.first_surname, Request.second_surname, Request.birth_date, Request.entity_id,
    Request.card_issued_abroad, Request.ocr, Request.cic, Request.country, Request.modality,
    Request.folio)


def run_validation(session: Session, padron: Padron, election_id: str,
                   batch: int = 5000) -> dict[str, int]:
    """First review of every confirmed, received request: those with a finding go to review
    with it, for a reviewer to decide; a clean one is accepted unless the process rule
    (`review_rule`: all, sample, findings) sends it to a person too (finding review_all /
    review_sample)."""
    process = get_process(session, election_id)
    closed = _closed_lists(session, election_id)
    counts = {"accepted": 0, "in_review": 0, "included": 0}
    # Walk the primary key in fixed windows: each window is an index range scan, so the
    # cost stays linear however many requests wait (a LIMIT over "status = received"
    # ordered by id would rescan the waiting ones on every batch).
    low, high = session.execute(select(func.min(Request.id), func.max(Request.id))
                                .where(Request.election_id == election_id)).one()
    if low is None:
        return counts
    for start in range(low, high + 1, batch):
        # Only the key range in SQL (so the planner cannot prefer the status index and
        # rescan every waiting request per window); the rest is filtered here.
        rows = [row for row in session.execute(
            select(*_VALIDATION_COLUMNS, Request.status, Request.email_confirmed_at)
            .where(Request.id >= start, Request.id < start + batch))
            if row.election_id == election_id and row.status == Status.RECEIVED
            and row.email_confirmed_at is not None]
        if not rows:
            continue
        last_id = rows[-1].id
        now = utcnow()
        # Grouped by outcome: one UPDATE per finding instead of one per request.
        by_finding: dict[str, list[int]] = {}
        late: list[dict] = []
        inactive = inactive_cards(session, [r.elector_key for r in rows if r.card_issued_abroad])
        for req in rows:
            finding = findings(padron.lookup(req.elector_key), req, process, inactive) or (
                human_review(process.review_rule, process.review_sample_percent, req.folio))
            status = Status.IN_REVIEW if finding else Status.ACCEPTED
            closure = closed.get((req.entity_id, req.modality))
            if status == Status.ACCEPTED and closure is not None:
                status = Status.INCLUDED  # the list is closed: this one joins the addendum
                late.append({"id": req.id, "closure_id": closure, "addendum": True})
            by_finding.setdefault(finding if status != Status.INCLUDED else "+", []).append(
                req.id)
            counts[status.value] += 1
        for finding, ids in by_finding.items():
            status = (Status.INCLUDED if finding == "+" else
                      Status.IN_REVIEW if finding else Status.ACCEPTED)
            session.execute(
                update(Request).where(Request.id.in_(ids))
                .values(status=status.value, finding=finding.strip("+"), decided_by=SYSTEM,
                        updated_at=now).execution_options(synchronize_session=False))
            # The notices are built in the database from the same ids: no row crosses the
            # wire twice.
            session.execute(insert(Outbox).from_select(
                ["request_id", "kind", "params", "created_at"],
                select(Request.id, literal(status.value), literal("{}"), literal(now))
                .where(Request.id.in_(ids))))
        if late:
            session.execute(update(Request), late)
            for closure_id in {c["closure_id"] for c in late}:
                closure = session.get(Closure, closure_id)
                closure.addendum += sum(c["closure_id"] == closure_id for c in late)
        audit.record(session, SYSTEM, "registry.validated", election_id,
                     f"batch_last_id={last_id} size={len(rows)}")
    return counts


# ---------------------------------------------------------------- review decisions


def request_by_folio(session: Session, folio: str) -> Request:
    req = session.scalar(select(Request).where(Request.folio == folio.strip().upper()))
    if req is None:
        raise UserError("registry.review.unknown_folio", folio=folio[:20])
    return req


def _closed_lists(session: Session, election_id: str) -> dict[tuple[str, str], int]:
    rows = session.execute(select(Closure.entity_id, Closure.modality, Closure.id)
                           .where(Closure.election_id == election_id))
    return {(e, m): i for e, m, i in rows}


def _change(session: Session, req: Request, status: Status, actor: str, action: str,
            detail: str = "", **params: object) -> None:
    req.status = status.value
    req.updated_at = utcnow()
    req.decided_by = actor[:80]
    audit.record(session, actor, f"registry.{action}", req.folio, detail)
    session.add(Outbox(request_id=req.id, kind=status.value, params=json.dumps(params),
                       created_at=utcnow()))


def accept(session: Session, req: Request, actor: str) -> Request:
    if req.status not in (Status.RECEIVED, Status.IN_REVIEW, Status.TO_CORRECT):
        raise UserError("registry.review.not_allowed", status=req.status)
    _accept(session, req, actor, "accepted")
    return req


def _accept(session: Session, req: Request, actor: str, action: str, detail: str = "") -> None:
    req.reason = ""
    closure_id = _closed_lists(session, req.election_id).get((req.entity_id, req.modality))
    if closure_id is None:
        _change(session, req, Status.ACCEPTED, actor, action, detail)
        return
    # After the close: the person goes to the addendum, kept apart and logged as such.
    req.closure_id = closure_id
    req.addendum = True
    closure = session.get(Closure, closure_id)
    closure.addendum += 1
    _change(session, req, Status.INCLUDED, actor, action, detail + " addendum=1")


def reject(session: Session, req: Request, actor: str, reason: str) -> Request:
    if reason not in REASONS:
        raise UserError("registry.review.bad_reason")
    if req.status not in (Status.RECEIVED, Status.IN_REVIEW, Status.TO_CORRECT):
        raise UserError("registry.review.not_allowed", status=req.status)
    req.reason = reason
    _change(session, req, Status.REJECTED, actor, "rejected", f"reason={reason}", reason=reason)
    return req


def item_of(field: str) -> str | None:
    """The correction item a form field belongs to."""
    return next((item for item, names in CORRECTABLE.items() if field in names), None)


def ask_correction(session: Session, req: Request, actor: str, items: list[str],
                   deadline: dt.datetime | None = None, now: dt.datetime | None = None,
                   fields: list[str] | None = None, note: str = "") -> Request:
    """Ask the citizen to correct: the fields named (each opens its item in the change
    form), or whole items, with the reviewer's note; both reach the citizen."""
    fields = [f for f in dict.fromkeys(fields or []) if f]
    if any(item_of(f) is None for f in fields):
        raise UserError("registry.review.bad_fields")
    items = list(dict.fromkeys([*items, *(item_of(f) for f in fields)]))
    if not items or any(i not in CORRECTION_ITEMS for i in items):
        raise UserError("registry.review.bad_items")
    note = " ".join(note.split())[:500]
    if req.status not in (Status.RECEIVED, Status.IN_REVIEW):
        raise UserError("registry.review.not_allowed", status=req.status)
    process = get_process(session, req.election_id)
    latest = process.corrections_until
    if deadline is None:
        deadline = local_now(process, now).replace(hour=23, minute=59, second=59,
                                                   microsecond=0)
        deadline += dt.timedelta(days=process.correction_days)
    deadline = min(deadline, latest)
    req.correction_items = ",".join(items)
    req.correction_fields = ",".join(fields)
    req.correction_note = note
    req.correction_deadline = deadline
    req.correction_reminded_at = None  # a new deadline gets its own reminder
    # The note goes to the citizen (outbox), never into the audit log.
    _change(session, req, Status.TO_CORRECT, actor, "correction_asked",
            f"items={req.correction_items} fields={req.correction_fields}", items=items,
            fields=fields, note=note, deadline=f"{deadline:%Y-%m-%d %H:%M}",
            tz=process.timezone)
    return req


def reverse(session: Session, req: Request, actor: str, note: str,
            reason: str | None = None) -> Request:
    """A supervisor undoes a decision: a rejection becomes an acceptance (reinstatement),
    an acceptance becomes a rejection (with a reason). The note says why."""
    note = " ".join(note.split())[:500]
    if not note:
        raise UserError("registry.review.note_required")
    if req.status == Status.REJECTED:
        previous = req.reason
        _accept(session, req, actor, "reinstated", f"was={previous} note={note}")
        return req
    if req.status in (Status.ACCEPTED, Status.INCLUDED):
        if reason not in REASONS:
            raise UserError("registry.review.bad_reason")
        if req.closure_id is not None:
            closure = session.get(Closure, req.closure_id)
            if req.addendum:
                closure.addendum -= 1
            else:
                closure.included -= 1
        req.closure_id = None
        req.addendum = False
        req.reason = reason
        req.credential_public = ""  # a revoked voter's credential leaves the next list
        _change(session, req, Status.REJECTED, actor, "reversed", f"reason={reason} note={note}",
                reason=reason)
        return req
    raise UserError("registry.review.not_allowed", status=req.status)


def queue(session: Session, election_id: str | None = None, *, status: str | None = None,
          entity_id: str | None = None, country: str | None = None,
          modality: str | None = None, reason: str | None = None,
          limit: int = 100, offset: int = 0) -> tuple[list[Request], int]:
    """The review queue with its filters; only requests whose e-mail is confirmed."""
    query = select(Request).where(Request.email_confirmed_at.is_not(None))
    for column, value in ((Request.election_id, election_id), (Request.status, status),
                          (Request.entity_id, entity_id), (Request.country, country),
                          (Request.modality, modality)):
        if value:
            query = query.where(column == value)
    if reason:
        query = query.where((Request.reason == reason) | (Request.finding == reason))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Request.id).limit(limit).offset(offset))
    return list(rows), total
