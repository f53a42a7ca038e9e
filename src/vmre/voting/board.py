"""The ballot board: append-only and hash-chained (vmre.voting.chain, docs/record.md §7).

A ballot is parsed, verified (proofs and signature) and checked for eligibility, then appended
under a lock on the election row, together with the ballots that arrived meanwhile (group
commit, vmre.voting.appender); its receipt is signed only after that commit succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from threading import Lock

from sqlalchemy import Row, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, load_only, sessionmaker

from vmre.core.messages import UserError
from vmre.core.row_cache import RowCache
from vmre.crypto import schnorr
from vmre.crypto.encoding import canonical_json
from vmre.crypto.group import (
    Point,
    base_mul,
    hash_to_scalar,
    random_scalar,
    scalar_bytes,
    scalar_from_hex,
)
from vmre.voting import audits
from vmre.voting import ballot as ballots
from vmre.voting import fingerprint as fingerprints
from vmre.voting.appender import (
    MAX_BATCH,
    Append,
    append_batch,
    aware_utc,
    group_commit,
    lock_election,
    window_error,
)
from vmre.voting.ceremony import Ceremony
from vmre.voting.context import ElectionContext
from vmre.voting.credential_list import verify_credential_list
from vmre.voting.manifest import parse_manifest
from vmre.voting.models import AUDIT, BoardEntry, Election, SpoiledBallot, TakenCode

RECEIPT_TAG = "vmre/receipt/v1"
CLOSING_TAG = "vmre/closing/v1"
POLICIES = ("single", "last")
# Benaloh audits per credential (docs/voting.md): a voter who doubts the device checks it a
# few times; more only lets one credential fill the public list of audited ballots.
MAX_AUDITS = 10
MAX_DISCLOSURE_BYTES = 64 * 1024  # selections and nonces of the largest ballot fit in ~45 KiB


def _unsigned(statement: dict) -> bytes:
    return canonical_json({k: v for k, v in statement.items() if k != "signature"})


def server_sign(tag: str, secret: int, statement: dict) -> dict:
    """The voting server's signature over a statement (receipt, closing): docs/record.md §7.

    The nonce is derived from the key and the statement (as in EdDSA), so the same statement
    always gets the same signature: a receipt given again is the receipt given first."""
    message = _unsigned(statement)
    nonce = hash_to_scalar("vmre/server-nonce/v1", scalar_bytes(secret), tag, message)
    sig = schnorr.sign(tag, secret, base_mul(secret), message, nonce=nonce)
    return {**statement, "signature": [scalar_bytes(sig.challenge).hex(),
                                       scalar_bytes(sig.response).hex()]}


def verify_server_statement(tag: str, statement: dict, server_key: Point) -> bool:
    try:
        sig = schnorr.Signature(*(scalar_from_hex(x) for x in statement["signature"]))
    except (KeyError, TypeError, ValueError):
        return False
    return schnorr.verify(tag, server_key, _unsigned(statement), sig)


def verify_receipt(receipt: dict, server_key: Point) -> bool:
    return verify_server_statement(RECEIPT_TAG, receipt, server_key)


@dataclass(frozen=True)
class LoadedElection:
    context: ElectionContext
    eligible: dict[str, str]  # credential hex -> entity


_PARSED: OrderedDict[tuple[str, str], LoadedElection] = OrderedDict()
_PARSED_LOCK = Lock()


def _parse(manifest_json: str, context_json: str, credentials_json: str) -> LoadedElection:
    manifest = parse_manifest(manifest_json, "manifest.json")
    ctx = ElectionContext.from_json(manifest, json.loads(context_json))
    eligible = verify_credential_list(json.loads(credentials_json)).entries \
        if credentials_json else {}
    return LoadedElection(ctx, eligible)


def _cached(key: tuple[str, str], build) -> LoadedElection:
    """The parsed election for (id, digest); a few are kept per process."""
    with _PARSED_LOCK:
        hit = _PARSED.get(key)
        if hit is not None:
            _PARSED.move_to_end(key)
            return hit
    value = build()
    with _PARSED_LOCK:
        _PARSED[key] = value
        while len(_PARSED) > 8:
            _PARSED.popitem(last=False)
    return value


def loaded(election: Election) -> LoadedElection:
    return _cached((election.id, election.digest),
                   lambda: _parse(election.manifest, election.context, election.credentials))


def loaded_by_id(s: Session, election_id: str, digest: str | None = None) -> LoadedElection:
    """The parsed election, reading the large columns only when this process lacks them."""
    if digest is None:
        digest = s.scalar(select(Election.digest).where(Election.id == election_id))
    if digest is None:
        raise UserError("voting.board.unknown_election", election=election_id)

    def build() -> LoadedElection:
        row = s.execute(select(Election.manifest, Election.context, Election.credentials)
                        .where(Election.id == election_id)).one()
        return _parse(*row)

    return _cached((election_id, digest), build)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ended(election: Election) -> bool:
    """Closed, or its window over by the clock: final either way (docs/voting.md)."""
    return election.state == "closed" or bool(
        election.closes_at and aware_utc(election.closes_at) <= now_utc())


# What casting reads of the election before the lock, kept a second per process. Safe to
# reuse: the window is checked again under the lock, the receipt key never changes, and a
# ballot verified against another credential list (digest) is refused at the append. A
# refusal is only ever decided on a fresh row.
_CHECK_COLUMNS = (Election.state, Election.opens_at, Election.closes_at, Election.receipt_key,
                  Election.digest)
_check_rows: RowCache[Row] = RowCache(ttl=1.0)


def _fresh_check_row(s: Session, election_id: str) -> Row:
    row = s.connection().execute(select(*_CHECK_COLUMNS).where(
        Election.id == election_id)).first()
    if row is None:
        raise UserError("voting.board.unknown_election", election=election_id)
    return _check_rows.put(s.get_bind(), election_id, row)


class Board:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.engine = sessions.kw["bind"]

    # -- set-up -----------------------------------------------------------------------------
    def register(self, ceremony: Ceremony, revote_policy: str = "single",
                 issuer: Point | None = None, postal: Sequence[str] = ()) -> str:
        """The election after the opening ceremony, with its own receipt key. With the
        credential authority's key (`issuer`) the fingerprint is fixed here; otherwise at the
        first credential list loaded, whose signer is then pinned (docs/record.md §2.4)."""
        if revote_policy not in POLICIES:
            raise UserError("voting.board.bad_policy", policy=revote_policy)
        ctx = ceremony.context()
        unknown = sorted(set(postal) - set(ctx.manifest.entities))
        if unknown:
            raise UserError("voting.board.bad_postal", entities=", ".join(unknown),
                            allowed=", ".join(ctx.manifest.entities))
        with self.sessions() as s, s.begin():
            if s.get(Election, ctx.election_id) is not None:
                raise UserError("voting.board.already_registered", election=ctx.election_id)
            election = Election(
                id=ctx.election_id,
                manifest=json.dumps(ctx.manifest.document, ensure_ascii=False),
                context=json.dumps(ctx.to_json()), transcript=json.dumps(ceremony.transcript()),
                revote_policy=revote_policy, receipt_key=scalar_bytes(random_scalar()).hex(),
                head_hash=ctx.base_hash.hex(), postal=json.dumps(sorted(set(postal))))
            if issuer is not None:
                _fix_fingerprint(election, issuer.hex())
            s.add(election)
        return ctx.election_id

    def load_credentials(self, election_id: str, document: dict,
                         issuer: Point | None = None) -> int:
        """The registry's signed list. It must be signed by the credential authority pinned for
        the election; the first list loaded pins its signer when none was given at register,
        and that fixes the fingerprint."""
        listing = verify_credential_list(document, issuer)
        if listing.election_id != election_id:
            raise UserError("voting.credentials.wrong_election")
        with self.sessions() as s, s.begin():
            election = self._election(s, election_id, lock=True)  # one first list pins
            if _ended(election):
                raise UserError("voting.board.closed_final")
            if election.issuer_key and election.issuer_key != listing.issuer.hex():
                raise UserError("voting.credentials.wrong_issuer")
            if election.ballot_count:
                raise UserError("voting.credentials.after_first_ballot")
            election.credentials = json.dumps(document, sort_keys=True)
            if not election.fingerprint:
                _fix_fingerprint(election, listing.issuer.hex())
        _check_rows.forget(self.engine, election_id)
        return len(listing.entries)

    def fingerprint(self, election_id: str) -> tuple[str, dict]:
        """(fingerprint, its inputs) once fixed; refused before (docs/record.md §2.4)."""
        with self.sessions() as s:
            election = self._election(s, election_id)
            if not election.fingerprint:
                raise UserError("voting.board.no_fingerprint", election=election_id)
            document = fingerprint_inputs(election)
            if fingerprints.fingerprint(document) != election.fingerprint:
                raise UserError("voting.board.fingerprint_changed", election=election_id)
            return election.fingerprint, document

    def schedule(self, election_id: str, opens_at: dt.datetime, closes_at: dt.datetime,
                 audit_exemption: str | None = None) -> None:
        """The voting window. Refused unless two published audits by distinct firms are on
        record (LGIPE, thirteenth transitory; vmre.voting.audits) or the documented exemption
        `practice` / `simulacro` is named."""
        if closes_at <= opens_at:
            raise UserError("voting.board.bad_window")
        with self.sessions() as s, s.begin():
            election = self._election(s, election_id, lock=True)
            if _ended(election):  # closing is final: no window opens again
                raise UserError("voting.board.closed_final")
            if not election.fingerprint:  # published before the window opens, never after
                raise UserError("voting.board.no_fingerprint", election=election_id)
            audits.require(s, election, audit_exemption)
            election.opens_at, election.closes_at = opens_at, closes_at
            election.state = "scheduled"

    def close(self, election_id: str) -> dict:
        """End the voting (if not ended by the clock) and fix the board's final hash."""
        with self.sessions() as s, s.begin():
            election = self._election(s, election_id, lock=True, light=True)
            if election.state != "closed":
                election.state = "closed"
                if not election.closes_at or aware_utc(election.closes_at) > now_utc():
                    election.closes_at = now_utc()
        return self.closing_statement(election_id)

    def closing_statement(self, election_id: str) -> dict:
        """The server's signed statement of the closed board (docs/record.md §7.4): it
        commits to the board (count, final hash), the voting window, the audited ballots
        (count and SHA-256 of the record's spoiled.jsonl) and the fingerprint."""
        with self.sessions() as s:
            election = self._election(s, election_id, light=True)
            if election.state != "closed":
                raise UserError("voting.board.not_closed")
            digest, count = hashlib.sha256(), 0
            for line in self.spoiled_lines(election_id):
                digest.update(line.encode("ascii"))
                count += 1
            statement = {"election_id": election_id, "ballots": election.ballot_count,
                         "final_hash": election.head_hash,
                         "closed_at": aware_utc(election.closes_at).isoformat(),
                         "opens_at": aware_utc(election.opens_at).isoformat()
                         if election.opens_at else None,
                         "closes_at": aware_utc(election.closes_at).isoformat(),
                         "revote_policy": election.revote_policy,
                         "spoiled": {"count": count, "sha256": digest.hexdigest()},
                         "fingerprint": election.fingerprint}
            return server_sign(CLOSING_TAG, scalar_from_hex(election.receipt_key), statement)

    def server_key(self, election_id: str) -> Point:
        with self.sessions() as s:
            return base_mul(scalar_from_hex(self._election(s, election_id).receipt_key))

    @staticmethod
    def _election(s: Session, election_id: str, lock: bool = False,
                  light: bool = False) -> Election:
        """The election row; `light` leaves the large text columns unread (hot paths)."""
        query = select(Election).where(Election.id == election_id)
        if light:
            query = query.options(load_only(
                Election.id, Election.state, Election.opens_at, Election.closes_at,
                Election.head_hash, Election.ballot_count, Election.receipt_key,
                Election.revote_policy, Election.digest, Election.fingerprint,
                raiseload=True))
        if lock:
            lock_election(s.connection(), election_id, (Election.id,))
            query = query.with_for_update()
        election = s.scalar(query)
        if election is None:
            raise UserError("voting.board.unknown_election", election=election_id)
        return election

    # -- casting ----------------------------------------------------------------------------
    def _checked(self, s: Session, election_id: str, document: object, when: dt.datetime,
                 fresh: bool = False) -> tuple[ballots.ParsedBallot, str, Row]:
        """The parsed, fully verified ballot, its tracking code and the election's row
        (receipt key, digest of the list it was checked against)."""
        election = None if fresh else _check_rows.get(s.get_bind(), election_id)
        if election is None or window_error(election, when) is not None:
            election = _fresh_check_row(s, election_id)  # a refusal is decided on fresh data
            fresh = True
        refusal = window_error(election, when)
        if refusal is not None:
            raise refusal
        data = loaded_by_id(s, election_id, election.digest)
        try:
            parsed = ballots.parse_ballot(data.context, document)
            entity = data.eligible.get(parsed.credential.hex())
            if entity is None and not fresh:  # the kept row may predate another's new list
                return self._checked(s, election_id, document, when, fresh=True)
            if entity is None:
                raise ballots.BallotError("not_eligible")
            ballots.verify_ballot(data.context, parsed, entity)
        except ballots.BallotError as err:
            raise UserError("voting.ballot." + err.code, **err.params) from None
        return parsed, ballots.tracking_code(parsed.document), election

    def cast(self, election_id: str, document: object, when: dt.datetime | None = None) -> dict:
        """Verify, append and commit; only then sign and return the receipt."""
        return self.submit(election_id, document, when)[0]

    def submit(self, election_id: str, document: object, when: dt.datetime | None = None
               ) -> tuple[dict, bool]:
        """`cast`, also telling whether the ballot is new (False: it was already on the board
        and the receipt is the one given the first time, e.g. when that answer was lost)."""
        when = when or now_utc()
        for attempt in (1, 2):
            try:
                with self.sessions() as s:  # the expensive checks run before taking the lock
                    parsed, tracking, election = self._checked(s, election_id, document, when)
            except UserError as err:
                if err.key == "voting.board.closed":  # sent again after the close?
                    again = self.receipt_again(election_id, document)
                    if again is not None:
                        return again, False
                raise
            item = Append(election_id, parsed.credential.hex(), tracking, parsed.document,
                          when, election.digest)
            try:
                placed = group_commit(self.sessions).append(item)
                break
            except UserError as err:  # checked against a list replaced meanwhile: again
                if err.key != "voting.board.list_changed" or attempt == 2:
                    raise
                _check_rows.forget(self.engine, election_id)
        key = election.receipt_key
        return self._receipt(key, election_id, tracking, placed), not item.again

    def receipt_again(self, election_id: str, document: object) -> dict | None:
        """The receipt of this very ballot if it is on the board (the one given when it was
        cast: same fields and signature), or None."""
        try:
            tracking = ballots.tracking_code(document)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        with self.sessions() as s:
            entry = s.execute(select(
                BoardEntry.position, BoardEntry.entry_hash, BoardEntry.received_at,
                Election.receipt_key).join(Election, Election.id == BoardEntry.election_id)
                .where(BoardEntry.election_id == election_id,
                       BoardEntry.tracking_code == tracking)).first()
        if entry is None:
            return None
        return self._receipt(entry.receipt_key, election_id, tracking, {
            "position": entry.position, "entry_hash": entry.entry_hash,
            "received_at": entry.received_at})

    @staticmethod
    def _receipt(key: str, election_id: str, tracking: str, placed: dict) -> dict:
        return server_sign(RECEIPT_TAG, scalar_from_hex(key), {
            "election_id": election_id, "tracking_code": tracking, **placed})

    def cast_many(self, election_id: str, documents: list[dict],
                  scheduler: str | None = None) -> list[dict | UserError]:
        """Bulk intake (e.g. ballots collected offline): the same checks as `cast`, with the
        proofs verified on every core (or a Dask cluster) first; then the ballots are
        appended in the given order, up to MAX_BATCH per transaction. One receipt or one
        error per ballot."""
        from vmre.core.parallel import chunked, map_chunks
        from vmre.voting import batch

        election = self.election(election_id)
        data = loaded(election)
        items = [(str(i), data.eligible.get(str(d.get("credential", "")), "")
                  if isinstance(d, dict) else "", d, False) for i, d in enumerate(documents)]
        failed: dict[int, UserError] = {}
        for i, (_label, entity, _doc, _counted) in enumerate(items):
            if not entity:
                failed[i] = UserError("voting.ballot.not_eligible")
        todo = [item for i, item in enumerate(items) if i not in failed]
        for failures, _sums in map_chunks(batch.verify_ballots, [
                (election.manifest, election.context, chunk) for chunk in chunked(todo, 250)],
                scheduler):
            for label, code, params in failures:
                failed[int(label)] = UserError("voting.ballot." + code, **params)
        appends = {i: Append(election_id, str(d["credential"]), ballots.tracking_code(d), d,
                             now_utc()) for i, d in enumerate(documents) if i not in failed}
        for chunk in chunked(list(appends.values()), MAX_BATCH):
            append_batch(self.sessions, election_id, chunk)
        out: list[dict | UserError] = []
        for i in range(len(documents)):
            outcome = failed.get(i) or appends[i].outcome
            if isinstance(outcome, dict):
                outcome = self._receipt(election.receipt_key, election_id,
                                        appends[i].tracking, outcome)
            elif not isinstance(outcome, UserError):
                raise outcome  # the database failed: nothing of that batch was appended
            out.append(outcome)
        return out

    def spoil(self, election_id: str, document: dict, disclosure: dict,
              when: dt.datetime | None = None) -> str:
        """A Benaloh challenge: the ballot is checked, its nonces published, never counted.

        Decided under the same lock as casting, on a fresh election row: the window, the
        tracking code (taken by a cast or an earlier audit: refused) and the credential's
        audits so far."""
        when = when or now_utc()
        try:
            oversized = len(canonical_json(disclosure)) > MAX_DISCLOSURE_BYTES
        except (TypeError, ValueError):
            raise UserError("voting.ballot.reveal_mismatch", reason="JSON") from None
        if oversized:
            raise UserError("voting.ballot.disclosure_oversized")
        for attempt in (1, 2):
            with self.sessions() as s:  # the expensive checks run before taking the lock
                parsed, tracking, election = self._checked(s, election_id, document, when)
                try:
                    ballots.check_reveal(loaded_by_id(s, election_id, election.digest).context,
                                         parsed, disclosure)
                except ballots.BallotError as err:
                    raise UserError("voting.ballot." + err.code, **err.params) from None
            try:
                self._record_audit(election_id, parsed, tracking, election.digest, document,
                                   disclosure, when)
                return tracking
            except UserError as err:  # checked against a list replaced meanwhile: again
                if err.key != "voting.board.list_changed" or attempt == 2:
                    raise
                _check_rows.forget(self.engine, election_id)
        raise AssertionError("unreachable")

    def _record_audit(self, election_id: str, parsed: ballots.ParsedBallot, tracking: str,
                      digest: str, document: dict, disclosure: dict, when: dt.datetime) -> None:
        credential = parsed.credential.hex()
        try:
            with self.sessions.begin() as s:
                conn = s.connection()
                election = lock_election(conn, election_id, (
                    Election.state, Election.opens_at, Election.closes_at, Election.digest))
                if election is None:
                    raise UserError("voting.board.unknown_election", election=election_id)
                refusal = window_error(election, when)
                if refusal is not None:
                    raise refusal
                if election.digest != digest:
                    raise UserError("voting.board.list_changed")
                self._refuse_taken(conn, tracking)
                audits = conn.scalar(select(func.count()).select_from(TakenCode).where(
                    TakenCode.credential == credential, TakenCode.kind == AUDIT,
                    TakenCode.election_id == election_id))
                if audits >= MAX_AUDITS:
                    raise UserError("voting.ballot.too_many_audits", limit=MAX_AUDITS)
                conn.execute(insert(TakenCode).values(
                    tracking_code=tracking, election_id=election_id, credential=credential,
                    kind=AUDIT))
                conn.execute(insert(SpoiledBallot).values(
                    election_id=election_id, tracking_code=tracking,
                    ballot=json.dumps(document, sort_keys=True),
                    disclosure=json.dumps(disclosure, sort_keys=True),
                    received_at=when.isoformat()))
        except IntegrityError:  # taken meanwhile by a writer without the lock: say by whom
            with self.sessions() as s:
                self._refuse_taken(s.connection(), tracking)
            raise

    @staticmethod
    def _refuse_taken(conn, tracking: str) -> None:
        kind = conn.scalar(select(TakenCode.kind).where(TakenCode.tracking_code == tracking))
        if kind is not None:
            raise UserError("voting.ballot.audited" if kind == AUDIT else "voting.ballot.replay")

    # -- reading ----------------------------------------------------------------------------
    def entries(self, election_id: str, offset: int = 0, limit: int | None = None
                ) -> list[BoardEntry]:
        with self.sessions() as s:
            query = select(BoardEntry).where(BoardEntry.election_id == election_id).order_by(
                BoardEntry.position).offset(offset)
            if limit is not None:
                query = query.limit(limit)
            return list(s.scalars(query))

    def stream(self, election_id: str, page: int = 2000) -> Iterator[BoardEntry]:
        """Every entry in board order, read a page at a time (keyset pagination)."""
        last = 0
        while True:
            with self.sessions() as s:
                rows = list(s.scalars(select(BoardEntry).where(
                    BoardEntry.election_id == election_id, BoardEntry.position > last)
                    .order_by(BoardEntry.position).limit(page)))
            if not rows:
                return
            yield from rows
            last = rows[-1].position

    def counted_positions(self, election_id: str) -> set[int] | None:
        """Under the "last" policy, the position of each credential's last ballot; None when
        every ballot counts (the board refused second ballots)."""
        election = self.election(election_id)
        if election.revote_policy != "last":
            return None
        with self.sessions() as s:
            return set(s.scalars(select(func.max(BoardEntry.position)).where(
                BoardEntry.election_id == election_id).group_by(BoardEntry.credential)))

    def find(self, election_id: str, tracking: str) -> BoardEntry | None:
        with self.sessions() as s:
            return s.scalar(select(BoardEntry).where(BoardEntry.election_id == election_id,
                                                     BoardEntry.tracking_code == tracking))

    def spoiled(self, election_id: str, offset: int = 0, limit: int | None = None
                ) -> list[SpoiledBallot]:
        """Audited ballots in the order they arrived, a page at a time when `limit` is set."""
        with self.sessions() as s:
            query = select(SpoiledBallot).where(
                SpoiledBallot.election_id == election_id).order_by(SpoiledBallot.id).offset(offset)
            if limit is not None:
                query = query.limit(limit)
            return list(s.scalars(query))

    def stream_spoiled(self, election_id: str, page: int = 500) -> Iterator[SpoiledBallot]:
        """Every audited ballot in order, read a page at a time (keyset pagination)."""
        last = 0
        while True:
            with self.sessions() as s:
                rows = list(s.scalars(select(SpoiledBallot).where(
                    SpoiledBallot.election_id == election_id, SpoiledBallot.id > last)
                    .order_by(SpoiledBallot.id).limit(page)))
            if not rows:
                return
            yield from rows
            last = rows[-1].id

    def spoiled_count(self, election_id: str) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(SpoiledBallot).where(
                SpoiledBallot.election_id == election_id)) or 0

    def find_spoiled(self, election_id: str, tracking: str) -> SpoiledBallot | None:
        with self.sessions() as s:
            return s.scalar(select(SpoiledBallot).where(
                SpoiledBallot.election_id == election_id,
                SpoiledBallot.tracking_code == tracking))

    def spoiled_lines(self, election_id: str) -> Iterator[str]:
        """The lines of the record's spoiled.jsonl (docs/record.md §8), in their one form: the
        closing statement hashes exactly these bytes."""
        for sp in self.stream_spoiled(election_id):
            yield json.dumps({"tracking_code": sp.tracking_code, "ballot": json.loads(sp.ballot),
                              "disclosure": json.loads(sp.disclosure)}, sort_keys=True) + "\n"

    def election(self, election_id: str) -> Election:
        with self.sessions() as s:
            return self._election(s, election_id)


def fingerprint_inputs(election: Election) -> dict:
    """The fingerprint's inputs from the election row (docs/record.md §2.4)."""
    return fingerprints.inputs(
        election.id, json.loads(election.context)["base_hash"], election.issuer_key,
        base_mul(scalar_from_hex(election.receipt_key)).hex(), election.revote_policy,
        json.loads(election.postal or "[]"))


def _fix_fingerprint(election: Election, issuer_key: str) -> None:
    """Pin the credential authority and fix the fingerprint: once, before the window."""
    election.issuer_key = issuer_key
    election.fingerprint = fingerprints.fingerprint(fingerprint_inputs(election))
