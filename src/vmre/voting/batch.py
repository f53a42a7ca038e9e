"""Per-chunk work shared by the verifier and the closing tally (run in worker processes).

Each function takes only plain data (strings, lists, dicts) so that it pickles cheaply to a
local process or a Dask worker; the parsed election is cached per worker.
"""

from __future__ import annotations

import json
from functools import lru_cache

from vmre.crypto.elgamal import Ciphertext
from vmre.crypto.group import point_from_hex
from vmre.voting import ballot as ballots
from vmre.voting import tally
from vmre.voting.context import ElectionContext
from vmre.voting.manifest import parse_manifest


@lru_cache(maxsize=4)
def context_of(manifest_json: str, election_json: str) -> ElectionContext:
    return ElectionContext.from_json(parse_manifest(manifest_json, "manifest.json"),
                                     json.loads(election_json))


def sums_out(sums: dict[str, tuple[int, list[Ciphertext]]]) -> dict:
    return {cid: (n, [(c.alpha.hex(), c.beta.hex()) for c in cts]) for cid, (n, cts) in
            sums.items()}


def sums_in(data: dict) -> dict[str, tuple[int, list[Ciphertext]]]:
    return {cid: (n, [Ciphertext(point_from_hex(a, True), point_from_hex(b, True))
                      for a, b in cts]) for cid, (n, cts) in data.items()}


def verify_ballots(manifest_json: str, election_json: str,
                   items: list[tuple[str, str, dict, bool]]
                   ) -> tuple[list[tuple[str, str, dict]], dict]:
    """items: (label, entity, ballot, counted). Returns failures (label, check code, params)
    and the option-wise sums of the counted ballots that verified."""
    ctx = context_of(manifest_json, election_json)
    failures: list[tuple[str, str, dict]] = []
    good = []
    for label, entity, document, is_counted in items:
        try:
            parsed = ballots.parse_ballot(ctx, document)
            ballots.verify_ballot(ctx, parsed, entity)
        except ballots.BallotError as err:
            failures.append((label, err.code, dict(err.params)))
            continue
        if is_counted:
            good.append(parsed)
    return failures, sums_out(tally.partial_sums(good))


def sum_ballots(manifest_json: str, election_json: str, documents: list[dict]) -> dict:
    """Sums only (the board verified every ballot on arrival): the closing tally."""
    ctx = context_of(manifest_json, election_json)
    return sums_out(tally.partial_sums(ballots.parse_ballot(ctx, d) for d in documents))
