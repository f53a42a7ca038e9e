"""Properties of the acta figures: a consistent acta passes, any single change to its total
is caught, and an entity count is the sum of its tables and the electronic table."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vmre.count.actas import check_figures, electronic_acta, entity_figures
from vmre.simulacro.run import default_manifest_text
from vmre.voting.manifest import parse_manifest

MANIFEST = parse_manifest(default_manifest_text())
JAL = MANIFEST.contests_for("JAL")


def _counts(draw, contest):
    return {o.id: draw(st.integers(0, 40)) for o in contest.options}


@st.composite
def table_actas(draw, number: int):
    contests = {}
    envelopes = 0
    for contest in JAL:
        counts = _counts(draw, contest)
        n = sum(counts.values())
        contests[contest.id] = {"counts": counts, "total": n, "ballots_taken": n, "version": 1}
        envelopes = max(envelopes, n)
    extra = draw(st.integers(0, 5))
    return {"table": f"JAL-{number:02d}", "entity": "JAL", "kind": "postal",
            "envelopes": envelopes + extra, "contests": contests}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_consistency_holds_and_a_changed_total_is_caught(data):
    tbl = data.draw(table_actas(1))
    for contest in JAL:
        figures = tbl["contests"][contest.id]
        assert check_figures(contest, figures, tbl["envelopes"]) == []
        delta = data.draw(st.integers(-3, 3).filter(lambda d: d != 0))
        changed = {**figures, "total": figures["total"] + delta}
        keys = {k for k, _ in check_figures(contest, changed, tbl["envelopes"])}
        assert keys & {"count.acta.sum_mismatch", "count.acta.not_a_count"}


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_entity_count_is_the_sum_of_its_tables(data):
    tables = [data.draw(table_actas(i)) for i in range(1, data.draw(st.integers(0, 3)) + 1)]
    results = {"contests": {}}
    for contest in MANIFEST.contests:
        counts = _counts(data.draw, contest)
        results["contests"][contest.id] = {"ballots": sum(counts.values()), "counts": counts}
    electronic = electronic_acta(MANIFEST, results)
    figures = entity_figures(MANIFEST, "JAL", electronic, tables, 1)
    for contest in JAL:
        got = figures["contests"][contest.id]
        for option in contest.options:
            want = results["contests"][contest.id]["counts"][option.id] + sum(
                t["contests"][contest.id]["counts"][option.id] for t in tables)
            assert got["counts"][option.id] == want
        assert got["total"] == results["contests"][contest.id]["ballots"] + sum(
            t["contests"][contest.id]["total"] for t in tables)
        assert sum(got["parties"].values()) == got["valid"] == sum(got["candidates"].values())
        assert got["valid"] + got["write_in"] + got["null"] == got["total"]
    assert figures["tables"] == ["electronica", *(t["table"] for t in tables)]


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_postal_tables_counted_before_the_internet_tally(data):
    """Postal actas can be valid before the electronic table exists: the count is their sum,
    with the electronic table pending and adding nothing."""
    tables = [data.draw(table_actas(i)) for i in range(1, data.draw(st.integers(1, 3)) + 1)]
    electronic = {"election_id": MANIFEST.election_id, "table": "electronica",
                  "kind": "electronic", "contests": {}}
    figures = entity_figures(MANIFEST, "JAL", electronic, tables, 1)
    for contest in JAL:
        got = figures["contests"][contest.id]
        assert got["pending"] == ["electronica"]
        assert got["electronic"]["ballots"] == 0
        assert got["total"] == sum(t["contests"][contest.id]["total"] for t in tables)
