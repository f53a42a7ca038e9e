"""The verifier's per-ballot checks, run a chunk at a time in worker processes (or on Dask).

The main process walks the board once for the hash chain and eligibility, and hands each
line over as it was read: the costly checks (canonical bytes §1.2, tracking code §6.5, every
proof and the signature §6.3, the Benaloh reveal §8.1) run here, on every core. Inputs and
outputs are plain data, so they pickle cheaply.

A failure is (section, check, item, detail), as in the report.
"""

from __future__ import annotations

import json

from vmre.record import layout
from vmre.voting import ballot as ballots
from vmre.voting import tally
from vmre.voting.batch import context_of, sums_out

Failure = tuple[str, str, str, str]


def check_board_lines(manifest_json: str, election_json: str,
                      items: list[tuple[str, str, str, bool, int]]
                      ) -> tuple[list[Failure], dict]:
    """items: (label, entity or "" when not eligible, line as read, counted, line number).
    Returns the failures and the option-wise sums of the counted ballots that verified."""
    ctx = context_of(manifest_json, election_json)
    failures: list[Failure] = []
    good = []
    for label, entity, line, counted, number in items:
        entry = json.loads(line)  # the main process already parsed it once: it is JSON
        if line != layout.line_text(entry):
            failures.append(("1.2", "canonical form", f"{layout.BOARD}:{number}",
                             "bytes differ from the one serialisation"))
        document = entry["ballot"]
        try:
            if ballots.tracking_code(document) != entry["tracking_code"]:
                failures.append(("6.5", "tracking code", label,
                                 "is not the hash of the ballot"))
        except (TypeError, ValueError) as err:  # e.g. a number JSON allows, canonical JSON not
            failures.append(("7.1", "entry fields", label, repr(err)))
            continue
        if not entity:  # not on the credential list: already reported (§6.1)
            continue
        try:
            parsed = ballots.parse_ballot(ctx, document)
            ballots.verify_ballot(ctx, parsed, entity)
        except ballots.BallotError as err:
            detail = " ".join([err.code, *(f"{k}={v}" for k, v in err.params.items())])
            failures.append(("6.3", "ballot proofs and signature", label, detail))
            continue
        if counted:
            good.append(parsed)
    return failures, sums_out(tally.partial_sums(good))


def check_spoiled(manifest_json: str, election_json: str,
                  items: list[tuple[str, str | None, dict]]) -> list[Failure]:
    """items: (label, the credential's entity or None, spoiled entry). Each must be a valid
    ballot whose disclosed nonces reproduce it (docs/record.md §8.1)."""
    ctx = context_of(manifest_json, election_json)
    failures: list[Failure] = []
    for label, entity, spoiled in items:
        try:
            document = spoiled["ballot"]
            if entity is None:
                raise ballots.BallotError("not_eligible")
            parsed = ballots.parse_ballot(ctx, document)
            ballots.verify_ballot(ctx, parsed, entity)
            ballots.check_reveal(ctx, parsed, spoiled["disclosure"])
            if spoiled["tracking_code"] != ballots.tracking_code(document):
                raise ballots.BallotError("reveal_mismatch", reason="tracking code")
        except ballots.BallotError as err:
            failures.append(("8.1", "spoiled ballot re-check", label,
                             f"{err.code} {err.params}"))
        except (KeyError, TypeError) as err:
            failures.append(("8.1", "spoiled ballot fields", label, repr(err)))
    return failures
