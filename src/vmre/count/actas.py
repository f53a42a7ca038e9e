"""Actas as documents (docs/count.md §4–§6): the figures of one contest at one table, their
consistency checks, the electronic table's acta from the decrypted tally, and the figures of
an entity count. Pure functions: the capture workflow and the verifier share them.

A contest's figures: {"counts": {option_id: n}, "total": n, "ballots_taken": n}.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from vmre.core.entities import BY_ID as ENTITIES
from vmre.count.distribution import contest_result
from vmre.crypto.encoding import canonical_json
from vmre.voting.manifest import Contest, Manifest

ELECTRONIC_TABLE = "electronica"
Reason = tuple[str, dict]  # (catalogue key, parameters)


def check_figures(contest: Contest, figures: Mapping, envelopes: int | None) -> list[Reason]:
    """Every reason the acta cannot be accepted; empty when consistent.

    `envelopes`: the on-time envelopes assigned to the table (None for the electronic table,
    whose ballots are the board's)."""
    reasons: list[Reason] = []
    counts = figures.get("counts")
    total, taken = figures.get("total"), figures.get("ballots_taken")
    if not isinstance(counts, Mapping):
        return [("count.acta.malformed", {"field": "counts"})]
    for name, value in (("total", total), ("ballots_taken", taken)):
        if not _is_count(value):
            reasons.append(("count.acta.not_a_count", {"field": name}))
    options = [o.id for o in contest.options]
    for option in options:
        if option not in counts:
            reasons.append(("count.acta.missing_option", {"option": option}))
        elif not _is_count(counts[option]):
            reasons.append(("count.acta.not_a_count", {"field": option}))
    for option in counts:
        if option not in options:
            reasons.append(("count.acta.unknown_option", {"option": option}))
    if reasons:
        return reasons
    rows = sum(counts.values())
    if rows != total:
        reasons.append(("count.acta.sum_mismatch", {"rows": rows, "total": total}))
    if taken != total:
        reasons.append(("count.acta.ballots_mismatch", {"ballots": taken, "total": total}))
    if envelopes is not None and max(total, taken) > envelopes:
        reasons.append(("count.acta.exceeds_envelopes",
                        {"total": max(total, taken), "envelopes": envelopes}))
    return reasons


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def differences(first: Mapping, second: Mapping) -> list[str]:
    """The fields where two captures of the same acta differ ("counts.pan", "total")."""
    out = []
    for key in ("total", "ballots_taken"):
        if first.get(key) != second.get(key):
            out.append(key)
    a, b = first.get("counts") or {}, second.get("counts") or {}
    for option in sorted(set(a) | set(b)):
        if a.get(option) != b.get(option):
            out.append(f"counts.{option}")
    return out


def electronic_acta(manifest: Manifest, results: Mapping) -> dict:
    """The electronic table's acta: the decrypted internet tally, contest by contest."""
    contests = {}
    for contest in manifest.contests:
        data = results["contests"][contest.id]
        contests[contest.id] = {
            "entity": contest.entity,
            "version": 1,
            "counts": {o.id: int(data["counts"][o.id]) for o in contest.options},
            "total": int(data["ballots"]),
            "ballots_taken": int(data["ballots"]),
        }
    return {"election_id": manifest.election_id, "table": ELECTRONIC_TABLE,
            "kind": "electronic", "contests": contests}


def sum_counts(contest: Contest, figures: Iterable[Mapping]) -> dict[str, int]:
    total = {o.id: 0 for o in contest.options}
    for f in figures:
        for option, n in f["counts"].items():
            total[option] += n
    return total


def entity_figures(manifest: Manifest, entity: str, electronic: Mapping,
                   tables: Iterable[Mapping], version: int) -> dict:
    """The figures of the Acta de Cómputo de Entidad Federativa.

    `electronic`: the electronic acta; `tables`: the postal table actas of this entity, each
    {"table", "entity", "envelopes", "contests": {contest_id: figures + "version"}}.
    Contests a table has no valid acta for are listed as pending and not summed."""
    tables = sorted(tables, key=lambda t: t["table"])
    seniority = list(manifest.parties)
    contests = {}
    for contest in manifest.contests_for(entity):
        postal = [t["contests"][contest.id] for t in tables if contest.id in t["contests"]]
        pending = [t["table"] for t in tables if contest.id not in t["contests"]]
        # Postal actas may be valid before the internet tally is in: the electronic table is
        # then pending, like any table without a valid acta, and adds nothing yet.
        internet = electronic["contests"].get(contest.id)
        if internet is None:
            pending.insert(0, ELECTRONIC_TABLE)
        postal_counts = sum_counts(contest, postal)
        internet_counts = sum_counts(contest, [internet] if internet else [])
        summed = {o: postal_counts[o] + internet_counts[o] for o in postal_counts}
        result = contest_result(contest, summed, seniority)
        result.update(
            office=contest.office,
            postal={"counts": postal_counts, "ballots": sum(f["total"] for f in postal)},
            electronic={"counts": internet_counts,
                        "ballots": internet["total"] if internet else 0},
            sources={t["table"]: t["contests"][contest.id]["version"] for t in tables
                     if contest.id in t["contests"]},
            pending=pending,
        )
        contests[contest.id] = result
    return {
        "election_id": manifest.election_id,
        "entity": entity,
        "entity_name": ENTITIES[entity].name,
        "version": version,
        "tables": [ELECTRONIC_TABLE, *(t["table"] for t in tables)],
        "envelopes": sum(t["envelopes"] for t in tables),
        "contests": contests,
    }


def figures_hash(figures: Mapping) -> str:
    """The integrity hash printed on the acta: SHA-256 of the figures' canonical JSON."""
    return hashlib.sha256(canonical_json(figures)).hexdigest()
