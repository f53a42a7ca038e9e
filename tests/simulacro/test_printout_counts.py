"""The simulacro's printout: the funnel and the postal summary write counts with thousands
separators and name entities, offices and candidates as people read them (never `JAL`,
`gob-jal` or `jal-a`); its summary lines count grammatically."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console

from vmre.core.messages import text
from vmre.simulacro.cli import funnel_table, verified_line
from vmre.simulacro.postal import summary_table
from vmre.simulacro.registration import Funnel
from vmre.simulacro.run import Outcome, default_manifest_text
from vmre.voting.manifest import parse_manifest

MANIFEST = parse_manifest(default_manifest_text())


def _printed(renderable) -> str:
    console = Console(width=240, record=True)
    console.print(renderable)
    return console.export_text()


def _postal() -> dict:
    return {"on_time": 1200, "late": 3, "late_listed": 3, "scans": {"duplicate": 1},
            "entities": {"JAL": {"sent": 15000, "received": 12000, "late": 3, "contests": {
                "gob-jal": {"postal": 12000, "internet": 2500, "total": 14500,
                            "candidates": {"jal-a": 9000, "jal-b": 4000, "jal-c": 1500}}}}}}


def test_the_funnel_writes_counts_with_thousands_separators():
    funnel = Funnel(submitted=25000, duplicates=2, requests=24998, confirmed=20000,
                    first_review=19000, rejected=Counter(not_in_register=1234),
                    listed={"internet": 15000, "postal": 3000}, credentials_mailed=15000,
                    handed_over=15000, accounts=14000, mails=60000)
    outcome = Outcome(out=Path("."), record=Path("."), archive=Path("."), election_id="e",
                      voters=25000, cast=12345, manifest=MANIFEST, postal=_postal(),
                      funnel=funnel)
    printed = _printed(funnel_table(outcome))
    for figure in ("25,000", "24,998", "1,234", "15,000", "18,000", "12,345", "13,548"):
        assert figure in printed, figure
    assert "25000" not in printed and "12345" not in printed


def test_the_postal_summary_names_entities_offices_and_candidates():
    printed = _printed(summary_table(_postal(), MANIFEST))
    assert "Jalisco" in printed and "Gubernatura de Jalisco" in printed
    assert "Ana Lucía Ibarra Peña (9,000)" in printed
    assert "15,000" in printed and "14,500" in printed
    for id_ in ("JAL ", "gob-jal", "jal-a"):
        assert id_ not in printed


def test_the_verification_line_counts_its_checks_grammatically():
    assert verified_line(1) == text("simulacro.verified.one", n="1")
    assert "1 comprobación" in verified_line(1) and "1,204 comprobaciones" in verified_line(1204)
