"""The closing ceremony as steps: close the board, aggregate, custodians decrypt, combine."""

from __future__ import annotations

import json
from collections.abc import Callable

from vmre.core.parallel import chunked_iter, map_chunks
from vmre.crypto.group import point_from_hex
from vmre.voting import batch, tally
from vmre.voting.board import Board
from vmre.voting.ceremony import Ceremony
from vmre.voting.context import ElectionContext

CHUNK = 500


def aggregate(board: Board, election_id: str, scheduler: str | None = None,
              progress: Callable[[int], None] | None = None) -> dict:
    """Option-wise sums of the counted ballots (the board verified each on arrival), read from
    the board a page at a time and added up on every core (or a Dask cluster)."""
    election = board.election(election_id)
    counted = board.counted_positions(election_id)
    documents = (json.loads(e.ballot) for e in board.stream(election_id)
                 if counted is None or e.position in counted)
    ctx = batch.context_of(election.manifest, election.context)
    parts = map_chunks(batch.sum_ballots,
                       ((election.manifest, election.context, c)
                        for c in chunked_iter(documents, CHUNK)), scheduler, progress)
    return tally.aggregate_document(ctx, tally.merge_sums(batch.sums_in(p) for p in parts))


def custodian_decrypt(ceremony: Ceremony, aggregate_doc: dict, index: int, passphrase: str,
                      secret_path: str) -> dict:
    """One custodian's step: recover its key share and decrypt the aggregate, with proofs."""
    ctx = ceremony.context()
    secret = ceremony.key_share(index, passphrase, secret_path)
    key = point_from_hex(ceremony.transcript()["verification_keys"][str(index)])
    return tally.decrypt_share(ctx, aggregate_doc, index, secret, key)


def combine(ctx: ElectionContext, transcript: dict, aggregate_doc: dict,
            shares: list[dict]) -> tuple[dict, dict[int, dict], list[int]]:
    """Results from the valid shares; also returns the valid shares and the rejected ids."""
    valid: dict[int, dict] = {}
    rejected: list[int] = []
    for share in shares:
        j = int(share["custodian"])
        key = point_from_hex(transcript["verification_keys"][str(j)])
        ok, _where = tally.check_share(ctx, aggregate_doc, share, key)
        if ok:
            valid[j] = share
        else:
            rejected.append(j)
    return tally.combine_results(ctx, aggregate_doc, valid), valid, rejected
