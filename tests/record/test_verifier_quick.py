"""The verifier's checks on a tiny record (8 citizens, 2 custodians), built once per process
and copied per test, so that each check costs about a second: fast enough to run for every
mutant of vmre.record (make mutants, docs/testing.md). test_verifier.py runs the same kinds
of tamper on the larger record."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from support.resign import edit_json, edit_line, flip_hex
from vmre.record import layout
from vmre.record.verifier import Failure, RecordError, verify_record
from vmre.simulacro.run import Outcome, run


@functools.cache
def _tiny() -> Outcome:
    out = Path(tempfile.mkdtemp(prefix="vmre-tiny-record-"))
    outcome = run(voters=8, out=out, custodians=2, threshold=1, absent=0, seed=5,
                  web_voters=0, postal_share=0.0)
    assert outcome.report.ok, outcome.report.failures
    return outcome


@pytest.fixture
def tiny(tmp_path) -> tuple[Outcome, Path]:
    outcome = _tiny()
    target = tmp_path / "record"
    shutil.copytree(outcome.record, target)
    return outcome, target



def _failed(record: Path) -> set[tuple[str, str]]:
    report = verify_record(record)
    assert not report.ok
    return {(f.section, f.check) for f in report.failures}


def test_the_tiny_record_holds_with_every_check_and_its_results(tiny):
    outcome, record = tiny
    report = verify_record(record)
    assert report.ok, report.failures
    assert report.ballots == outcome.cast and report.results == outcome.results
    assert report.fingerprint == outcome.fingerprint
    assert len(report.checks) == len(verify_record(outcome.record).checks) >= 10
    again = verify_record(record, fingerprint=outcome.fingerprint)
    assert again.ok and again.fingerprint_checked


def test_a_wrong_published_fingerprint_fails(tiny):
    outcome, record = tiny
    report = verify_record(record, fingerprint=flip_hex(outcome.fingerprint))
    assert ("2.4", "fingerprint") in {(f.section, f.check) for f in report.failures}


JSON_CASES = {
    "manifest party name": (layout.MANIFEST, lambda d: d["parties"][0].update(name="Otro"),
                            "2.2"),
    "election base hash": (layout.ELECTION, lambda d: d.update(base_hash=flip_hex(
        d["base_hash"])), "2.3"),
    "election threshold": (layout.ELECTION, lambda d: d.update(threshold=2), "2.3"),
    "transcript verdict": (layout.TRANSCRIPT, lambda d: d.update(qualified=[1]), "4.3"),
    "credential entity": (layout.CREDENTIALS, lambda d: d["credentials"][0].update(
        entity="ZAC" if d["credentials"][0]["entity"] != "ZAC" else "JAL"), "5.2"),
    "credential signature": (layout.CREDENTIALS, lambda d: d.pop("signature"), "5.2"),
    "closing count": (layout.CLOSING, lambda d: d.update(ballots=d["ballots"] - 1), "7.4"),
    "closing signature": (layout.CLOSING, lambda d: d.pop("signature"), "7.4"),
    "closing time": (layout.CLOSING, lambda d: d.update(closed_at="2000-01-01T00:00:00+00:00"),
                     "7.4"),
    "results count": (layout.RESULTS, lambda d: next(iter(d["contests"].values()))[
        "counts"].update({"pan": next(iter(d["contests"].values()))["counts"].get("pan", 0)
                          + 1}), "11.2"),
}


@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_a_tampered_file_is_named(tiny, case):
    _, record = tiny
    name, change, section = JSON_CASES[case]
    edit_json(record / name, change)
    assert section in {s for s, _ in _failed(record)}


def test_a_file_in_another_serialisation_fails_the_canonical_form(tiny):
    _, record = tiny
    path = record / layout.CLOSING
    path.write_text(json.dumps(json.loads(path.read_text("utf-8")), indent=2) + "\n")
    assert ("1.2", "canonical form") in _failed(record)


def test_a_missing_file_is_named(tiny):
    _, record = tiny
    (record / layout.CLOSING).unlink()
    report = verify_record(record)
    assert ("7.4", "file present", layout.CLOSING, "missing") in [
        (f.section, f.check, f.item, f.detail) for f in report.failures]


def test_a_file_that_does_not_parse_is_named_with_the_parser_error(tiny):
    _, record = tiny
    (record / layout.CLOSING).write_text("{no es json\n", encoding="utf-8")
    try:
        json.loads("{no es json\n")
    except json.JSONDecodeError as err:
        expected = str(err)
    report = verify_record(record)
    assert ("7.4", "file parses", layout.CLOSING, expected) in [
        (f.section, f.check, f.item, f.detail) for f in report.failures]


BOARD_CASES = {
    "ciphertext": (lambda d: d["ballot"]["contests"][0]["choices"][0].update(
        alpha=d["ballot"]["contests"][0]["choices"][1]["alpha"]), {"6.5", "6.3"}),
    "received_at": (lambda d: d.update(received_at="2024-01-01T00:00:00+00:00"), {"7.2"}),
    "position": (lambda d: d.update(position=d["position"] + 1), {"7.1"}),
    "signature": (lambda d: d["ballot"]["signature"].reverse(), {"6.3"}),
}


@pytest.mark.parametrize("case", sorted(BOARD_CASES))
def test_a_tampered_board_entry_is_named(tiny, case):
    _, record = tiny
    change, sections = BOARD_CASES[case]
    path = record / layout.BOARD
    tracking = json.loads(path.read_text().splitlines()[1])["tracking_code"]
    edit_line(path, 1, change)
    report = verify_record(record)
    assert {f.section for f in report.failures} & sections
    assert any(tracking in f.item for f in report.failures)


def test_a_removed_board_entry_breaks_the_chain_and_the_count(tiny):
    _, record = tiny
    path = record / layout.BOARD
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:1] + lines[2:]))
    assert {"7.1", "7.2", "7.4"} <= {s for s, _ in _failed(record)}


def test_a_failure_names_section_check_item_and_detail(tiny):
    _, record = tiny
    (record / layout.CLOSING).unlink()
    report = verify_record(record)
    failure = next(f for f in report.failures if f.item == layout.CLOSING)
    assert str(failure) == f"§{failure.section} {failure.check} [{layout.CLOSING}]: missing"
    report.fail("9.9", "a check", "an item")
    assert str(report.failures[-1]) == "§9.9 a check [an item]"
    assert report.failures[-1].detail == ""


def test_the_published_fingerprint_may_be_typed_in_groups_and_any_case(tiny):
    outcome, record = tiny
    typed = " ".join(outcome.fingerprint[i:i + 4] for i in range(0, len(outcome.fingerprint), 4))
    report = verify_record(record, fingerprint=f"  {typed.upper()}\n")
    assert report.ok and report.fingerprint_checked


def test_files_listed_in_sha256sums_must_be_there_unchanged(tiny):
    _, record = tiny
    listed = [layout.CLOSING, layout.RESULTS]
    lines = [f"{hashlib.sha256((record / n).read_bytes()).hexdigest()}  {n}" for n in listed]
    (record / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
    digest_failures = lambda: [(f.check, f.item, f.detail)  # noqa: E731
                               for f in verify_record(record).failures if f.section == "12.1"]
    assert digest_failures() == []  # the honest sums hold (the actas' own list is §12.2)
    (record / "SHA256SUMS").write_text("\n".join([*lines, f"{'0' * 64}  actas/falta.json"])
                                       + "\n", encoding="utf-8")
    (record / layout.RESULTS).write_text(" " + (record / layout.RESULTS).read_text("utf-8"))
    assert digest_failures() == [("file digest", layout.RESULTS, "missing or changed"),
                                 ("file digest", "actas/falta.json", "missing or changed")]


def test_a_record_error_reads_as_its_failure():
    failure = Failure("7.4", "file present", layout.CLOSING, "missing")
    assert str(RecordError(failure)) == str(failure) == "§7.4 file present [closing.json]: missing"


@pytest.mark.parametrize("window", [
    {"opens_at": None}, {"closes_at": None}, {"opens_at": "ayer"},
    {"opens_at": "2024-06-01T08:00:00", "closes_at": "2024-06-02T18:00:00"},  # no offset
    {"opens_at": "2024-06-02T18:00:00+00:00", "closes_at": "2024-06-02T18:00:00+00:00"},
    {"opens_at": "2024-06-02T18:00:00+00:00", "closes_at": "2024-06-01T18:00:00+00:00"},
], ids=["no-opening", "no-closing", "not-a-time", "no-offset", "empty", "reversed"])
def test_a_closing_statement_without_a_proper_window_is_named(tiny, window):
    _, record = tiny

    def change(closing):
        for key, value in window.items():
            if value is None:
                closing.pop(key)
            else:
                closing[key] = value
    edit_json(record / layout.CLOSING, change)
    found = [f for f in verify_record(record).failures if f.check == "voting window"]
    assert [(f.section, f.item, f.detail) for f in found] == [(
        "7.4", layout.CLOSING,
        "opens_at/closes_at missing, not ISO 8601 with offset, or out of order")]


def test_a_digest_line_names_everything_after_its_two_spaces(tiny):
    _, record = tiny
    odd = record / "actas" / "con  dos espacios.json"
    odd.parent.mkdir(exist_ok=True)
    odd.write_text("{}\n", encoding="utf-8")
    line = f"{hashlib.sha256(odd.read_bytes()).hexdigest()}  actas/con  dos espacios.json\n"
    (record / "SHA256SUMS").write_text(line, encoding="utf-8")
    assert [f for f in verify_record(record).failures if f.section == "12.1"] == []


def test_a_spoiled_list_other_than_the_committed_one_is_named(tiny):
    _, record = tiny
    committed = json.loads((record / layout.CLOSING).read_text("utf-8"))["spoiled"]
    edit_json(record / layout.CLOSING, lambda d: d.update(
        spoiled={**d["spoiled"], "count": d["spoiled"]["count"] + 1}))
    found = [f for f in verify_record(record).failures if f.check == "spoiled list committed"]
    digest = hashlib.sha256((record / layout.SPOILED).read_bytes()).hexdigest()
    assert [(f.section, f.item, f.detail) for f in found] == [(
        "8.3", layout.SPOILED,
        f"{committed['count']} audited ballots with SHA-256 {digest}; the closing statement "
        f"commits to {dict(committed, count=committed['count'] + 1)}")]
