"""Distribution of coalition-combination votes among the coalition's parties (docs/count.md §3).

The Mexican rule (LGIPE art. 311.1.c, applied to every count by the INE's guidelines for the
cómputos): the votes cast for a combination of coalition parties are summed over the whole
count, split equally among the parties of the combination, and any remainder goes one vote
each to the parties of that combination with the highest vote; between parties with the same
vote, to the one with the older registration, which is the order of `parties` in the manifest.

Pure functions over plain mappings: the verifier re-applies them to the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vmre.voting.manifest import Contest


def split_combination(votes: int, parties: Sequence[str], own_votes: Mapping[str, int],
                      seniority: Sequence[str]) -> dict[str, int]:
    """How `votes` for one combination are shared among its `parties`."""
    if votes < 0:
        raise ValueError("negative votes")
    share, remainder = divmod(votes, len(parties))
    out = {p: share for p in parties}
    # Highest own vote first; equal votes: older registration (earlier in `seniority`) first.
    ranked = sorted(parties, key=lambda p: (-own_votes.get(p, 0), seniority.index(p)))
    for party in ranked[:remainder]:
        out[party] += 1
    return out


def distribute(own_votes: Mapping[str, int], combinations: Mapping[tuple[str, ...], int],
               seniority: Sequence[str]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """(final votes per party, share of each combination per party).

    `own_votes` are the votes for each party alone; `combinations` the votes per combination
    (a tuple of parties). Remainders are ranked by the own votes, not by partial results,
    so the order in which combinations are processed does not matter.
    """
    final = dict(own_votes)
    shares: dict[str, dict[str, int]] = {}
    for parties, votes in combinations.items():
        split = split_combination(votes, parties, own_votes, seniority)
        shares["+".join(parties)] = split
        for party, n in split.items():
            final[party] = final.get(party, 0) + n
    return final, shares


def contest_result(contest: Contest, counts: Mapping[str, int], seniority: Sequence[str]) -> dict:
    """Everything the acta of an entity count states for one contest, from summed counts."""
    own = {o.id: counts.get(o.id, 0) for o in contest.options if o.kind == "party"}
    combos = {o.parties: counts.get(o.id, 0) for o in contest.options if o.kind == "combination"}
    parties, shares = distribute(own, combos, seniority)
    candidates = {c["id"]: 0 for c in contest.candidates}
    for option in contest.options:
        if option.candidate is not None:
            candidates[option.candidate] += counts.get(option.id, 0)
    write_in = counts.get("no-registrado", 0)
    null = counts.get("nulo", 0)
    valid = sum(candidates.values())  # votación válida: without write-ins and nulls (LGIPE 15)
    return {
        "counts": {o.id: counts.get(o.id, 0) for o in contest.options},
        "distribution": shares,
        "parties": parties,
        "candidates": candidates,
        "write_in": write_in,
        "null": null,
        "valid": valid,
        "total": valid + write_in + null,
    }
