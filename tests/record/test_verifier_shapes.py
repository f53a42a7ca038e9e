"""A record is read by people who did not write it: whatever shape its files take, `vmre
verify` ends with named failures, never a traceback. Every member of every file of an honest
conformance record, down a few levels, is given values of other JSON types in turn (re-
serialised in the record's one form, so the canonical-form check is not what objects), and
the verifier must fail the record by name. The shapes that used to crash it are then checked
for their exact failure."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from vmre.record import layout
from vmre.record.verifier import Report, verify_record

HONEST = Path(__file__).resolve().parents[2] / "conformance" / "records" / "single-all-present"
JSON_FILES = sorted(p.relative_to(HONEST).as_posix() for p in HONEST.rglob("*.json"))
LINE_FILES = (layout.BOARD, layout.SPOILED)
Path_ = tuple[str | int, ...]


def _others(value: object) -> list[object]:
    """Values of JSON types other than `value`'s."""
    kinds: list[object] = [None, [], "x", 7, {}]
    same = {type(None): None, list: [], str: "x", int: 7, bool: 7, dict: {}}[type(value)]
    return [k for k in kinds if k != same or type(k) is not type(same)]


def _paths(value: object, prefix: Path_ = (), depth: int = 2) -> Iterator[Path_]:
    yield prefix
    if len(prefix) < depth:
        if isinstance(value, dict):
            for key, member in value.items():
                yield from _paths(member, (*prefix, key), depth)
        elif isinstance(value, list) and value:
            yield from _paths(value[0], (*prefix, 0), depth)


def _get(doc: object, path: Path_) -> object:
    for step in path:
        doc = doc[step]  # type: ignore[index]
    return doc


def _set(doc: object, path: Path_, new: object) -> object:
    if not path:
        return new
    _get(doc, path[:-1])[path[-1]] = new  # type: ignore[index]
    return doc


def _cases(name: str) -> Iterator[tuple[Path_, object]]:
    text = (HONEST / name).read_text("utf-8")
    if name in LINE_FILES:
        doc, depth = json.loads(text.splitlines()[0]), 3  # the first line
    else:
        doc, depth = json.loads(text), 2
    for path in _paths(doc, depth=depth):
        for wrong in _others(_get(doc, path)):
            yield path, wrong


def _reshaped(tmp_path: Path, name: str, path: Path_, wrong: object) -> Path:
    record = tmp_path / "record"
    shutil.copytree(HONEST, record)
    target = record / name
    if name in LINE_FILES:
        first, *rest = target.read_text("utf-8").splitlines(keepends=True)
        target.write_text(layout.line_text(_set(json.loads(first), path, wrong)) + "".join(rest),
                          encoding="utf-8")
    else:
        doc = json.loads(target.read_text("utf-8"))
        target.write_text(layout.file_text(_set(doc, path, wrong)), encoding="utf-8")
    return record


def _verify(record: Path) -> Report:
    return verify_record(record, workers=1)


@pytest.mark.parametrize("name", [*JSON_FILES, *LINE_FILES])
def test_every_member_of_another_type_fails_the_record_by_name(tmp_path, name):
    cases = list(_cases(name))
    assert len(cases) >= 4  # the walk reached the file's members
    passed, crashed = [], []
    for n, (path, wrong) in enumerate(cases):
        folder = tmp_path / str(n)
        try:
            report = _verify(_reshaped(folder, name, path, wrong))
        except Exception as err:
            crashed.append((path, wrong, f"{type(err).__name__}: {err}"))
            continue
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if report.ok or not all(f.section and f.check for f in report.failures):
            passed.append((path, wrong))
    assert crashed == []
    assert passed == []


def _failures(report: Report) -> set[tuple[str, str, str, str]]:
    return {(f.section, f.check, f.item, f.detail) for f in report.failures}


@pytest.mark.parametrize("name, section", [
    (layout.ELECTION, "2.2"), (layout.CLOSING, "7.4"), (layout.AGGREGATE, "9"),
    (layout.RESULTS, "11"), (layout.CREDENTIALS, "5")])
def test_a_file_that_is_not_an_object_is_named_as_such(tmp_path, name, section):
    report = _verify(_reshaped(tmp_path, name, (), ["una", "lista"]))
    assert (section, "file parses", name, "not a JSON object") in _failures(report)


def test_an_election_member_of_another_type_is_a_context_that_does_not_parse(tmp_path):
    report = _verify(_reshaped(tmp_path, layout.ELECTION, ("transcript_hash",), 7))
    assert [(f.section, f.check, f.item) for f in report.failures][-1] == (
        "2.2", "context parses", layout.ELECTION)
    assert "fromhex() argument must be str, not int" in report.failures[-1].detail


@pytest.mark.parametrize("member", ["announcements", "complaints"])
def test_a_transcript_member_that_is_not_an_object_is_a_transcript_that_does_not_parse(
        tmp_path, member):
    report = _verify(_reshaped(tmp_path, layout.TRANSCRIPT, (member,), ["una", "lista"]))
    last = report.failures[-1]
    assert (last.section, last.check, last.item) == ("4.1", "transcript parses",
                                                    layout.TRANSCRIPT)
    assert "'list' object has no attribute" in last.detail


@pytest.mark.parametrize("name, section, check", [
    (layout.AGGREGATE, "9.1", "aggregate"), (layout.RESULTS, "11.2", "results")])
def test_published_contests_that_are_not_an_object_differ_contest_by_contest(
        tmp_path, name, section, check):
    report = _verify(_reshaped(tmp_path, name, ("contests",), ["una", "lista"]))
    expected = json.loads((HONEST / name).read_text("utf-8"))["contests"]
    named = {f.item for f in report.failures if (f.section, f.check) == (section, check)}
    assert named == {f"{name}:{cid}" for cid in expected}


def test_a_spoiled_line_that_is_not_an_object_is_named_by_its_line(tmp_path):
    report = _verify(_reshaped(tmp_path, layout.SPOILED, (), ["una", "lista"]))
    assert [(f.section, f.check, f.item) for f in report.failures
            if f.section == "8.1"] == [("8.1", "spoiled ballot fields",
                                        "spoiled ballot None (line 1)")]
    report = _verify(_reshaped(tmp_path / "code", layout.SPOILED, ("tracking_code",), []))
    assert ("8.1", "spoiled ballot re-check") in {(f.section, f.check) for f in report.failures}
