"""The verifier's §5 credential list, §8 spoiled ballots and §9–§12 tally, each check called
alone on a conformance record (conformance/records), with no election built.

Each record's context, ceremony verdict, eligible credentials and board are loaded once. A test
that wants one inner check to object changes only what that check reads: the context it is
handed (the issuer key the fingerprint pins), the board it is handed (built directly, so the
closing statement's signature, checked in §7, is not in the way), the ceremony verdict (a
custodian's verification key) or a copy of the record's files. Each test asserts the exact
failures, (section, check, item, detail), and what the check hands on or reports.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from record_checks import copy_record as _copy
from record_checks import failures_of as _failures

from vmre.crypto import credentials as creds
from vmre.crypto.group import base_mul, point_from_hex, random_scalar
from vmre.record import layout
from vmre.record.verifier import (
    CHUNK,
    RecordError,
    Report,
    _Board,
    _check_board,
    _check_ceremony,
    _check_context,
    _check_credentials,
    _check_spoiled_ballots,
    _check_tally,
    _Context,
)
from vmre.voting import tally
from vmre.voting.credential_list import sign_credential_list

RECORDS = Path(__file__).resolve().parents[2] / "conformance" / "records"
HONEST = RECORDS / "single-all-present"  # 3 custodians, threshold 2, one spoiled ballot
ABSENT = RECORDS / "single-absent-custodian"  # 4 custodians, custodian 2 absent
POSTAL = RECORDS / "postal-counts"  # actas, SHA256SUMS, custodian 1 absent
COALITION = RECORDS / "coalition-out-of-order"


@dataclasses.dataclass(frozen=True)
class Loaded:
    context: _Context
    verdict: dict
    eligible: dict[str, str]
    board: _Board


@functools.cache
def _loaded(record: Path) -> Loaded:
    """The record's sections up to §7 as `_verify` runs them (each must pass)."""
    report = Report()
    context = _check_context(record, report, None)
    verdict = _check_ceremony(record, report, context)
    eligible = _check_credentials(record, report, context)
    board = _check_board(record, report, context, eligible, None, None, 1, CHUNK)
    assert report.failures == []
    return Loaded(context, verdict, eligible, board)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: object) -> None:
    path.write_text(layout.file_text(data), encoding="utf-8")


def _raised(call) -> tuple[str, str, str, str]:
    with pytest.raises(RecordError) as caught:
        call()
    f = caught.value.failure
    return f.section, f.check, f.item, f.detail


# §5 the credential list ------------------------------------------------------------------

def _listed(record: Path) -> list[tuple[object, str]]:
    """The record's credentials as (point, entity)."""
    return [(point_from_hex(row["credential"]), row["entity"])
            for row in _json(record / layout.CREDENTIALS)["credentials"]]


def _with_list(tmp_path: Path, election_id: str, rows: list, secret: int | None = None
               ) -> tuple[Path, _Context]:
    """A copy of HONEST whose credential list is signed anew, and a context that pins the
    signer (so §5.3 holds unless the test says otherwise)."""
    secret = secret or random_scalar()
    record = _copy(HONEST, tmp_path)
    _write(record / layout.CREDENTIALS, sign_credential_list(election_id, secret, rows))
    context = _loaded(HONEST).context
    pinned = {**context.pinned, "issuer_key": base_mul(secret).hex()}
    return record, dataclasses.replace(context, pinned=pinned)


def _credentials(record: Path, context: _Context) -> tuple[dict[str, str], Report]:
    report = Report()
    return _check_credentials(record, report, context), report


def test_an_honest_credential_list_gives_every_credential_with_its_entity():
    eligible, report = _credentials(HONEST, _loaded(HONEST).context)
    assert eligible == {p.hex(): e for p, e in _listed(HONEST)}
    assert sorted(eligible.values()) == ["CDMX", "CDMX", "JAL", "JAL"]
    assert report.failures == []
    assert report.checks == ["§5 credential list (4 voters)"]


def test_a_list_for_another_election_is_named_with_its_election_and_still_read(tmp_path):
    rows = _listed(HONEST)
    record, context = _with_list(tmp_path, "otra-eleccion", rows)
    eligible, report = _credentials(record, context)
    assert _failures(report) == [("5.1", "credential list election", layout.CREDENTIALS,
                                  "otra-eleccion")]
    assert eligible == {p.hex(): e for p, e in rows}
    assert report.checks == ["§5 credential list (4 voters)"]


def test_a_list_signed_by_a_key_the_fingerprint_does_not_pin_is_named(tmp_path):
    rows = _listed(HONEST)
    record, _pinning = _with_list(tmp_path, "conformidad-2024", rows)
    eligible, report = _credentials(record, _loaded(HONEST).context)
    assert _failures(report) == [
        ("5.3", "credential authority", layout.CREDENTIALS,
         "the list is not signed by the issuer key the fingerprint pins")]
    assert eligible == {p.hex(): e for p, e in rows}


def test_the_issuer_vector_is_named_by_the_credential_check_alone():
    record = RECORDS / "issuer-key-replaced"
    eligible, report = _credentials(record, _loaded(HONEST).context)
    assert _failures(report) == [
        ("5.3", "credential authority", layout.CREDENTIALS,
         "the list is not signed by the issuer key the fingerprint pins")]
    assert len(eligible) == 5


def test_entities_with_no_contest_are_named_once_each_and_sorted(tmp_path):
    rows = _listed(HONEST)
    election_id = "conformidad-2024"
    extra = [(creds.generate(election_id).public, e) for e in ("ZAC", "AGS", "ZAC")]
    record, context = _with_list(tmp_path, election_id, rows + extra)
    eligible, report = _credentials(record, context)
    assert _failures(report) == [
        ("5.4", "credential entity", layout.CREDENTIALS,
         "entities with no contest in the manifest: AGS, ZAC")]
    assert len(eligible) == 7
    assert report.checks == ["§5 credential list (7 voters)"]


def test_a_list_of_known_entities_only_raises_no_entity_failure(tmp_path):
    rows = [r for r in _listed(HONEST) if r[1] == "JAL"]
    record, context = _with_list(tmp_path, "conformidad-2024", rows)
    eligible, report = _credentials(record, context)
    assert report.failures == []
    assert set(eligible.values()) == {"JAL"}


def test_a_list_whose_signature_fails_is_refused_and_gives_no_voter(tmp_path):
    record = _copy(HONEST, tmp_path)
    listing = _json(record / layout.CREDENTIALS)
    listing["credentials"] = listing["credentials"][:-1]
    _write(record / layout.CREDENTIALS, listing)
    eligible, report = _credentials(record, _loaded(HONEST).context)
    assert _failures(report) == [
        ("5.2", "credential list signature", layout.CREDENTIALS,
         "La firma de la lista de credenciales no es válida. / "
         "The signature of the credential list is not valid.")]
    assert eligible == {}
    assert report.checks == ["§5 credential list (0 voters)"]


def test_a_list_that_is_not_an_object_stops_the_check_in_its_section(tmp_path):
    record = _copy(HONEST, tmp_path)
    _write(record / layout.CREDENTIALS, ["no", "es", "una", "lista"])
    assert _raised(lambda: _credentials(record, _loaded(HONEST).context)) == (
        "5", "file parses", layout.CREDENTIALS, "not a JSON object")


def test_a_missing_credential_list_stops_the_check_in_its_section(tmp_path):
    record = _copy(HONEST, tmp_path)
    (record / layout.CREDENTIALS).unlink()
    assert _raised(lambda: _credentials(record, _loaded(HONEST).context)) == (
        "5", "file present", layout.CREDENTIALS, "missing")


def test_a_credential_list_that_does_not_parse_stops_the_check(tmp_path):
    record = _copy(HONEST, tmp_path)
    (record / layout.CREDENTIALS).write_text("{", encoding="utf-8")
    assert _raised(lambda: _credentials(record, _loaded(HONEST).context))[:3] == (
        "5", "file parses", layout.CREDENTIALS)


def test_a_credential_list_in_another_serialisation_is_named_and_still_read(tmp_path):
    record = _copy(HONEST, tmp_path)
    listing = _json(record / layout.CREDENTIALS)
    (record / layout.CREDENTIALS).write_text(json.dumps(listing), encoding="utf-8")
    eligible, report = _credentials(record, _loaded(HONEST).context)
    assert _failures(report) == [("1.2", "canonical form", layout.CREDENTIALS,
                                  "bytes differ from the one serialisation")]
    assert eligible == _loaded(HONEST).eligible


# §8 spoiled ballots ------------------------------------------------------------------------

def _spoiled_lines(record: Path) -> list[dict]:
    return [json.loads(x) for x in (record / layout.SPOILED).read_text("utf-8").splitlines()]


def _write_spoiled(record: Path, entries: list[dict]) -> None:
    (record / layout.SPOILED).write_text("".join(layout.line_text(e) for e in entries),
                                         encoding="utf-8")


def _committing(record: Path, board: _Board) -> _Board:
    """The board with a closing statement that commits to the record's spoiled.jsonl as it is
    now (its signature is §7's business, not §8's)."""
    data = (record / layout.SPOILED).read_bytes()
    count = len(data.splitlines())
    closing = {**board.closing,
               "spoiled": {"count": count, "sha256": hashlib.sha256(data).hexdigest()}}
    return dataclasses.replace(board, closing=closing)


def _spoil_check(record: Path, *, eligible: dict[str, str] | None = None,
                 board: _Board | None = None, base: Path = HONEST, scheduler: str | None = None,
                 workers: int | None = 1, chunk: int = CHUNK) -> Report:
    loaded = _loaded(base)
    report = Report()
    _check_spoiled_ballots(record, report, loaded.context,
                           loaded.eligible if eligible is None else eligible,
                           board or _committing(record, loaded.board), scheduler, workers, chunk)
    return report


def _label(entry: dict, line: int) -> str:
    return f"spoiled ballot {entry['tracking_code']} (line {line})"


SPOILED_CHECK = "§8 spoiled ballots ({} re-checked, as the closing statement commits)"


def test_an_honest_spoiled_ballot_is_rechecked_and_counted_in_the_report():
    loaded = _loaded(HONEST)
    report = _spoil_check(HONEST, board=loaded.board)  # the record's own closing statement
    assert report.failures == []
    assert report.spoiled == 1
    assert report.checks == [SPOILED_CHECK.format(1)]


def test_an_empty_spoiled_list_is_committed_as_empty():
    report = _spoil_check(ABSENT, base=ABSENT, board=_loaded(ABSENT).board)
    assert report.failures == []
    assert report.spoiled == 0
    assert report.checks == [SPOILED_CHECK.format(0)]


def test_a_spoiled_ballot_also_on_the_board_is_named():
    entry = _spoiled_lines(HONEST)[0]
    board = _loaded(HONEST).board
    counted = dataclasses.replace(board, tracking={**board.tracking, entry["tracking_code"]: 5})
    report = _spoil_check(HONEST, board=counted)
    assert _failures(report) == [("8.2", "spoiled never counted", _label(entry, 1),
                                  "also on the board")]
    assert report.spoiled == 1


def test_a_spoiled_ballot_of_a_credential_not_on_the_list_is_not_eligible():
    entry = _spoiled_lines(HONEST)[0]
    others = {k: v for k, v in _loaded(HONEST).eligible.items()
              if k != entry["ballot"]["credential"]}
    report = _spoil_check(HONEST, eligible=others)
    assert _failures(report) == [("8.1", "spoiled ballot re-check", _label(entry, 1),
                                  "not_eligible {}")]


def test_a_spoiled_ballot_is_checked_against_its_credentials_entity():
    """The entity handed on is the list's: under the other entity the contests differ."""
    entry = _spoiled_lines(HONEST)[0]
    credential = entry["ballot"]["credential"]
    wrong = "CDMX" if _loaded(HONEST).eligible[credential] == "JAL" else "JAL"
    report = _spoil_check(HONEST, eligible={**_loaded(HONEST).eligible, credential: wrong})
    assert _failures(report) == [("8.1", "spoiled ballot re-check", _label(entry, 1),
                                  "wrong_contests {}")]


@pytest.mark.parametrize("ballot", ["no es un objeto", {"credential": ["no", "es", "texto"]},
                                    {"credential": 7}, {}],
                         ids=["not-an-object", "credential-a-list", "credential-a-number",
                              "no-credential"])
def test_a_spoiled_entry_without_a_credential_string_is_not_eligible(tmp_path, ballot):
    record = _copy(HONEST, tmp_path)
    entry = {**_spoiled_lines(HONEST)[0], "ballot": ballot}
    _write_spoiled(record, [entry])
    report = _spoil_check(record)
    assert _failures(report) == [("8.1", "spoiled ballot re-check", _label(entry, 1),
                                  "not_eligible {}")]


def test_each_spoiled_line_is_labelled_by_its_tracking_code_and_line(tmp_path):
    record = _copy(HONEST, tmp_path)
    entry = _spoiled_lines(HONEST)[0]
    changed = {**entry, "tracking_code": "0" * 64}
    _write_spoiled(record, [entry, changed, entry])
    board = _loaded(HONEST).board
    on_board = dataclasses.replace(_committing(record, board),
                                   tracking={**board.tracking, "0" * 64: 2})
    report = _spoil_check(record, board=on_board)
    assert _failures(report) == [
        ("8.2", "spoiled never counted", _label(changed, 2), "also on the board"),
        ("8.1", "spoiled ballot re-check", _label(changed, 2),
         "reveal_mismatch {'reason': 'tracking code'}")]
    assert report.spoiled == 3
    assert report.checks == [SPOILED_CHECK.format(3)]


def test_a_spoiled_entry_without_its_tracking_code_is_labelled_none(tmp_path):
    """Nor is it "also on the board", even beside a board entry without one: only a code
    (a string) is looked up there."""
    record = _copy(HONEST, tmp_path)
    entry = {k: v for k, v in _spoiled_lines(HONEST)[0].items() if k != "tracking_code"}
    _write_spoiled(record, [entry])
    board = _loaded(HONEST).board
    report = _spoil_check(record, board=dataclasses.replace(
        _committing(record, board), tracking={**board.tracking, None: 9}))
    label = "spoiled ballot None (line 1)"
    assert _failures(report) == [
        ("8.1", "spoiled ballot fields", label, "KeyError('tracking_code')")]


NO_DISCLOSURE = "bad_disclosure {'reason': 'fields'}"  # an entry whose disclosure is {}


def test_spoiled_ballots_go_to_the_workers_a_chunk_at_a_time(tmp_path, monkeypatch):
    """The scheduler and workers are handed on; the real map_chunks runs every chunk here."""
    from vmre.record import verifier

    seen: list = []
    real = verifier.map_chunks

    def recording(fn, chunks, scheduler=None, progress=None, workers=None):
        chunks = list(chunks)
        seen.append((fn.__name__, [len(c[2]) for c in chunks], scheduler, workers))
        for manifest_text, election_text, _batch in chunks:
            assert (manifest_text, election_text) == (
                _loaded(HONEST).context.manifest_text, _loaded(HONEST).context.election_text)
        return real(fn, chunks, None, progress, 1)

    monkeypatch.setattr(verifier, "map_chunks", recording)
    record = _copy(HONEST, tmp_path)
    entry = _spoiled_lines(HONEST)[0]
    broken = {**entry, "disclosure": {}}
    _write_spoiled(record, [entry, entry, broken, entry, entry])
    report = _spoil_check(record, scheduler="tcp://dask:8786", workers=3, chunk=2)
    assert seen == [("check_spoiled", [2, 2, 1], "tcp://dask:8786", 3)]
    assert _failures(report) == [("8.1", "spoiled ballot re-check", _label(broken, 3),
                                  NO_DISCLOSURE)]
    assert report.spoiled == 5


def test_spoiled_ballots_in_several_chunks_are_all_rechecked_in_order(tmp_path):
    record = _copy(HONEST, tmp_path)
    entry = _spoiled_lines(HONEST)[0]
    broken = {**entry, "disclosure": {}}
    _write_spoiled(record, [broken, entry, broken])
    report = _spoil_check(record, chunk=1, workers=1)
    assert _failures(report) == [
        ("8.1", "spoiled ballot re-check", _label(broken, 1), NO_DISCLOSURE),
        ("8.1", "spoiled ballot re-check", _label(broken, 3), NO_DISCLOSURE)]
    assert report.spoiled == 3


def test_a_spoiled_line_in_another_serialisation_is_named(tmp_path):
    record = _copy(HONEST, tmp_path)
    entry = _spoiled_lines(HONEST)[0]
    (record / layout.SPOILED).write_text(json.dumps(entry, separators=(",", ":")) + "\n",
                                         encoding="utf-8")
    report = _spoil_check(record)
    assert _failures(report) == [("1.2", "canonical form", f"{layout.SPOILED}:1",
                                  "bytes differ from the one serialisation")]
    assert report.spoiled == 1


def test_a_spoiled_list_other_than_the_committed_one_is_named(tmp_path):
    record = _copy(HONEST, tmp_path)
    entry = _spoiled_lines(HONEST)[0]
    _write_spoiled(record, [entry, entry])
    digest = hashlib.sha256((record / layout.SPOILED).read_bytes()).hexdigest()
    report = _spoil_check(record, board=_loaded(HONEST).board)
    committed = _loaded(HONEST).board.closing["spoiled"]
    assert _failures(report) == [
        ("8.3", "spoiled list committed", layout.SPOILED,
         f"2 audited ballots with SHA-256 {digest}; the closing statement commits to "
         f"{committed}")]
    assert report.spoiled == 2


def test_the_spoiled_deleted_vector_is_named_by_the_commitment_alone():
    record = RECORDS / "spoiled-deleted"
    report = _spoil_check(record, board=_loaded(HONEST).board)
    empty = hashlib.sha256(b"").hexdigest()
    assert _failures(report) == [
        ("8.3", "spoiled list committed", layout.SPOILED,
         f"0 audited ballots with SHA-256 {empty}; the closing statement commits to "
         f"{_loaded(HONEST).board.closing['spoiled']}")]
    assert report.checks == [SPOILED_CHECK.format(0)]


def test_a_missing_spoiled_list_stops_the_check_in_its_section(tmp_path):
    record = _copy(HONEST, tmp_path)
    (record / layout.SPOILED).unlink()
    assert _raised(lambda: _spoil_check(record, board=_loaded(HONEST).board)) == (
        "8", "file present", layout.SPOILED, "missing")


def test_a_spoiled_line_that_does_not_parse_stops_the_check_in_its_section(tmp_path):
    record = _copy(HONEST, tmp_path)
    (record / layout.SPOILED).write_text("{\n", encoding="utf-8")
    assert _raised(lambda: _spoil_check(record, board=_loaded(HONEST).board))[:3] == (
        "8", "line parses", f"{layout.SPOILED}:1")


# §9 aggregate, §10 decryption shares, §11 results, §12 what was added after ------------------

def _tally_check(record: Path, *, base: Path | None = None, verdict: dict | None = None,
                 board: _Board | None = None) -> Report:
    loaded = _loaded(base or record)
    report = Report()
    _check_tally(record, report, loaded.context, loaded.verdict if verdict is None else verdict,
                 board or loaded.board)
    return report


def _tally_checks(valid: str, counts: str = "internet only") -> list[str]:
    return ["§9 homomorphic aggregate", f"§10 decryption shares ({valid} valid)",
            "§11 results equal the decrypted tally",
            f"§12.7 counts announced by the fingerprint: {counts}"]


def _with_key(verdict: dict, custodian: int, key: object) -> dict:
    return {**verdict, "verification_keys": {**verdict["verification_keys"],
                                             str(custodian): key}}


def _share(record: Path, custodian: int) -> Path:
    return record / layout.share_file(custodian)


# The published results name custodians 1 and 2; with one of them refused, others are used.
OTHER_CUSTODIANS = ("11.2", "results document", layout.RESULTS,
                    "differs from the recomputed document")


def _contest_ids() -> list[str]:
    """The contests in the manifest's order, the order of the recomputed documents."""
    return [c.id for c in _loaded(HONEST).context.manifest.contests]


ACTAS = "§12 actas: electronic table, counting tables, entity counts"


HONEST_TALLIES = [
    (HONEST, _tally_checks("[1, 2, 3]")),
    (ABSENT, _tally_checks("[1, 3, 4]")),  # custodian 2's share is absent; 3 and 4 still read
    (COALITION, _tally_checks("[1, 2, 3]")),
    (RECORDS / "last-revote", _tally_checks("[1, 2, 3]")),
    (POSTAL, [*_tally_checks("[2, 3]", "CDMX, JAL with postal tables"), ACTAS]),
]


@pytest.mark.parametrize(("record", "checks"), HONEST_TALLIES,
                         ids=[record.name for record, _checks in HONEST_TALLIES])
def test_an_honest_tally_gives_the_published_results(record, checks):
    report = _tally_check(record)
    assert report.failures == []
    assert report.results == _json(record / layout.RESULTS)
    assert report.checks == checks


def test_the_aggregate_is_the_merge_of_every_chunks_sums():
    """Two chunks, each with some contests: merged, they are the published aggregate."""
    (whole,) = _loaded(HONEST).board.sums
    first = dict(list(whole.items())[:1])
    rest = dict(list(whole.items())[1:])
    board = dataclasses.replace(_loaded(HONEST).board, sums=[first, rest])
    report = _tally_check(HONEST, board=board)
    assert report.failures == []
    assert report.results == _json(HONEST / layout.RESULTS)


def test_a_published_aggregate_other_than_the_ballots_sum_is_named_and_the_count_goes_on():
    record = RECORDS / "aggregate-changed"
    report = _tally_check(record, base=HONEST)
    assert _failures(report) == [
        ("9.1", "aggregate", f"{layout.AGGREGATE}:gob-jal",
         "differs from the sum of the counted ballots"),
        ("9.1", "aggregate document", layout.AGGREGATE, "differs from the recomputed document")]
    # The shares are checked against the verifier's own aggregate, which they decrypt.
    assert report.results == _json(HONEST / layout.RESULTS)
    assert report.checks == _tally_checks("[1, 2, 3]")


def test_shares_are_checked_against_the_counted_ballots_not_the_published_aggregate():
    """A board whose counted ballots are not those the shares decrypt: every share fails,
    and there are no results."""
    board = dataclasses.replace(_loaded(HONEST).board, sums=[])
    report = _tally_check(HONEST, board=board)
    contests = _contest_ids()
    assert _failures(report) == [
        *[("9.1", "aggregate", f"{layout.AGGREGATE}:{cid}",
           "differs from the sum of the counted ballots") for cid in contests],
        ("9.1", "aggregate document", layout.AGGREGATE, "differs from the recomputed document"),
        *[("10.2", "decryption share proof", f"custodian {j}", f"{contests[0]}[0]")
          for j in (1, 2, 3)],
        ("11.1", "enough shares", layout.RESULTS, "0 valid shares, 2 needed")]
    assert report.results == {}
    assert report.checks == ["§9 homomorphic aggregate", "§10 decryption shares ([] valid)"]


def test_a_missing_share_leaves_the_threshold_of_the_others(tmp_path):
    record = _copy(HONEST, tmp_path)
    _share(record, 3).unlink()
    report = _tally_check(record, base=HONEST)
    assert report.failures == []
    assert report.results == _json(HONEST / layout.RESULTS)
    assert report.checks == _tally_checks("[1, 2]")


def test_results_naming_other_custodians_than_those_used_are_named(tmp_path):
    record = _copy(HONEST, tmp_path)
    _share(record, 1).unlink()
    report = _tally_check(record, base=HONEST)
    assert _failures(report) == [OTHER_CUSTODIANS]
    assert report.results == {**_json(HONEST / layout.RESULTS), "custodians_used": [2, 3]}
    assert report.checks == _tally_checks("[2, 3]")


def test_only_the_shares_of_custodians_1_to_n_are_read(tmp_path):
    """Files for custodian 0 or n + 1 are outside the layout (§1.1 names them); the tally
    reads neither."""
    record = _copy(HONEST, tmp_path)
    for j in (0, 4):
        shutil.copy(_share(record, 1), _share(record, j))
    report = _tally_check(record, base=HONEST)
    assert report.failures == []
    assert report.checks == _tally_checks("[1, 2, 3]")


def test_results_are_combined_from_the_first_threshold_of_valid_shares():
    """Custodians 1 and 2 of three: the published results name them."""
    report = _tally_check(HONEST)
    assert report.results["custodians_used"] == [1, 2]


def test_too_few_valid_shares_stop_the_count_before_results(tmp_path):
    record = _copy(HONEST, tmp_path)
    _share(record, 1).unlink()
    _share(record, 3).unlink()
    report = _tally_check(record, base=HONEST)
    assert _failures(report) == [("11.1", "enough shares", layout.RESULTS,
                                  "1 valid shares, 2 needed")]
    assert report.results == {}
    assert report.checks == ["§9 homomorphic aggregate", "§10 decryption shares ([2] valid)"]


@pytest.mark.parametrize("key", [None, "zz", "00" * 32],
                         ids=["missing", "not-hex", "identity"])
def test_a_custodian_without_a_verification_key_is_named_and_the_others_still_read(key):
    verdict = _loaded(HONEST).verdict
    if key is None:
        keys = {k: v for k, v in verdict["verification_keys"].items() if k != "2"}
        verdict = {**verdict, "verification_keys": keys}
    else:
        verdict = _with_key(verdict, 2, key)
    report = _tally_check(HONEST, verdict=verdict)
    assert _failures(report) == [("10.1", "verification key", "custodian 2", ""),
                                 OTHER_CUSTODIANS]
    assert report.results == {**_json(HONEST / layout.RESULTS), "custodians_used": [1, 3]}
    assert report.checks == _tally_checks("[1, 3]")


def test_a_share_proof_that_fails_is_named_where_it_fails():
    report = _tally_check(RECORDS / "share-proof", base=HONEST)
    assert _failures(report) == [("10.2", "decryption share proof", "custodian 3",
                                  "gob-jal[0]")]
    assert report.results == _json(HONEST / layout.RESULTS)
    assert report.checks == _tally_checks("[1, 2]")


def test_a_share_checked_under_another_custodians_key_fails():
    verdict = _loaded(HONEST).verdict
    swapped = _with_key(verdict, 1, verdict["verification_keys"]["2"])
    report = _tally_check(HONEST, verdict=swapped)
    assert _failures(report) == [("10.2", "decryption share proof", "custodian 1",
                                  f"{_contest_ids()[0]}[0]"), OTHER_CUSTODIANS]
    assert report.checks == _tally_checks("[2, 3]")


@pytest.mark.parametrize(("field", "value"), [("custodian", 2), ("custodian", "3"),
                                              ("custodian", None),
                                              ("election_id", "otra-eleccion"),
                                              ("election_id", None)])
def test_a_share_naming_another_custodian_or_election_is_not_valid(tmp_path, field, value):
    """The proofs do not cover these fields; the check of each does."""
    record = _copy(HONEST, tmp_path)
    share = _json(_share(record, 3))
    if value is None:
        del share[field]
    else:
        share[field] = value
    _write(_share(record, 3), share)
    report = _tally_check(record, base=HONEST)
    assert _failures(report) == [("10.2", "decryption share proof", "custodian 3", "")]
    assert report.checks == _tally_checks("[1, 2]")


def test_a_share_without_a_contest_is_named_with_the_error(tmp_path):
    record = _copy(HONEST, tmp_path)
    share = _json(_share(record, 3))
    del share["contests"]["gob-jal"]
    _write(_share(record, 3), share)
    report = _tally_check(record, base=HONEST)
    assert _failures(report) == [("10.2", "decryption share proof", "custodian 3", "KeyError")]


def test_valid_proofs_under_keys_that_do_not_share_the_secret_give_no_counts(tmp_path):
    """A share proved under a verification key of the attacker's own: its proofs hold, but
    combined with an honest share it decrypts to no count within the ballots."""
    record = _copy(HONEST, tmp_path)
    loaded = _loaded(HONEST)
    secret = random_scalar()
    key = base_mul(secret)
    _write(_share(record, 1), tally.decrypt_share(
        loaded.context.ctx, _json(HONEST / layout.AGGREGATE), 1, secret, key))
    report = _tally_check(record, base=HONEST, verdict=_with_key(loaded.verdict, 1, key.hex()))
    assert _failures(report) == [("11.2", "counts recoverable", layout.RESULTS,
                                  "no discrete log within bound")]
    assert report.results == {}
    assert report.checks == ["§9 homomorphic aggregate", "§10 decryption shares ([1, 2, 3] valid)"]


def test_published_results_other_than_the_decrypted_tally_are_named():
    report = _tally_check(RECORDS / "results-changed", base=HONEST)
    assert _failures(report) == [
        ("11.2", "results", f"{layout.RESULTS}:gob-jal", "differ from the decrypted aggregate"),
        ("11.2", "results document", layout.RESULTS, "differs from the recomputed document")]
    assert report.results == _json(HONEST / layout.RESULTS)
    assert report.checks == _tally_checks("[1, 2, 3]")


@pytest.mark.parametrize("name", [layout.AGGREGATE, layout.share_file(2), layout.RESULTS])
def test_a_tally_file_in_another_serialisation_is_named(tmp_path, name):
    record = _copy(HONEST, tmp_path)
    (record / name).write_text(json.dumps(_json(record / name)), encoding="utf-8")
    report = _tally_check(record, base=HONEST)
    assert _failures(report) == [("1.2", "canonical form", name,
                                  "bytes differ from the one serialisation")]
    assert report.checks == _tally_checks("[1, 2, 3]")


@pytest.mark.parametrize(("name", "section"), [(layout.AGGREGATE, "9"),
                                               (layout.share_file(2), "10"),
                                               (layout.RESULTS, "11")])
def test_a_tally_file_that_does_not_parse_stops_the_check_in_its_section(tmp_path, name,
                                                                         section):
    record = _copy(HONEST, tmp_path)
    (record / name).write_text("[", encoding="utf-8")
    assert _raised(lambda: _tally_check(record, base=HONEST))[:3] == (
        section, "file parses", name)


@pytest.mark.parametrize(("name", "section"), [(layout.AGGREGATE, "9"),
                                               (layout.RESULTS, "11")])
def test_a_missing_aggregate_or_results_stops_the_check_in_its_section(tmp_path, name,
                                                                       section):
    record = _copy(HONEST, tmp_path)
    (record / name).unlink()
    assert _raised(lambda: _tally_check(record, base=HONEST)) == (
        section, "file present", name, "missing")


def test_results_are_read_even_when_too_few_shares_count(tmp_path):
    record = _copy(HONEST, tmp_path)
    for j in (1, 2, 3):
        _share(record, j).unlink()
    (record / layout.RESULTS).unlink()
    assert _raised(lambda: _tally_check(record, base=HONEST)) == (
        "11", "file present", layout.RESULTS, "missing")


def test_counts_the_fingerprint_announces_are_required_after_the_results():
    report = _tally_check(RECORDS / "actas-deleted", base=POSTAL)
    announced = "missing: the fingerprint announces postal counting tables for CDMX, JAL"
    assert _failures(report) == [
        ("12.7", "expected counts", layout.SUMS, announced),
        ("12.7", "expected counts", layout.ELECTRONIC_ACTA, announced),
        ("12.7", "expected counts", layout.entity_count_file("CDMX"), announced),
        ("12.7", "expected counts", layout.entity_count_file("JAL"), announced)]
    assert report.checks == _tally_checks("[2, 3]", "CDMX, JAL with postal tables")


def test_the_actas_are_checked_against_the_recomputed_results():
    report = _tally_check(RECORDS / "entity-count-changed", base=POSTAL)
    assert _failures(report) == [
        ("12.5", "entity count", layout.entity_count_file("JAL"),
         "differs from its tables and the electronic table: contests")]
    assert report.checks == [*_tally_checks("[2, 3]", "CDMX, JAL with postal tables"), ACTAS]


def test_a_file_changed_after_the_tally_is_named_by_its_digest(tmp_path):
    record = _copy(POSTAL, tmp_path)
    acta = record / layout.ELECTRONIC_ACTA
    acta.write_bytes(acta.read_bytes() + b" ")
    report = _tally_check(record, base=POSTAL)
    assert _failures(report) == [
        ("12.1", "file digest", layout.ELECTRONIC_ACTA, "missing or changed"),
        ("12.2", "digest list", layout.SUMS,
         "does not list every file under actas/ with its SHA-256, sorted, one per line"),
        ("1.2", "canonical form", layout.ELECTRONIC_ACTA,
         "bytes differ from the one serialisation")]
    assert report.checks == [*_tally_checks("[2, 3]", "CDMX, JAL with postal tables"), ACTAS]
