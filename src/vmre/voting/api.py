"""The voting server's JSON API (/api/v1): thin handlers over the Board.

Casting needs a voter signed in to the voting server (password and second factor; the
session cookie of /voto/entrar, with its CSRF token in the X-CSRF-Token header) whose account
is bound to the credential that signs the ballot; the board then checks the signature and
eligibility and refuses a second ballot per credential. Ballots collected offline enter
through the staff's bulk intake (Board.cast_many), never here. Errors carry the catalogue
key and the message in the request's language.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from vmre.core.messages import UserError, text
from vmre.voting import ballot as ballots
from vmre.voting.board import Board, loaded, verify_receipt
from vmre.voting.models import BoardEntry
from vmre.web import json_body
from vmre.web.deps import DB
from vmre.web.security import check_csrf, language

router = APIRouter(prefix="/api/v1", tags=["voting"])
M = TypeVar("M", bound=BaseModel)
MAX_PAGE = 500

# HTTP status per board refusal; anything else about a ballot is 422
STATUS = {"voting.board.unknown_election": 404, "voting.board.closed": 409,
          "voting.board.not_open": 409, "voting.board.list_changed": 409,
          "voting.ballot.replay": 409, "voting.ballot.audited": 409,
          "voting.board.closed_final": 409, "voting.ballot.too_many_audits": 429,
          "voting.ballot.disclosure_oversized": 413,
          "voting.ballot.already_voted": 409, "voting.ballot.not_eligible": 403,
          "voting.ballot.sign_in": 401, "voting.ballot.not_your_credential": 403,
          **json_body.STATUS}


class ApiError(BaseModel):
    error: str = Field(description="catalogue key, stable across languages")
    message: str = Field(description="the explanation in the request's language")


class Receipt(BaseModel):
    election_id: str
    tracking_code: str
    position: int
    entry_hash: str
    received_at: str
    signature: list[str] = Field(description="[challenge, response], 32-byte scalars in hex")


class CastRequest(BaseModel):
    ballot: dict[str, Any] = Field(description="the signed encrypted ballot (docs/record.md §6)")


class SpoilRequest(BaseModel):
    ballot: dict[str, Any]
    disclosure: dict[str, Any] = Field(description="tracking_code, selections and nonces")


class SpoilResult(BaseModel):
    tracking_code: str


class ReceiptCheck(BaseModel):
    signature_valid: bool
    on_board: bool
    entry_matches: bool
    message: str
    fingerprint: str = ""  # the election's, to compare with the published one


class BoardRow(BaseModel):
    position: int
    tracking_code: str
    received_at: str
    prev_hash: str
    entry_hash: str


class BoardPage(BaseModel):
    election_id: str
    total: int
    offset: int
    limit: int
    head_hash: str
    entries: list[BoardRow]


class BoardEntryFull(BoardRow):
    ballot: dict[str, Any]


class Eligibility(BaseModel):
    eligible: bool




def board(request: Request) -> Board:
    return Board(request.app.state.sessions)


def error(request: Request, err: UserError, status: int | None = None) -> JSONResponse:
    return JSONResponse({"error": err.key, "message": err.message(language(request))},
                        status_code=status or STATUS.get(err.key, 422))


def public_info(b: Board, election_id: str) -> dict:
    """What a browser needs to encrypt and check: manifest, context, keys, window, options."""
    election = b.election(election_id)
    ctx = loaded(election).context
    return {
        "election_id": election_id,
        "manifest": json.loads(election.manifest),
        "context": json.loads(election.context),
        "server_key": b.server_key(election_id).hex(),
        "fingerprint": election.fingerprint,  # docs/record.md §2.4
        "state": election.state,
        "opens_at": election.opens_at.isoformat() if election.opens_at else None,
        "closes_at": election.closes_at.isoformat() if election.closes_at else None,
        "ballots": election.ballot_count,
        "head_hash": election.head_hash,
        "contests": [{"id": c.id, "entity": c.entity, "office": c.office,
                      "options": [{"id": o.id, "kind": o.kind, "parties": list(o.parties),
                                   "candidate": o.candidate} for o in c.options]}
                     for c in ctx.manifest.contests],
    }


def row(entry: BoardEntry) -> dict:
    return {"position": entry.position, "tracking_code": entry.tracking_code,
            "received_at": entry.received_at, "prev_hash": entry.prev_hash,
            "entry_hash": entry.entry_hash}


def check_receipt(b: Board, receipt: object, lang: str) -> dict:
    """Is the server's signature right, and does the board hold the entry it names?"""
    if not isinstance(receipt, dict) or not isinstance(receipt.get("election_id"), str):
        return {"signature_valid": False, "on_board": False, "entry_matches": False,
                "message": text("sivei.receipt.malformed", lang)}
    try:
        key = b.server_key(receipt["election_id"])
    except UserError as err:
        return {"signature_valid": False, "on_board": False, "entry_matches": False,
                "message": err.message(lang)}
    valid = verify_receipt(receipt, key)
    entry = b.find(receipt["election_id"], str(receipt.get("tracking_code", "")))
    matches = entry is not None and all(
        receipt.get(k) == v for k, v in (("position", entry.position),
                                         ("entry_hash", entry.entry_hash),
                                         ("received_at", entry.received_at)))
    key_name = ("sivei.receipt.ok" if valid and matches else
                "sivei.receipt.bad_signature" if not valid else
                "sivei.receipt.not_on_board" if entry is None else "sivei.receipt.mismatch")
    return {"signature_valid": valid, "on_board": entry is not None, "entry_matches": matches,
            "message": text(key_name, lang),
            "fingerprint": b.election(receipt["election_id"]).fingerprint}


ERRORS = {404: {"model": ApiError}, 409: {"model": ApiError}, 422: {"model": ApiError}}


@router.get("/elections/{election_id}", responses=ERRORS)
def election_info(election_id: str, request: Request) -> dict:
    """Manifest, election context (base hash, joint key), server receipt key, voting window."""
    try:
        return public_info(board(request), election_id)
    except UserError as err:
        return error(request, err)


def body_schema(model: type[BaseModel]) -> dict:
    """The documented request body of a handler that reads it with vmre.web.json_body."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": model.model_json_schema()}}}}


async def read_body(request: Request, model: type[M]) -> M:
    """The body, strictly parsed (vmre.web.json_body), then checked against `model`."""
    try:
        return model.model_validate(await json_body.read_object(request))
    except ValidationError as err:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in err.errors()[:3])
        raise UserError("voting.ballot.malformed", reason=fields) from None


@router.post("/elections/{election_id}/ballots", status_code=201, response_model=Receipt,
             openapi_extra=body_schema(CastRequest),
             responses={**ERRORS, 200: {"model": Receipt, "description":
                                        "the same ballot again: its first receipt"},
                        401: {"model": ApiError}, 403: {"model": ApiError}})
async def cast(election_id: str, request: Request, s: Session = DB):
    """For the signed-in voter whose account is bound to the ballot's credential: verify,
    append to the board and commit; the signed receipt comes after the commit. The same
    ballot sent again gets the receipt of its one entry, with 200."""
    from vmre.voting.accounts import mark_voted
    from vmre.voting.voter_session import check_binding, current_voter

    account = current_voter(request, s)
    if account is None:
        return error(request, UserError("voting.ballot.sign_in"))
    check_csrf(request, request.headers.get("x-csrf-token"))
    try:
        body = await read_body(request, CastRequest)
        check_binding(account, election_id, body.ballot)
        receipt, new = await run_in_threadpool(board(request).submit, election_id, body.ballot)
    except UserError as err:
        return error(request, err)
    mark_voted(s, account.id)
    return receipt if new else JSONResponse(receipt, 200)


@router.post("/elections/{election_id}/spoiled", status_code=201, response_model=SpoilResult,
             openapi_extra=body_schema(SpoilRequest), responses=ERRORS)
async def spoil(election_id: str, request: Request):
    """A Benaloh challenge: the ballot and its nonces are published and never counted."""
    try:
        body = await read_body(request, SpoilRequest)
        return {"tracking_code": await run_in_threadpool(
            board(request).spoil, election_id, body.ballot, body.disclosure)}
    except UserError as err:
        return error(request, err)


@router.get("/elections/{election_id}/spoiled/{tracking_code}", responses=ERRORS)
def spoiled_ballot(election_id: str, tracking_code: str, request: Request):
    """A spoiled ballot with its disclosure, re-checked by the server."""
    b = board(request)
    item = b.find_spoiled(election_id, tracking_code)
    if item is not None:
        ballot, disclosure = json.loads(item.ballot), json.loads(item.disclosure)
        ctx = loaded(b.election(election_id)).context
        try:
            ballots.check_reveal(ctx, ballots.parse_ballot(ctx, ballot), disclosure)
            consistent = True
        except ballots.BallotError:
            consistent = False
        return {"tracking_code": tracking_code, "ballot": ballot, "disclosure": disclosure,
                "received_at": item.received_at, "consistent": consistent}
    return error(request, UserError("sivei.board.not_found"), 404)


@router.get("/elections/{election_id}/board", response_model=BoardPage, responses=ERRORS)
def board_page(election_id: str, request: Request, offset: int = Query(0, ge=0),
               limit: int = Query(50, ge=1, le=MAX_PAGE)):
    """The ballot board in order, a page at a time, with the current head of the hash chain."""
    b = board(request)
    try:
        election = b.election(election_id)
    except UserError as err:
        return error(request, err)
    return {"election_id": election_id, "total": election.ballot_count, "offset": offset,
            "limit": limit, "head_hash": election.head_hash,
            "entries": [row(e) for e in b.entries(election_id, offset, limit)]}


@router.get("/elections/{election_id}/board/{tracking_code}", response_model=BoardEntryFull,
            responses=ERRORS)
def board_lookup(election_id: str, tracking_code: str, request: Request):
    """Is my ballot there? The entry for a tracking code, with the ballot as published."""
    entry = board(request).find(election_id, tracking_code.strip().lower())
    if entry is None:
        return error(request, UserError("sivei.board.not_found"), 404)
    return {**row(entry), "ballot": json.loads(entry.ballot)}


@router.get("/elections/{election_id}/credentials/{credential}", response_model=Eligibility,
            responses=ERRORS)
def eligibility(election_id: str, credential: str, request: Request):
    """Whether a public credential is on the election's (public) credential list."""
    try:
        eligible = credential.lower() in loaded(board(request).election(election_id)).eligible
    except UserError as err:
        return error(request, err)
    return {"eligible": eligible}


@router.post("/receipts/check", response_model=ReceiptCheck,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object"}}}}},
             responses={400: {"model": ApiError}, 413: {"model": ApiError}})
async def receipt_check(request: Request):
    """The server's signature on a receipt and the board entry it names."""
    try:
        receipt = await json_body.read_object(request, max_bytes=64 * 1024)
    except UserError as err:
        return error(request, err)
    return await run_in_threadpool(check_receipt, board(request), receipt, language(request))


@router.get("/elections/{election_id}/aggregate", responses=ERRORS)
def aggregate(election_id: str, request: Request, s: Session = DB):
    """After the close: the option-wise sums of the counted ballots, which the custodians
    decrypt partially (docs/record.md §8)."""
    from vmre.voting import server_tally as closing

    try:
        return closing.aggregate(s, board(request), election_id)
    except UserError as err:
        return error(request, err)
