"""`vmre verify`: a pristine record holds; any change to any item is caught and named."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from support.resign import edit_json, edit_line, flip_hex
from vmre.cli import app, register_parts
from vmre.record import layout
from vmre.record.verifier import verify_record


def _sections(record: Path) -> set[str]:
    report = verify_record(record)
    assert not report.ok
    return {f.section for f in report.failures}


def test_pristine_record_and_its_zip_verify(pristine_record):
    for target in (pristine_record.record, pristine_record.archive):
        report = verify_record(target)
        assert report.ok, report.failures
        assert report.ballots == pristine_record.cast
        assert report.results == pristine_record.results


def test_results_match_the_votes_actually_cast(pristine_record):
    """The decrypted counts are, option by option, what the simulated voters chose."""
    results = pristine_record.results["contests"]
    counted = {cid: {o: n for o, n in c["counts"].items() if n} for cid, c in results.items()}
    chosen = {cid: dict(c) for cid, c in pristine_record.chosen.items()}
    assert {cid: c for cid, c in counted.items() if c} == chosen
    totals = {cid: sum(c["counts"].values()) for cid, c in results.items()}
    assert totals == {cid: c["ballots"] for cid, c in results.items()}  # one option each
    assert sum(results[c]["ballots"] for c in ("gob-gto", "jefatura-cdmx", "gob-pue",
                                               "gob-jal")) == pristine_record.cast


CASES = {
    "manifest party name": (layout.MANIFEST, lambda d: d["parties"][0].update(name="Otro"),
                            "2.2"),
    "election base hash": (layout.ELECTION, lambda d: d.update(base_hash=flip_hex(
        d["base_hash"])), "2.3"),
    "election threshold": (layout.ELECTION, lambda d: d.update(threshold=1), "2.3"),
    "transcript commitment": (layout.TRANSCRIPT, lambda d: d["announcements"]["1"][
        "commitments"].__setitem__(1, d["announcements"]["2"]["commitments"][1]), "4.2"),
    "transcript sealed share": (layout.TRANSCRIPT, lambda d: d["shares"]["1"].update(
        {"2": flip_hex(d["shares"]["1"]["2"])}), "4.2"),
    "transcript verdict": (layout.TRANSCRIPT, lambda d: d.update(qualified=[1, 2]), "4.3"),
    "credential entity": (layout.CREDENTIALS, lambda d: d["credentials"][0].update(
        entity="ZAC"), "5.2"),
    "closing count": (layout.CLOSING, lambda d: d.update(ballots=d["ballots"] - 1), "7.4"),
    "closing time": (layout.CLOSING, lambda d: d.update(closed_at="2000-01-01T00:00:00+00:00"),
                     "7.4"),
    "aggregate": (layout.AGGREGATE, lambda d: d["contests"]["gob-jal"]["options"][0].__setitem__(
        0, d["contests"]["gob-gto"]["options"][0][0]), "9.1"),
    "results count": (layout.RESULTS, lambda d: d["contests"]["gob-jal"]["counts"].update(
        pan=d["contests"]["gob-jal"]["counts"]["pan"] + 1), "11.2"),
    "share": ("shares/custodian-2.json", lambda d: d["contests"]["gob-jal"][0].__setitem__(
        0, d["contests"]["gob-jal"][1][0]), "10.2"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_tampered_json_items_are_named(record_copy, case):
    name, change, section = CASES[case]
    if not (record_copy / name).exists():  # the absent custodian's share
        name = "shares/custodian-1.json" if name.endswith("-2.json") else name
    edit_json(record_copy / name, change)
    assert section in _sections(record_copy)


BOARD_CASES = {
    "ciphertext": (lambda d: d["ballot"]["contests"][0]["choices"][0].update(
        alpha=d["ballot"]["contests"][0]["choices"][1]["alpha"]), {"6.5", "6.3"}),
    "received_at": (lambda d: d.update(received_at="2024-01-01T00:00:00+00:00"), {"7.2"}),
    "position": (lambda d: d.update(position=d["position"] + 1), {"7.1"}),
    "credential": (lambda d: d["ballot"].update(credential=flip_hex(d["ballot"]["credential"])),
                   {"6.5"}),
    "signature": (lambda d: d["ballot"]["signature"].reverse(), {"6.3"}),
    "not canonical JSON": (lambda d: d["ballot"].update(extra=float("nan")), {"7.1"}),
}


@pytest.mark.parametrize("case", sorted(BOARD_CASES))
def test_tampered_board_entries_are_named(record_copy, case):
    change, sections = BOARD_CASES[case]
    path = record_copy / layout.BOARD
    tracking = json.loads(path.read_text().splitlines()[3])["tracking_code"]
    edit_line(path, 3, change)
    report = verify_record(record_copy)
    assert {f.section for f in report.failures} & sections
    assert any(tracking in f.item for f in report.failures)


def test_removed_and_swapped_board_entries(record_copy):
    path = record_copy / layout.BOARD
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2] + lines[3:]))
    assert {"7.1", "7.2", "7.4"} <= _sections(record_copy)
    path.write_text("".join([lines[1], lines[0], *lines[2:]]))
    assert "7.2" in _sections(record_copy)


def test_tampered_spoiled_ballot_disclosure(record_copy):
    def change(d):
        cid = next(iter(d["disclosure"]["nonces"]))
        d["disclosure"]["nonces"][cid][0] = flip_hex(d["disclosure"]["nonces"][cid][0])

    edit_line(record_copy / layout.SPOILED, 0, change)
    report = verify_record(record_copy)
    assert any(f.section == "8.1" and "spoiled ballot" in f.item for f in report.failures)


def test_one_byte_changed_anywhere_fails(record_copy):
    rng = random.Random(5)
    files = sorted(p for p in record_copy.rglob("*") if p.is_file())
    assert len(files) >= 10
    for path in files:
        original = path.read_bytes()
        for _ in range(2):
            pos = rng.randrange(len(original))
            changed = bytearray(original)
            changed[pos] ^= 1 << rng.randrange(7)
            path.write_bytes(bytes(changed))
            report = verify_record(record_copy)
            assert not report.ok, f"{path.name} byte {pos} changed and verify passed"
        path.write_bytes(original)
    assert verify_record(record_copy).ok


def test_missing_file_is_named(record_copy):
    (record_copy / layout.AGGREGATE).unlink()
    report = verify_record(record_copy)
    assert [str(f) for f in report.failures] == ["§9 file present [aggregate.json]: missing"]


def test_cli_exit_codes(record_copy):
    register_parts()
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(record_copy)])
    assert ok.exit_code == 0, ok.output
    edit_json(record_copy / layout.RESULTS, CASES["results count"][1])
    bad = runner.invoke(app, ["verify", str(record_copy)])
    assert bad.exit_code == 1
    assert "§11.2" in bad.output and "results.json:gob-jal" in bad.output


def test_parallel_local_processes_give_the_same_report(pristine_record, record_copy):
    seen = []
    report = verify_record(pristine_record.record, workers=2, chunk=7,
                           progress=lambda done, total: seen.append((done, total)))
    assert report.ok and report.results == pristine_record.results
    assert seen[-1][0] == seen[-1][1] > 1
    edit_line(record_copy / layout.BOARD, 20, BOARD_CASES["signature"][0])
    bad = verify_record(record_copy, workers=2, chunk=7)
    assert any(f.section == "6.3" for f in bad.failures)


def test_dask_distributed_cluster_runs_the_same_checks(pristine_record, record_copy):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        report = verify_record(pristine_record.record, scheduler=cluster.scheduler_address,
                               chunk=10)
        assert report.ok and report.results == pristine_record.results
        edit_line(record_copy / layout.BOARD, 5, BOARD_CASES["signature"][0])
        bad = verify_record(record_copy, scheduler=cluster.scheduler_address, chunk=10)
        assert any(f.section == "6.3" for f in bad.failures)
