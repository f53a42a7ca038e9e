"""Coalition distribution: hand-worked examples (remainders, ties) and properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vmre.count.distribution import contest_result, distribute, split_combination
from vmre.simulacro.run import default_manifest_text
from vmre.voting.manifest import parse_manifest

SENIORITY = ["pan", "pri", "prd", "pvem", "pt", "mc", "morena"]


def test_even_split_has_no_remainder():
    assert split_combination(9, ("pan", "pri", "prd"), {}, SENIORITY) == \
        {"pan": 3, "pri": 3, "prd": 3}


def test_remainder_goes_to_the_highest_own_vote():
    # 11 for PAN+PRI+PRD: 3 each, remainder 2 to the two highest (PRD 50, PRI 40), not PAN 10.
    own = {"pan": 10, "pri": 40, "prd": 50}
    assert split_combination(11, ("pan", "pri", "prd"), own, SENIORITY) == \
        {"pan": 3, "pri": 4, "prd": 4}
    # 7 for PAN+PRD: 3 each, remainder 1 to PRD (50 > 10).
    assert split_combination(7, ("pan", "prd"), own, SENIORITY) == {"pan": 3, "prd": 4}


def test_tie_goes_to_the_older_registration():
    own = {"pvem": 20, "pt": 20, "morena": 5}
    # 5 for PVEM+PT+MORENA: 1 each, remainder 2 to PVEM and PT (tied at 20).
    assert split_combination(5, ("pvem", "pt", "morena"), own, SENIORITY) == \
        {"pvem": 2, "pt": 2, "morena": 1}
    # 4 for the same: 1 each, remainder 1: PVEM and PT tie, PVEM registered first.
    assert split_combination(4, ("pvem", "pt", "morena"), own, SENIORITY) == \
        {"pvem": 2, "pt": 1, "morena": 1}
    # Nobody voted for the parties alone: all tie, seniority decides.
    assert split_combination(2, ("pt", "morena", "pvem"), {}, SENIORITY) == \
        {"pvem": 1, "pt": 1, "morena": 0}


def test_distribute_over_several_combinations():
    own = {"pan": 100, "pri": 60, "prd": 7}
    combos = {("pan", "pri"): 5, ("pan", "prd"): 3, ("pri", "prd"): 1, ("pan", "pri", "prd"): 8}
    final, shares = distribute(own, combos, SENIORITY)
    assert shares == {"pan+pri": {"pan": 3, "pri": 2}, "pan+prd": {"pan": 2, "prd": 1},
                      "pri+prd": {"pri": 1, "prd": 0},
                      "pan+pri+prd": {"pan": 3, "pri": 3, "prd": 2}}
    assert final == {"pan": 108, "pri": 66, "prd": 10}


def test_contest_result_totals_per_party_and_candidate():
    manifest = parse_manifest(default_manifest_text())
    contest = manifest.contest("gob-jal")
    counts = {o.id: 0 for o in contest.options}
    counts.update({"pan": 10, "pri": 4, "prd": 1, "pan+pri": 3, "pan+pri+prd": 4, "pvem": 2,
                   "morena": 9, "pt+morena": 1, "mc": 6, "no-registrado": 2, "nulo": 3})
    result = contest_result(contest, counts, list(manifest.parties))
    assert result["parties"]["pan"] == 10 + 2 + 2  # 3 → 2/1, 4 → 2/1/1
    assert result["parties"]["pri"] == 4 + 1 + 1
    assert result["parties"]["prd"] == 1 + 1
    assert result["parties"]["morena"] == 9 + 1 and result["parties"]["pt"] == 0
    assert result["candidates"] == {"jal-a": 22, "jal-b": 12, "jal-c": 6}
    assert result["valid"] == 40 and result["total"] == 45
    assert sum(result["parties"].values()) == result["valid"]


PARTIES = ["a", "b", "c", "d"]


@given(own=st.fixed_dictionaries({p: st.integers(0, 500) for p in PARTIES}),
       combos=st.dictionaries(
           st.sampled_from([("a", "b"), ("a", "c"), ("b", "c"), ("a", "b", "c"),
                            ("a", "b", "c", "d"), ("c", "d")]),
           st.integers(0, 1000)))
def test_properties(own, combos):
    final, shares = distribute(own, combos, PARTIES)
    # Totals preserved: every vote lands on exactly one party.
    assert sum(final.values()) == sum(own.values()) + sum(combos.values())
    assert all(n >= 0 for n in final.values())
    for parties, votes in combos.items():
        split = shares["+".join(parties)]
        assert sum(split.values()) == votes
        base = votes // len(parties)
        # Each party gets the equal share, at most one more vote.
        assert all(base <= n <= base + 1 for n in split.values())
        # Remainder rule: a party with the extra vote never has a lower own vote than one
        # without it, and on a tie the one with it registered earlier.
        extra = [p for p in parties if split[p] == base + 1]
        plain = [p for p in parties if split[p] == base]
        for winner in extra:
            for other in plain:
                assert (own[winner], -PARTIES.index(winner)) > (own[other], -PARTIES.index(other))
