"""The electronic count on the voting server: once voting is closed, the board's counted
ballots are added up per option (homomorphically), custodians upload their partial
decryptions with proofs, and from any `threshold` valid ones the counts are published.

The server never decrypts anything itself: it only checks the custodians' proofs and combines.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sqlalchemy import ForeignKey, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from vmre.core.database import Base
from vmre.core.messages import UserError
from vmre.crypto.group import point_from_hex
from vmre.record.writer import archive, write_record
from vmre.voting import closing, tally
from vmre.voting.appender import lock_election
from vmre.voting.board import Board, loaded
from vmre.voting.models import Election


class Closing(Base):
    __tablename__ = "voting_closing"

    election_id: Mapped[str] = mapped_column(ForeignKey("voting_elections.id"), primary_key=True)
    aggregate: Mapped[str] = mapped_column(Text)  # JSON (tally.aggregate_document)
    shares: Mapped[str] = mapped_column(Text, default="{}")  # JSON: custodian -> share document
    results: Mapped[str] = mapped_column(Text, default="")  # JSON once enough shares arrived


def aggregate(s: Session, board: Board, election_id: str) -> dict:
    """The aggregate of the counted ballots, computed once, after the close.

    Two server processes may compute it at the same time (a custodian's upload, the public
    API): the second to store it finds the first one's row, the same sums of the same closed
    board, and keeps that one instead of failing its request."""
    row = s.get(Closing, election_id)
    if row is not None:
        return json.loads(row.aggregate)
    election = board.election(election_id)
    if election.state != "closed":
        raise UserError("sivei.count.not_closed")
    document = closing.aggregate(board, election_id)
    try:
        with s.begin_nested():
            s.add(Closing(election_id=election_id,
                          aggregate=json.dumps(document, sort_keys=True)))
    except IntegrityError:
        return json.loads(s.get(Closing, election_id).aggregate)
    return document


def add_share(s: Session, board: Board, election_id: str, share: object) -> dict | None:
    """Check one custodian's partial decryption; the results once `threshold` are valid.

    The proofs are checked first; then, under the lock on the election row, the stored shares
    are read afresh and this one added, so that two custodians uploading at the same instant
    to two server processes both have their share kept."""
    document = aggregate(s, board, election_id)
    election = board.election(election_id)
    ctx = loaded(election).context
    transcript = json.loads(election.transcript)
    try:
        custodian = int(share["custodian"])  # type: ignore[index]
        if share.get("election_id") != election_id:  # type: ignore[union-attr]
            raise UserError("sivei.count.wrong_election")
    except (KeyError, TypeError, ValueError, AttributeError):
        raise UserError("sivei.count.malformed") from None
    if str(custodian) not in transcript.get("verification_keys", {}):
        raise UserError("sivei.count.not_qualified", custodian=custodian)
    # A dealer disqualified in the ceremony still holds a valid key share: it may decrypt.
    verification = point_from_hex(transcript["verification_keys"][str(custodian)])
    ok, where = tally.check_share(ctx, document, share, verification)  # type: ignore[arg-type]
    if not ok:
        raise UserError("sivei.count.bad_share", custodian=custodian, where=where)
    lock_election(s.connection(), election_id, (Election.id,))  # one writer of the shares
    row = s.get(Closing, election_id, populate_existing=True)
    shares = json.loads(row.shares)
    shares[str(custodian)] = share
    row.shares = json.dumps(shares, sort_keys=True)
    if len(shares) >= ctx.threshold:
        # Combined again at every valid share: the counts never change, but the custodians
        # used are always the t lowest-numbered valid ones, as the record's verifier expects
        # (docs/record.md §11) even when a lower-numbered custodian's share arrives later.
        results = tally.combine_results(ctx, document, {int(j): d for j, d in shares.items()})
        row.results = json.dumps(results, sort_keys=True)
    return json.loads(row.results) if row.results else None


def record_tally(s: Session, board: Board, election_id: str, aggregate_doc: dict,
                 shares: dict[int, dict], results: dict) -> None:
    """Keep a tally combined off the server (`vmre election tally`) as the published results,
    the same row the web upload of shares fills, so both ways show on the results pages.

    The aggregate must be the one the server computes from its board: results decrypted from
    any other would be counts that the board's ballots do not add up to."""
    board_doc = aggregate(s, board, election_id)  # refuses unless voting is closed
    if json.loads(json.dumps(aggregate_doc)) != json.loads(json.dumps(board_doc)):
        raise UserError("sivei.count.other_aggregate")
    row = s.get(Closing, election_id)
    row.shares = json.dumps({str(j): d for j, d in shares.items()}, sort_keys=True)
    row.results = json.dumps(results, sort_keys=True)


def published(s: Session) -> list[tuple[str, str]]:
    """(id, name) of every election whose internet results are published, in id order."""
    rows = s.execute(select(Election).join(Closing, Closing.election_id == Election.id)
                     .where(Closing.results != "").order_by(Election.id)).scalars()
    return [(e.id, loaded(e).context.manifest.name) for e in rows]


def status(s: Session, election_id: str) -> dict:
    row = s.get(Closing, election_id)
    if row is None:
        return {"aggregate": False, "shares": [], "results": None}
    return {"aggregate": True, "shares": sorted(int(j) for j in json.loads(row.shares)),
            "results": json.loads(row.results) if row.results else None}


def record_archive(s: Session, board: Board, election_id: str) -> bytes | None:
    """The election record as a zip (docs/record.md), once the results are published."""
    row = s.get(Closing, election_id)
    if row is None or not row.results:
        return None
    shares = {int(j): share for j, share in json.loads(row.shares).items()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_record(Path(tmp) / "registro", board, election_id,
                              board.closing_statement(election_id), json.loads(row.aggregate),
                              shares, json.loads(row.results))
        return archive(folder).read_bytes()
