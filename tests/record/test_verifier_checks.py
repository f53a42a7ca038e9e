"""The verifier's checks one at a time, on the conformance records (conformance/records: small,
already written, honest and tampered with known verdicts), in this process.

No election is built here, so each test costs a fraction of a second: these tests are the
fast selection that `make mutants` runs for every mutant of vmre.record (docs/testing.md §2).
A test that changes a record works on a copy; the others read the records in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from record_checks import copy_record as _copy
from record_checks import failures_of as _failures

from vmre.crypto.group import GroupError, point_from_hex
from vmre.record import layout
from vmre.record.chunk_checks import check_board_lines, check_spoiled
from vmre.record.verifier import (
    RecordError,
    Report,
    _Chain,
    _check_context,
    _check_expected_counts,
    _check_fingerprint,
    _check_layout,
    _check_receipt,
    _compare,
    _iter_lines,
    _load_json,
    _verify_files_digest,
    verify_record,
)
from vmre.voting import ballot as ballots
from vmre.voting import tally
from vmre.voting.batch import context_of, sums_in
from vmre.voting.credential_list import verify_credential_list

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
VECTORS = sorted((CONFORMANCE / "vectors").glob("*.json"))
HONEST = CONFORMANCE / "records" / "single-all-present"
POSTAL = CONFORMANCE / "records" / "postal-counts"


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# The whole verifier on every conformance vector, in process ------------------------------

@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector_in_process(path: Path):
    vector = _json(path)
    receipt = _json(CONFORMANCE / vector["receipt"]) if vector.get("receipt") else None
    report = verify_record(CONFORMANCE / vector["record"], fingerprint=vector["fingerprint"],
                           receipt=receipt)
    assert {(f.section, f.check) for f in report.failures} == {
        (f["section"], f["check"]) for f in vector.get("failures", [])}, report.failures
    assert report.fingerprint_checked
    if vector["expect"] == "pass":
        assert report.ok and report.results == _json(
            CONFORMANCE / vector["record"] / layout.RESULTS)


def test_the_verifier_reads_a_record_as_utf8_whatever_the_locale(ascii_locale):
    """The postal record's manifest, actas and SHA256SUMS hold names with accents."""
    vector = _json(CONFORMANCE / "vectors" / "postal-counts.json")
    assert "í" in (POSTAL / layout.MANIFEST).read_text(encoding="utf-8")
    report = verify_record(POSTAL, fingerprint=vector["fingerprint"])
    assert report.ok, report.failures


# _load_json ------------------------------------------------------------------------------

def test_load_json_returns_a_canonical_file_and_reports_nothing():
    report = Report()
    assert _load_json(HONEST, layout.CLOSING, "7.4", report) == _json(HONEST / layout.CLOSING)
    assert report.failures == []


def test_load_json_names_a_missing_file(tmp_path):
    with pytest.raises(RecordError) as caught:
        _load_json(tmp_path, layout.CLOSING, "7.4", Report())
    failure = caught.value.failure
    assert (failure.section, failure.check, failure.item, failure.detail) == (
        "7.4", "file present", layout.CLOSING, "missing")


@pytest.mark.parametrize("content", [b"{no es json\n", b'{"a": "\xff"}\n', b"\xef\xbb\xbf{}\n"],
                         ids=["not-json", "not-utf8", "byte-order-mark"])
def test_load_json_names_a_file_that_does_not_parse_with_the_parser_error(tmp_path, content):
    (tmp_path / layout.CLOSING).write_bytes(content)
    try:
        json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        expected = str(err)
    with pytest.raises(RecordError) as caught:
        _load_json(tmp_path, layout.CLOSING, "7.4", Report())
    failure = caught.value.failure
    assert (failure.section, failure.check, failure.item, failure.detail) == (
        "7.4", "file parses", layout.CLOSING, expected)


@pytest.mark.parametrize("text", ['{"a": 1}\n', '{\n "a": 1\n}', '{\n "a": 1\n}\n\n',
                                  '{\n "b": 1,\n "a": 2\n}\n', '{\n "a": "\\u00f1"\n}\n'],
                         ids=["compact", "no-newline", "two-newlines", "unsorted", "escaped"])
def test_load_json_reports_a_file_in_another_serialisation(tmp_path, text):
    (tmp_path / layout.CLOSING).write_text(text, encoding="utf-8")
    report = Report()
    data = _load_json(tmp_path, layout.CLOSING, "7.4", report)
    assert data == json.loads(text)
    assert _failures(report) == [("1.2", "canonical form", layout.CLOSING,
                                  "bytes differ from the one serialisation")]


def test_load_json_reads_utf8_in_its_one_serialisation(tmp_path):
    (tmp_path / layout.CLOSING).write_bytes('{\n "a": "ñ"\n}\n'.encode())
    report = Report()
    assert _load_json(tmp_path, layout.CLOSING, "7.4", report) == {"a": "ñ"}
    assert report.failures == []


# _check_receipt (§7.6) -------------------------------------------------------------------

def _receipt() -> dict:
    return _json(CONFORMANCE / "receipts" / "single-all-present-2.json")


def _item(receipt: dict) -> str:
    return f"receipt {receipt['tracking_code']} at position {receipt['position']}"


def test_an_honest_receipt_is_found_on_the_board():
    report, receipt = Report(), _receipt()
    _check_receipt(HONEST, report, receipt)
    assert report.failures == [] and report.receipt == receipt["tracking_code"]


def test_a_receipt_that_is_not_an_object_does_not_parse():
    for receipt in ([], "recibo", 7, None):
        report = Report()
        _check_receipt(HONEST, report, receipt)
        assert _failures(report) == [("7.6", "receipt parses", "receipt", "not a JSON object")]
        assert report.receipt == ""


def test_a_receipt_signed_by_another_key_is_named():
    report, receipt = Report(), _json(CONFORMANCE / "receipts" / "forged.json")
    _check_receipt(HONEST, report, receipt)
    assert _failures(report) == [(
        "7.6", "receipt signature", _item(receipt),
        "not signed by this election's receipt key (the one the fingerprint pins)")]


def test_a_receipt_of_another_election_is_named(tmp_path):
    """The signature holds over the receipt as written; only its election differs."""
    record, receipt = _copy(HONEST, tmp_path), _receipt()
    election = _json(record / layout.ELECTION)
    (record / layout.ELECTION).write_text(layout.file_text(
        {**election, "election_id": "otra-eleccion"}), encoding="utf-8")
    report = Report()
    _check_receipt(record, report, receipt)
    assert _failures(report) == [(
        "7.6", "receipt signature", _item(receipt),
        "not signed by this election's receipt key (the one the fingerprint pins)")]


def test_a_record_whose_receipt_key_is_not_a_point_names_the_key_error(tmp_path):
    record, receipt = _copy(HONEST, tmp_path), _receipt()
    election = _json(record / layout.ELECTION)
    (record / layout.ELECTION).write_text(layout.file_text(
        {**election, "receipt_key": "00" * 31}), encoding="utf-8")
    report = Report()
    _check_receipt(record, report, receipt)
    with pytest.raises(GroupError) as err:
        point_from_hex("00" * 31)
    assert _failures(report) == [("7.6", "receipt signature", _item(receipt), str(err.value))]


def test_a_receipt_checked_against_a_record_without_a_board_names_the_board(tmp_path):
    record = _copy(HONEST, tmp_path)
    (record / layout.BOARD).unlink()
    with pytest.raises(RecordError) as caught:
        _check_receipt(record, Report(), _receipt())
    failure = caught.value.failure
    assert (failure.section, failure.check, failure.item, failure.detail) == (
        "7", "file present", layout.BOARD, "missing")


def test_the_receipt_check_reads_the_record_as_utf8_whatever_the_locale(tmp_path, ascii_locale):
    record, receipt = _copy(HONEST, tmp_path), _receipt()
    election = _json(record / layout.ELECTION)
    (record / layout.ELECTION).write_text(layout.file_text({**election, "nota": "año"}),
                                          encoding="utf-8")
    report = Report()
    _check_receipt(record, report, receipt)
    assert report.failures == [] and report.receipt == receipt["tracking_code"]


@pytest.mark.parametrize("field", ["position", "entry_hash", "received_at"])
def test_a_receipt_that_differs_from_its_board_entry_is_named(field):
    receipt = _receipt()
    board = [json.loads(line) for line in (HONEST / layout.BOARD).read_text().splitlines()]
    entry = next(e for e in board if e["tracking_code"] == receipt["tracking_code"])
    other = next(e for e in board if e["tracking_code"] != receipt["tracking_code"])
    changed = {**receipt, field: other[field]}
    report = Report()
    _check_receipt(HONEST, report, changed)
    assert ("7.6", "receipt on the board", _item(changed),
            f"the board holds it at position {entry['position']} with another entry hash "
            "or time") in _failures(report)
    assert {f.check for f in report.failures} <= {"receipt on the board", "receipt signature"}


def test_a_receipt_whose_tracking_code_is_not_on_the_board_is_named():
    receipt = {**_receipt(), "tracking_code": "ab" * 32}
    report = Report()
    _check_receipt(HONEST, report, receipt)
    assert _failures(report)[-1] == ("7.6", "receipt on the board", _item(receipt),
                                     "the tracking code is not on the board")
    assert report.receipt == "ab" * 32


def test_the_receipt_reaches_the_report_through_verify_record():
    receipt = {**_receipt(), "tracking_code": "ab" * 32}
    report = verify_record(HONEST, receipt=receipt)
    assert _failures(report)[-1] == ("7.6", "receipt on the board", _item(receipt),
                                     "the tracking code is not on the board")


# _check_expected_counts (§12.7) -------------------------------------------------------

MODALITIES = {"internet": True, "postal": ["CDMX", "JAL"]}
MISSING = "missing: the fingerprint announces postal counting tables for CDMX, JAL"


def test_a_record_with_every_announced_count_passes():
    report = Report()
    _check_expected_counts(POSTAL, report, _json(POSTAL / layout.FINGERPRINT)["modalities"])
    assert report.failures == []
    assert report.checks == ["§12.7 counts announced by the fingerprint: CDMX, JAL with "
                             "postal tables"]


@pytest.mark.parametrize("name", [layout.SUMS, layout.ELECTRONIC_ACTA,
                                  layout.entity_count_file("CDMX"),
                                  layout.entity_count_file("JAL")])
def test_each_announced_count_that_is_missing_is_named(tmp_path, name):
    record = _copy(POSTAL, tmp_path)
    (record / name).unlink()
    report = Report()
    _check_expected_counts(record, report, MODALITIES)
    assert _failures(report) == [("12.7", "expected counts", name, MISSING)]


def test_postal_entities_are_listed_sorted_and_only_strings_count(tmp_path):
    record = _copy(POSTAL, tmp_path)
    (record / layout.entity_count_file("JAL")).unlink()
    report = Report()
    _check_expected_counts(record, report, {"postal": ["JAL", 3, None, "CDMX", "JAL"]})
    assert _failures(report) == [("12.7", "expected counts", layout.entity_count_file("JAL"),
                                  MISSING)]
    assert report.checks[-1].endswith(": CDMX, JAL with postal tables")


@pytest.mark.parametrize("modalities", [None, {}, [], {"postal": []}, {"postal": "CDMX"},
                                        {"postal": None}, {"postal": [1]}, {"internet": True}],
                         ids=["none", "empty", "list", "no-postal", "string", "null", "ints",
                              "internet"])
def test_postal_tables_of_entities_not_counted_by_post_are_named(modalities):
    report = Report()
    _check_expected_counts(POSTAL, report, modalities)
    assert _failures(report) == [
        ("12.7", "expected counts", f"actas/mesas/{entity}-01.json",
         f"a postal table of {entity}, which the fingerprint does not count by post")
        for entity in ("CDMX", "JAL")]
    assert report.checks == ["§12.7 counts announced by the fingerprint: internet only"]


def test_an_internet_only_record_expects_no_counts():
    report = Report()
    _check_expected_counts(HONEST, report, _json(HONEST / layout.FINGERPRINT)["modalities"])
    assert report.failures == []
    assert report.checks == ["§12.7 counts announced by the fingerprint: internet only"]


def test_a_postal_table_only_one_entity_counts_by_post_names_the_other():
    report = Report()
    _check_expected_counts(POSTAL, report, {"postal": ["JAL"]})
    assert _failures(report) == [(
        "12.7", "expected counts", "actas/mesas/CDMX-01.json",
        "a postal table of CDMX, which the fingerprint does not count by post")]
    assert report.checks == ["§12.7 counts announced by the fingerprint: JAL with postal "
                             "tables"]


@pytest.mark.parametrize("content", [b"{no es json", b"\xff\xfe", b"[1, 2]"],
                         ids=["not-json", "not-utf8", "not-an-object"])
def test_a_postal_table_that_does_not_read_is_left_to_its_own_check(tmp_path, content):
    record = _copy(POSTAL, tmp_path)
    (record / "actas/mesas/CDMX-01.json").write_bytes(content)
    report = Report()
    _check_expected_counts(record, report, {"postal": []})
    assert _failures(report) == [(  # and the tables after it are still read
        "12.7", "expected counts", "actas/mesas/JAL-01.json",
        "a postal table of JAL, which the fingerprint does not count by post")]


def test_a_record_without_postal_tables_and_without_postal_counting_passes(tmp_path):
    record = _copy(POSTAL, tmp_path)
    shutil.rmtree(record / "actas" / "mesas")
    report = Report()
    _check_expected_counts(record, report, {"postal": []})
    assert report.failures == []
    assert report.checks == ["§12.7 counts announced by the fingerprint: internet only"]


def test_only_json_files_are_read_as_postal_tables(tmp_path):
    record = _copy(POSTAL, tmp_path)
    (record / "actas/mesas/notas.txt").write_text('{"entity": "SON"}', encoding="utf-8")
    report = Report()
    _check_expected_counts(record, report, MODALITIES)
    assert report.failures == []


# chunk_checks: each board line and each spoiled ballot ---------------------------------

def _texts(record: Path) -> tuple[str, str]:
    """The manifest and election as the verifier hands them to its workers."""
    manifest = json.dumps(_json(record / layout.MANIFEST), ensure_ascii=False)
    return manifest, json.dumps(_json(record / layout.ELECTION))


def _eligible(record: Path) -> dict[str, str]:
    return verify_credential_list(_json(record / layout.CREDENTIALS)).entries


def _board_items(record: Path) -> list[tuple[str, str, str, bool, int]]:
    eligible = _eligible(record)
    items = []
    for n, line in enumerate((record / layout.BOARD).read_text("utf-8").splitlines(True), 1):
        entry = json.loads(line)
        items.append((f"entrada {n}", eligible[entry["ballot"]["credential"]], line, True, n))
    return items


def _aggregate(record: Path, sums: dict) -> dict:
    ctx = context_of(*_texts(record))
    return tally.aggregate_document(ctx, tally.merge_sums([sums_in(sums)]))


def test_honest_board_lines_pass_and_sum_to_the_published_aggregate():
    failures, sums = check_board_lines(*_texts(HONEST), _board_items(HONEST))
    assert failures == []
    assert _aggregate(HONEST, sums) == _json(HONEST / layout.AGGREGATE)


def test_a_ballot_not_counted_is_checked_but_left_out_of_the_sums():
    items = _board_items(HONEST)
    _, others = check_board_lines(*_texts(HONEST), items[1:])
    label, entity, line, _, n = items[0]
    failures, sums = check_board_lines(*_texts(HONEST), [(label, entity, line, False, n),
                                                         *items[1:]])
    assert failures == [] and sums == others
    broken = _signature_reversed(line)
    failures, _ = check_board_lines(*_texts(HONEST), [(label, entity, broken, False, n)])
    assert failures == [("6.3", "ballot proofs and signature", label, "bad_signature")]


def _signature_reversed(line: str) -> str:
    entry = json.loads(line)
    entry["ballot"]["signature"].reverse()
    entry["tracking_code"] = ballots.tracking_code(entry["ballot"])
    return layout.line_text(entry)


def test_a_board_line_in_another_serialisation_is_named_by_line_number():
    label, entity, line, counted, _ = _board_items(HONEST)[1]
    compact = json.dumps(json.loads(line), sort_keys=True, separators=(",", ":")) + "\n"
    failures, sums = check_board_lines(*_texts(HONEST), [(label, entity, compact, counted, 7)])
    assert failures == [("1.2", "canonical form", f"{layout.BOARD}:7",
                         "bytes differ from the one serialisation")]
    assert [n for n, _ in sums.values()] == [1] * len(sums)  # its ballot still counts


def test_a_board_line_whose_tracking_code_is_not_its_ballot_hash_is_named():
    label, entity, line, counted, n = _board_items(HONEST)[0]
    entry = {**json.loads(line), "tracking_code": "ab" * 32}
    failures, _ = check_board_lines(*_texts(HONEST), [(label, entity, layout.line_text(entry),
                                                       counted, n)])
    assert failures == [("6.5", "tracking code", label, "is not the hash of the ballot")]


def test_a_ballot_without_a_canonical_form_is_named_and_not_checked_further():
    label, entity, line, counted, n = _board_items(HONEST)[0]
    entry = json.loads(line)
    entry["ballot"]["weight"] = float("nan")  # JSON allows it, canonical JSON does not
    try:
        ballots.tracking_code(entry["ballot"])
    except (TypeError, ValueError) as err:
        expected = repr(err)
    failures, sums = check_board_lines(*_texts(HONEST), [(label, entity, layout.line_text(entry),
                                                          counted, n)])
    assert failures == [("7.1", "entry fields", label, expected)]
    assert sums == {}


def test_a_ballot_of_a_credential_not_on_the_list_is_not_checked_or_counted():
    label, _, line, counted, n = _board_items(HONEST)[0]
    failures, sums = check_board_lines(*_texts(HONEST), [(label, "", _signature_reversed(line),
                                                          counted, n)])
    assert failures == [] and sums == {}


def test_the_lines_after_one_that_is_not_checked_further_are_still_checked():
    items = _board_items(HONEST)
    label, entity, line, counted, n = items[0]
    entry = json.loads(line)
    entry["ballot"]["weight"] = float("nan")
    unhashable = (label, entity, layout.line_text(entry), counted, n)
    ineligible = (label, "", line, counted, n)
    second = (*items[1][:2], _signature_reversed(items[1][2]), *items[1][3:])
    for first in (unhashable, ineligible):
        failures, _ = check_board_lines(*_texts(HONEST), [first, second])
        assert failures[-1] == ("6.3", "ballot proofs and signature", second[0],
                                "bad_signature")


def test_a_failed_proof_is_named_with_its_code_and_parameters():
    record = CONFORMANCE / "records" / "bad-option-proof"
    failures, _ = check_board_lines(*_texts(record), _board_items(record))
    [(section, check, _, detail)] = failures
    assert (section, check) == ("6.3", "ballot proofs and signature")
    assert re.fullmatch(r"bad_option_proof contest=\S+ option=\d+", detail), detail


def _spoiled(record: Path) -> list[tuple[str, str | None, dict]]:
    eligible = _eligible(record)
    lines = (record / layout.SPOILED).read_text("utf-8").splitlines()
    return [(f"anulada {n}", eligible[json.loads(line)["ballot"]["credential"]],
             json.loads(line)) for n, line in enumerate(lines, 1)]


def test_an_honest_spoiled_ballot_reproduces_from_its_disclosure():
    items = _spoiled(HONEST)
    assert items and check_spoiled(*_texts(HONEST), items) == []


def test_a_spoiled_ballot_of_no_listed_credential_is_not_eligible():
    [(label, _, spoiled)] = _spoiled(HONEST)
    assert check_spoiled(*_texts(HONEST), [(label, None, spoiled)]) == [
        ("8.1", "spoiled ballot re-check", label, "not_eligible {}")]


def test_a_spoiled_ballot_whose_tracking_code_is_not_its_hash_is_named():
    [(label, entity, spoiled)] = _spoiled(HONEST)
    changed = {**spoiled, "tracking_code": "ab" * 32}
    assert check_spoiled(*_texts(HONEST), [(label, entity, changed)]) == [
        ("8.1", "spoiled ballot re-check", label, "reveal_mismatch {'reason': 'tracking code'}")]


def test_a_spoiled_ballot_whose_signature_fails_is_named():
    [(label, entity, spoiled)] = _spoiled(HONEST)
    ballot = json.loads(json.dumps(spoiled["ballot"]))
    ballot["signature"].reverse()
    assert check_spoiled(*_texts(HONEST), [(label, entity, {**spoiled, "ballot": ballot})]) == [
        ("8.1", "spoiled ballot re-check", label, "bad_signature {}")]


def test_a_spoiled_ballot_whose_disclosed_choice_is_not_its_encryption_is_named():
    [(label, entity, spoiled)] = _spoiled(HONEST)
    disclosure = json.loads(json.dumps(spoiled["disclosure"]))
    disclosure["selections"]["gob-jal"] = "nulo"
    assert check_spoiled(*_texts(HONEST), [(label, entity, {**spoiled,
                                                            "disclosure": disclosure})]) == [
        ("8.1", "spoiled ballot re-check", label, "reveal_mismatch {'reason': 'gob-jal[5]'}")]


@pytest.mark.parametrize("key", ["ballot", "disclosure", "tracking_code"])
def test_a_spoiled_entry_without_a_field_is_named(key):
    [(label, entity, spoiled)] = _spoiled(HONEST)
    short = {k: v for k, v in spoiled.items() if k != key}
    assert check_spoiled(*_texts(HONEST), [(label, entity, short)]) == [
        ("8.1", "spoiled ballot fields", label, repr(KeyError(key)))]


def test_each_spoiled_ballot_is_judged_on_its_own():
    [(_, entity, spoiled)] = _spoiled(HONEST)
    assert check_spoiled(*_texts(HONEST), [("a", None, spoiled), ("b", entity, spoiled),
                                           ("c", entity, {})]) == [
        ("8.1", "spoiled ballot re-check", "a", "not_eligible {}"),
        ("8.1", "spoiled ballot fields", "c", repr(KeyError("ballot")))]


# layout -------------------------------------------------------------------------------

def test_a_record_file_has_one_serialisation():
    data = {"b": 1, "a": "ñ", "c": [1, {"z": None, "y": True}]}
    assert layout.file_text(data) == (
        '{\n "a": "ñ",\n "b": 1,\n "c": [\n  1,\n  {\n   "y": true,\n   "z": null\n  }\n'
        ' ]\n}\n')
    assert layout.line_text(data) == (
        '{"a": "\\u00f1", "b": 1, "c": [1, {"y": true, "z": null}]}\n')


def test_record_file_names():
    assert layout.share_file(2) == "shares/custodian-2.json"
    assert layout.entity_count_file("JAL") == "actas/computo/JAL.json"
    assert layout.FIXED_FILES == (
        "manifest.json", "election.json", "fingerprint.json", "ceremony/transcript.json",
        "credentials.json", "board.jsonl", "spoiled.jsonl", "closing.json", "aggregate.json",
        "results.json", "SHA256SUMS")


def test_postal_tables_are_read_as_utf8_whatever_the_locale(tmp_path, ascii_locale):
    record = _copy(POSTAL, tmp_path)
    table = record / "actas/mesas/JAL-01.json"
    table.write_text(layout.file_text({**_json(table), "nota": "año"}), encoding="utf-8")
    report = Report()
    _check_expected_counts(record, report, {"postal": []})
    assert [item for _, _, item, _ in _failures(report)] == [
        "actas/mesas/CDMX-01.json", "actas/mesas/JAL-01.json"]


def test_sha256sums_is_read_as_utf8_whatever_the_locale(tmp_path, ascii_locale):
    record = _copy(POSTAL, tmp_path)
    named = record / "actas" / "señal.json"
    named.write_text("{}\n", encoding="utf-8")
    (record / layout.SUMS).write_text(
        f"{hashlib.sha256(named.read_bytes()).hexdigest()}  actas/señal.json\n"
        f"{'0' * 64}  actas/niño.json\n", encoding="utf-8")
    report = Report()
    _verify_files_digest(record, report)
    assert _failures(report) == [("12.1", "file digest", "actas/niño.json",
                                  "missing or changed")]


# _check_fingerprint (§2.4), on the postal record's own context --------------------------

FP = layout.FINGERPRINT
CONTEXT_TEXT = "differs from the election context (election.json, §2.3)"
MODALITIES_TEXT = 'not {"internet": true, "postal": [sorted entities of the manifest]}'


def _fingerprint_check(record: Path, published: str | None = None) -> Report:
    report = Report()
    context = _check_context(POSTAL, Report(), None)  # the untouched record's context
    doc = _check_fingerprint(record, report, context.ctx, context.election,
                             context.manifest.entities, published)
    assert doc == _json(record / FP)
    return report


def _with_fingerprint(tmp_path: Path, change) -> Path:
    record = _copy(POSTAL, tmp_path)
    doc = _json(record / FP)
    change(doc)
    (record / FP).write_text(layout.file_text(doc), encoding="utf-8")
    return record


def test_the_fingerprint_of_an_honest_record_is_recomputed():
    published = _json(CONFORMANCE / "vectors" / "postal-counts.json")["fingerprint"]
    report = _fingerprint_check(POSTAL)
    assert report.failures == [] and report.fingerprint == published
    assert not report.fingerprint_checked
    report = _fingerprint_check(POSTAL, published)
    assert report.failures == [] and report.fingerprint_checked


def test_a_published_fingerprint_the_record_does_not_give_is_named():
    published = _json(CONFORMANCE / "vectors" / "postal-counts.json")["fingerprint"]
    other = "0" * 64
    report = _fingerprint_check(POSTAL, other)
    assert report.fingerprint_checked
    assert _failures(report) == [("2.4", "fingerprint", FP, f"the record's keys and rules give "
                                  f"{published}, not the published {other}")]


def test_a_fingerprint_file_that_is_not_an_object_stops_the_check(tmp_path):
    record = _copy(POSTAL, tmp_path)
    (record / FP).write_text(layout.file_text(["no"]), encoding="utf-8")
    context = _check_context(POSTAL, Report(), None)
    with pytest.raises(RecordError) as caught:
        _check_fingerprint(record, Report(), context.ctx, context.election,
                           context.manifest.entities, None)
    failure = caught.value.failure
    assert (failure.section, failure.check, failure.item, failure.detail) == (
        "2.4", "file parses", FP, "not a JSON object")  # every record file, by _load_json


def test_another_fingerprint_version_or_rules_are_named(tmp_path):
    record = _with_fingerprint(tmp_path, lambda d: d.update(version="v0", rules="vmre-record/1"))
    assert _failures(_fingerprint_check(record)) == [
        ("2.4", "fingerprint version", FP, "'v0' is not vmre/fingerprint/v1"),
        ("2.4", "rules version", FP, "the record asks for rules 'vmre-record/1'; this "
                                     "verifier applies vmre-record/2")]


@pytest.mark.parametrize("key", ["election_id", "base_hash", "receipt_key", "revote_policy"])
def test_a_fingerprint_input_other_than_the_election_context_is_named(tmp_path, key):
    record = _with_fingerprint(tmp_path, lambda d: d.update({key: "last" if key == "revote_policy"
                                                             else "ab" * 32}))
    assert _failures(_fingerprint_check(record)) == [
        ("2.4", "fingerprint inputs", f"{FP}:{key}", CONTEXT_TEXT)]


@pytest.mark.parametrize("modalities", [
    None, [], {"internet": True}, {"internet": True, "postal": "JAL"},
    {"internet": True, "postal": ["JAL", 1]}, {"internet": True, "postal": ["JAL", "CDMX"]},
    {"internet": True, "postal": ["CDMX", "JAL", "JAL"]}, {"internet": False, "postal": []},
    {"internet": True, "postal": ["CDMX", "ZZZ"]}, {"postal": ["CDMX", "JAL"]},
], ids=["none", "list", "no-postal", "string", "not-strings", "unsorted", "repeated",
        "no-internet", "unknown-entity", "internet-missing"])
def test_modalities_not_in_their_one_form_are_named(tmp_path, modalities):
    record = _with_fingerprint(tmp_path, lambda d: d.update(modalities=modalities))
    assert _failures(_fingerprint_check(record)) == [
        ("2.4", "modalities", f"{FP}:modalities", MODALITIES_TEXT)]


def test_modalities_of_a_subset_of_the_manifest_entities_hold(tmp_path):
    record = _with_fingerprint(tmp_path, lambda d: d.update(
        modalities={"internet": True, "postal": ["JAL"]}))
    assert _fingerprint_check(record).failures == []


@pytest.mark.parametrize("change", ["extra", "missing"])
def test_a_fingerprint_with_other_members_is_named(tmp_path, change):
    def edit(doc):
        if change == "extra":
            doc["nota"] = "x"
        else:
            doc.pop("rules")
    record = _with_fingerprint(tmp_path, edit)
    found = _failures(_fingerprint_check(record))
    assert ("2.4", "fingerprint inputs", FP, "unexpected or missing members") in found
    assert found[-1] == ("2.4", "fingerprint inputs", FP, "unexpected or missing members")


@pytest.mark.parametrize("issuer", ["00" * 32, "zz", None, "ab" * 31])
def test_an_issuer_key_that_is_not_a_point_is_named(tmp_path, issuer):
    record = _with_fingerprint(tmp_path, lambda d: d.update(issuer_key=issuer))
    with pytest.raises(GroupError) as err:
        point_from_hex(str(issuer))
    assert _failures(_fingerprint_check(record)) == [
        ("2.4", "fingerprint inputs", f"{FP}:issuer_key", str(err.value))]


def test_a_fingerprint_without_a_canonical_form_stops_the_check(tmp_path):
    record = _with_fingerprint(tmp_path, lambda d: d.update(nota=float("nan")))
    context = _check_context(POSTAL, Report(), None)
    with pytest.raises(RecordError) as caught:
        _check_fingerprint(record, Report(), context.ctx, context.election,
                           context.manifest.entities, None)
    failure = caught.value.failure
    assert (failure.section, failure.check, failure.item) == ("2.4", "fingerprint inputs", FP)
    assert failure.detail == "Out of range float values are not JSON compliant"


# _check_layout (§1.1) and _compare (§9.1, §11.2) -----------------------------------------

def test_the_postal_record_holds_only_its_layout():
    report = Report()
    _check_layout(POSTAL, 3, report)
    assert report.failures == []


def test_files_outside_the_layout_are_named_in_order(tmp_path):
    record = _copy(POSTAL, tmp_path)
    for name in ("zz.txt", "ceremony/otro.json", "shares/custodian-4.json", "actasx/a.json",
                 "actas/nueva/cualquiera.bin", "a.json"):
        (record / name).parent.mkdir(parents=True, exist_ok=True)
        (record / name).write_text("{}\n", encoding="utf-8")
    (record / "vacia").mkdir()
    report = Report()
    _check_layout(record, 3, report)
    assert _failures(report) == [
        ("1.1", "files in the layout", name, "not a file of the record's layout")
        for name in ("a.json", "actasx/a.json", "ceremony/otro.json",
                     "shares/custodian-4.json", "zz.txt")]
    report = Report()
    _check_layout(record, 4, report)  # a fourth custodian's share belongs
    assert "shares/custodian-4.json" not in [f.item for f in report.failures]
    assert len(report.failures) == 4


def test_a_share_file_of_custodian_zero_is_outside_the_layout(tmp_path):
    record = _copy(POSTAL, tmp_path)
    (record / "shares/custodian-0.json").write_text("{}\n", encoding="utf-8")
    report = Report()
    _check_layout(record, 3, report)
    assert [f.item for f in report.failures] == ["shares/custodian-0.json"]


EXPECTED = {"contests": {"a": {"n": 1}, "b": {"n": 2}}, "election_id": "e"}


@pytest.mark.parametrize(("found", "contests", "document"), [
    (EXPECTED, [], False),
    ({**EXPECTED, "contests": {"a": {"n": 1}, "b": {"n": 3}}}, ["b"], True),
    ({**EXPECTED, "contests": {"b": {"n": 2}}}, ["a"], True),
    ({"election_id": "e"}, ["a", "b"], True),
    ({**EXPECTED, "election_id": "f"}, [], True),
    ({**EXPECTED, "contests": {**EXPECTED["contests"], "c": {}}}, [], True),
], ids=["same", "contest-differs", "contest-missing", "no-contests", "other-member",
        "extra-contest"])
def test_a_published_document_is_compared_contest_by_contest_then_whole(found, contests,
                                                                        document):
    report = Report()
    _compare(report, "9.1", "aggregate", "aggregate.json", found, EXPECTED, "differs")
    assert _failures(report) == [
        ("9.1", "aggregate", f"aggregate.json:{cid}", "differs") for cid in contests] + (
        [("9.1", "aggregate document", "aggregate.json",
          "differs from the recomputed document")] if document else [])


# _Chain._in_window (§7.5): the window opens at opens_at and closes at closes_at ------------

OPENS = dt.datetime(2024, 5, 20, 8, 0, tzinfo=dt.UTC)
CLOSES = dt.datetime(2024, 6, 2, 18, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("received_at", "inside"), [
    ("2024-05-20T08:00:00+00:00", True), ("2024-05-20T02:00:00-06:00", True),
    ("2024-06-02T17:59:59.999999+00:00", True), ("2024-06-02T18:00:00+00:00", False),
    ("2024-05-20T07:59:59.999999+00:00", False), ("2024-06-02T12:00:00-06:00", False),
    ("2024-05-20T08:00:00", False), ("ayer", False), (None, False), (7, False),
], ids=["opening", "opening-in-mexico", "last-moment", "closing", "before", "closing-in-mexico",
        "no-offset", "not-a-time", "none", "number"])
def test_a_ballot_is_received_in_the_window_from_opening_until_before_closing(received_at,
                                                                              inside):
    report = Report()
    _Chain("", (OPENS, CLOSES))._in_window(received_at, "papeleta x en 3", report)
    assert _failures(report) == ([] if inside else [(
        "7.5", "received in the voting window", "papeleta x en 3",
        f"received_at {received_at} is not in [2024-05-20T08:00:00+00:00, "
        "2024-06-02T18:00:00+00:00)")])


# progress over the board's lines -------------------------------------------------------

def test_progress_counts_the_board_lines():
    calls: list[tuple[int, int]] = []
    report = verify_record(HONEST, progress=lambda done, total: calls.append((done, total)))
    assert report.ok and calls == [(0, 4), (4, 4)]
    calls.clear()
    verify_record(HONEST, progress=lambda done, total: calls.append((done, total)), chunk=3)
    assert calls == [(0, 4), (3, 4), (4, 4)]


def test_a_board_with_bytes_that_are_not_utf8_fails_to_parse_and_does_not_crash(tmp_path):
    record = _copy(HONEST, tmp_path)
    board = record / layout.BOARD
    board.write_bytes(board.read_bytes().replace(b'"position"', b'"posici\xf3n"', 1))
    report = verify_record(record)
    [failure] = report.failures
    assert (failure.section, failure.check, failure.item) == ("7", "file parses", layout.BOARD)


def test_a_missing_fingerprint_file_is_named_in_its_section(tmp_path):
    record = _copy(POSTAL, tmp_path)
    (record / FP).unlink()
    context = _check_context(POSTAL, Report(), None)
    with pytest.raises(RecordError) as caught:
        _check_fingerprint(record, Report(), context.ctx, context.election,
                           context.manifest.entities, None)
    failure = caught.value.failure
    assert (failure.section, failure.check, failure.item, failure.detail) == (
        "2.4", "file present", FP, "missing")


def test_a_fingerprint_file_in_another_serialisation_is_named(tmp_path):
    record = _copy(POSTAL, tmp_path)
    (record / FP).write_text(json.dumps(_json(record / FP)), encoding="utf-8")
    assert _failures(_fingerprint_check(record)) == [
        ("1.2", "canonical form", FP, "bytes differ from the one serialisation")]


def test_a_jsonl_line_in_another_serialisation_is_named_by_line(tmp_path):
    record = _copy(HONEST, tmp_path)
    line = (record / layout.SPOILED).read_text("utf-8")
    compact = json.dumps(json.loads(line), sort_keys=True, separators=(",", ":")) + "\n"
    (record / layout.SPOILED).write_text(line + compact, encoding="utf-8")
    report = Report()
    assert list(_iter_lines(record, layout.SPOILED, "8", report)) == [json.loads(line)] * 2
    assert _failures(report) == [("1.2", "canonical form", f"{layout.SPOILED}:2",
                                  "bytes differ from the one serialisation")]
