"""Practice elections (simulacros with volunteers): the flag, volunteer enrolment from a CSV,
and the System Usability Scale questionnaire after casting.

A practice election uses the same pages and cryptography as a real one. Because volunteers
are not on the registry's list, the administrator's enrolment acts as the credential
authority for the practice run only: it makes each volunteer's credential, e-mails it inside
the activation link's fragment, keeps only the public credential, and re-signs the practice
credential list with the practice issuer key, derived from the election's receipt key (so the
same key signs every enrolment and is the one the fingerprint pins, docs/record.md §2.4).
Questionnaire answers are stored apart from the accounts (entity only), so they cannot be tied
to a person.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import statistics

from sqlalchemy import Float, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core import csvsafe
from vmre.core.audit import utcnow
from vmre.core.database import Base, UtcDateTime
from vmre.core.email import Mailer
from vmre.core.messages import UserError
from vmre.crypto import credentials
from vmre.crypto.group import hash_to_scalar, point_from_hex
from vmre.voting import accounts
from vmre.voting.accounts import VoterAccount
from vmre.voting.board import Board, loaded
from vmre.voting.credential_list import sign_credential_list

SUS_ITEMS = 10
PRACTICE_ISSUER_TAG = "vmre/practice-issuer/v1"


class PracticeElection(Base):
    __tablename__ = "voting_practice"

    election_id: Mapped[str] = mapped_column(ForeignKey("voting_elections.id"), primary_key=True)
    flagged_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class SusResponse(Base):
    __tablename__ = "voting_sus_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("voting_elections.id"), index=True)
    entity: Mapped[str] = mapped_column(String(8))
    answers: Mapped[str] = mapped_column(String(40))  # "5,1,4,..." (1 to 5 each)
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")


def is_practice(s: Session, election_id: str) -> bool:
    return s.get(PracticeElection, election_id) is not None


def flag(s: Session, election_id: str) -> None:
    if not is_practice(s, election_id):
        s.add(PracticeElection(election_id=election_id))


def sus_score(answers: list[int]) -> float:
    """Brooke's System Usability Scale: odd items score − 1, even items 5 − score, × 2.5."""
    if len(answers) != SUS_ITEMS or any(a not in (1, 2, 3, 4, 5) for a in answers):
        raise UserError("sivei.sus.incomplete")
    return 2.5 * sum((a - 1) if i % 2 == 0 else (5 - a) for i, a in enumerate(answers))


def record_sus(s: Session, account: VoterAccount, answers: list[int], comment: str) -> float:
    if account.surveyed_at is not None:
        raise UserError("sivei.sus.already")
    score = sus_score(answers)
    s.add(SusResponse(election_id=account.election_id, entity=account.entity,
                      answers=",".join(map(str, answers)), score=score,
                      comment=comment.strip()[:2000]))
    account.surveyed_at = utcnow()
    return score


def parse_volunteers(text_csv: str, entities: tuple[str, ...]) -> list[dict]:
    """Rows with email, phone, entity (header line required); errors name the line."""
    reader = csv.DictReader(io.StringIO(text_csv.lstrip("\ufeff")))
    if not reader.fieldnames or not {"email", "phone", "entity"} <= set(reader.fieldnames):
        raise UserError("sivei.practice.csv_header")
    rows = []
    for line, row in enumerate(reader, start=2):
        email, phone = (row.get("email") or "").strip(), (row.get("phone") or "").strip()
        entity = (row.get("entity") or "").strip().upper()
        if "@" not in email:
            raise UserError("sivei.practice.csv_email", line=line)
        if sum(ch.isdigit() for ch in phone) < 8:
            raise UserError("sivei.practice.csv_phone", line=line)
        if entity not in entities:
            raise UserError("sivei.practice.csv_entity", line=line, entity=entity,
                            allowed=", ".join(entities))
        rows.append({"email": email, "phone": phone, "entity": entity, "line": line})
    if not rows:
        raise UserError("sivei.practice.csv_empty")
    return rows


def enrol_volunteers(s: Session, board: Board, election_id: str, text_csv: str,
                     mailer: Mailer, lang: str = "es") -> int:
    """Accounts (bound to their credentials) for every volunteer; activation e-mails carry
    the code, and their links start with VMRE_PUBLIC_URL."""
    if not is_practice(s, election_id):
        raise UserError("sivei.practice.not_practice")
    election = board.election(election_id)
    rows = parse_volunteers(text_csv, loaded(election).context.manifest.entities)
    existing = json.loads(election.credentials)["credentials"] if election.credentials else []
    entries = [(point_from_hex(r["credential"]), r["entity"]) for r in existing]
    seen: set[str] = set()
    for row in rows:  # every check before anything is written
        address = row["email"].lower()
        if address in seen or accounts.find(s, address) is not None:
            raise UserError("sivei.practice.csv_row", line=row["line"],
                            reason=UserError("sivei.account.exists").message(lang))
        seen.add(address)
    made = [(row, credentials.generate(election_id)) for row in rows]
    entries += [(credential.public, row["entity"]) for row, credential in made]
    # the list changes as a whole (the board refuses once voting has started); it is written
    # before the accounts so that SQLite never sees two writers in one request
    board.load_credentials(election_id, sign_credential_list(
        election_id, hash_to_scalar(PRACTICE_ISSUER_TAG, bytes.fromhex(election.receipt_key)),
        entries))
    invitations = []
    for row, credential in made:
        account = accounts.enrol(s, election_id, row["entity"], row["email"], row["phone"],
                                 credential.public.hex())
        invitations.append((account, accounts.new_activation(account), credential.secret))
    s.flush()
    for account, token, secret in invitations:
        accounts.send_activation(mailer, account, token, secret, lang)
    return len(invitations)


def participation(s: Session, election_id: str) -> list[dict]:
    """Per entity: volunteers enrolled, activated, voted; questionnaire answers and mean SUS."""
    out: dict[str, dict] = {}
    rows = s.execute(select(VoterAccount.entity, VoterAccount.state, VoterAccount.voted_at)
                     .where(VoterAccount.election_id == election_id))
    for entity, state, voted_at in rows:
        item = out.setdefault(entity, {"entity": entity, "enrolled": 0, "activated": 0,
                                       "voted": 0, "responses": 0, "sus": None})
        item["enrolled"] += 1
        item["activated"] += state == "active"
        item["voted"] += voted_at is not None
    scores: dict[str, list[float]] = {}
    for entity, score in s.execute(select(SusResponse.entity, SusResponse.score)
                                   .where(SusResponse.election_id == election_id)):
        scores.setdefault(entity, []).append(score)
    for entity, values in scores.items():
        item = out.setdefault(entity, {"entity": entity, "enrolled": 0, "activated": 0,
                                       "voted": 0, "responses": 0, "sus": None})
        item["responses"], item["sus"] = len(values), round(statistics.fmean(values), 1)
    return [out[k] for k in sorted(out)]


def export_csv(s: Session, election_id: str) -> str:
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)  # the comment is the volunteer's free text
    writer.writerow(["entity", "enrolled", "activated", "voted", "responses", "mean_sus"])
    for item in participation(s, election_id):
        writer.writerow([item["entity"], item["enrolled"], item["activated"], item["voted"],
                         item["responses"], "" if item["sus"] is None else item["sus"]])
    writer.writerow([])
    writer.writerow(["entity", "score", *[f"q{i}" for i in range(1, SUS_ITEMS + 1)], "comment"])
    for r in s.scalars(select(SusResponse).where(SusResponse.election_id == election_id)
                       .order_by(SusResponse.entity, SusResponse.id)):
        writer.writerow([r.entity, r.score, *r.answers.split(","), r.comment])
    return buffer.getvalue()


def responses_count(s: Session, election_id: str) -> int:
    return s.scalar(select(func.count()).select_from(SusResponse).where(
        SusResponse.election_id == election_id)) or 0
