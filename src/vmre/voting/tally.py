"""The closing ceremony's mathematics: aggregation, partial decryptions, combination, counts.

Documents (docs/record.md §9–§11):
- aggregate: {"contests": {contest_id: {"ballots": n, "options": [[alpha, beta], ...]}}}
- decryption share of custodian j: {"custodian": j, "contests": {contest_id: [[D, c, s], ...]}}
- results: {"contests": {contest_id: {"ballots": n, "counts": {option_id: count}}}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from vmre.core.messages import UserError
from vmre.crypto import dlog, elgamal, threshold
from vmre.crypto.elgamal import Ciphertext
from vmre.crypto.group import Point, point_from_hex, scalar_bytes, scalar_from_hex
from vmre.crypto.proofs import EqualLogsProof
from vmre.voting.ballot import ParsedBallot
from vmre.voting.context import ElectionContext


def partial_sums(ballots: Iterable[ParsedBallot]) -> dict[str, tuple[int, list[Ciphertext]]]:
    """Per contest: number of ballots and the option-wise sum of their ciphertexts."""
    sums: dict[str, tuple[int, list[Ciphertext]]] = {}
    for b in ballots:
        for pc in b.contests:
            n, acc = sums.get(pc.contest_id, (0, [elgamal.ZERO] * len(pc.ciphertexts)))
            sums[pc.contest_id] = (n + 1, [a + c for a, c in zip(acc, pc.ciphertexts,
                                                                  strict=True)])
    return sums


def merge_sums(parts: Iterable[dict[str, tuple[int, list[Ciphertext]]]]
               ) -> dict[str, tuple[int, list[Ciphertext]]]:
    total: dict[str, tuple[int, list[Ciphertext]]] = {}
    for part in parts:
        for cid, (n, cts) in part.items():
            if cid in total:
                m, acc = total[cid]
                total[cid] = (m + n, [a + c for a, c in zip(acc, cts, strict=True)])
            else:
                total[cid] = (n, list(cts))
    return total


def aggregate_document(ctx: ElectionContext, sums: Mapping[str, tuple[int, list[Ciphertext]]]
                       ) -> dict:
    contests = {}
    for contest in ctx.manifest.contests:
        n, cts = sums.get(contest.id, (0, [elgamal.ZERO] * len(contest.options)))
        contests[contest.id] = {"ballots": n,
                                "options": [[c.alpha.hex(), c.beta.hex()] for c in cts]}
    return {"election_id": ctx.election_id, "contests": contests}


def parse_aggregate(document: dict) -> dict[str, tuple[int, list[Ciphertext]]]:
    return {cid: (int(c["ballots"]), [Ciphertext(point_from_hex(a, True), point_from_hex(b, True))
                                      for a, b in c["options"]])
            for cid, c in document["contests"].items()}


def share_context(ctx: ElectionContext, contest_id: str, k: int) -> tuple:
    return (ctx.base_hash, contest_id, k)


def decrypt_share(ctx: ElectionContext, aggregate: dict, custodian: int, secret: int,
                  verification: Point) -> dict:
    """Custodian `custodian`'s partial decryption of every aggregate, with proofs."""
    out = {}
    for cid, (_n, cts) in parse_aggregate(aggregate).items():
        rows = []
        for k, ct in enumerate(cts):
            d, proof = threshold.partial_decrypt(secret, verification, ct,
                                                 share_context(ctx, cid, k))
            rows.append([d.hex(), scalar_bytes(proof.challenge).hex(),
                         scalar_bytes(proof.response).hex()])
        out[cid] = rows
    return {"election_id": ctx.election_id, "custodian": custodian, "contests": out}


def check_share(ctx: ElectionContext, aggregate: dict, share: dict, verification: Point
                ) -> tuple[bool, str]:
    """(True, "") or (False, where): every partial decryption's proof must hold."""
    try:
        for cid, (_n, cts) in parse_aggregate(aggregate).items():
            rows = share["contests"][cid]
            if len(rows) != len(cts):
                return False, cid
            for k, (ct, (d, c, s)) in enumerate(zip(cts, rows, strict=True)):
                proof = EqualLogsProof(scalar_from_hex(c), scalar_from_hex(s))
                if not threshold.verify_partial(verification, ct, point_from_hex(d, True), proof,
                                                share_context(ctx, cid, k)):
                    return False, f"{cid}[{k}]"
    except (KeyError, TypeError, ValueError) as err:
        return False, type(err).__name__
    return True, ""


def combine_results(ctx: ElectionContext, aggregate: dict, shares: Mapping[int, dict]) -> dict:
    """Counts per contest and option from the shares of any `threshold` custodians."""
    if len(shares) < ctx.threshold:
        raise UserError("voting.tally.too_few_shares", have=len(shares), need=ctx.threshold)
    chosen = dict(sorted(shares.items())[: ctx.threshold])
    results = {}
    for cid, (n, cts) in parse_aggregate(aggregate).items():
        contest = ctx.manifest.contest(cid)
        counts = {}
        for k, ct in enumerate(cts):
            partials = {j: point_from_hex(doc["contests"][cid][k][0], True)
                        for j, doc in chosen.items()}
            counts[contest.options[k].id] = dlog.discrete_log(threshold.combine(ct, partials), n)
        results[cid] = {"ballots": n, "counts": counts}
    return {"election_id": ctx.election_id, "custodians_used": sorted(chosen),
            "contests": results}
