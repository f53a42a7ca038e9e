"""The verifier's first sections, §2 (`_check_context`) and §4 (`_check_ceremony`), called
alone, and the entry points `_verify` and `verify_record` for what they add to the sections.

No election is built: §2 reads the conformance records (conformance/records), copied where a
test changes them; §4 reads the records' transcripts or a transcript made here with real
announcements and proofs of knowledge for the parameters a test needs, its stated verdict
recomputed and election.json re-hashed over it, so that only the check a test names can
object. Part of the fast selection of `make mutants` (docs/testing.md §2).
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import pytest
from record_checks import copy_record as _copy
from record_checks import failures_of as _failures

from vmre.crypto import dkg
from vmre.crypto.group import base_mul, point_from_hex, random_scalar, scalar_bytes
from vmre.record import layout
from vmre.record.verifier import (
    CHUNK,
    Failure,
    RecordError,
    Report,
    _check_ceremony,
    _check_context,
    _Context,
    _verify,
    verify_record,
)
from vmre.voting.ceremony import judge_transcript
from vmre.voting.context import ElectionContext, manifest_hash, transcript_hash
from vmre.voting.manifest import parse_manifest

CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance"
HONEST = CONFORMANCE / "records" / "single-all-present"
ABSENT = CONFORMANCE / "records" / "single-absent-custodian"
POSTAL = CONFORMANCE / "records" / "postal-counts"
OTHER_ELECTION = CONFORMANCE / "records" / "coalition-out-of-order"
HONEST_FINGERPRINT = "8e80454110bb2d0adb392cfdab71a9f59e702c7c5234bcd423af95c5aa06cbeb"
VERDICT_KEYS = ("qualified", "disqualified", "accusations", "joint_public_key",
                "verification_keys")
CONTEXT_CHECK = "§2 manifest, context, base hash and fingerprint"
CEREMONY_CHECK = "§4 opening ceremony transcript"
PARAMETERS_DIFFER = ("4.1", "ceremony parameters", layout.TRANSCRIPT, "differ from election.json")
SCHEME = "unknown address scheme 'bogus-scheme'"
NO_WORKERS = "max_workers must be greater than 0"


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(folder: Path, name: str, data: object) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(layout.file_text(data), encoding="utf-8")


def _changed(record: Path, tmp_path: Path, name: str, change) -> Path:
    """A copy of `record` whose JSON file `name` is changed in place by `change`."""
    folder = _copy(record, tmp_path)
    data = _json(folder / name)
    change(data)
    _write(folder, name, data)
    return folder


def _refusal(caught: pytest.ExceptionInfo) -> tuple[str, str, str, str]:
    failure = caught.value.failure
    return failure.section, failure.check, failure.item, failure.detail


def _manifest(record: Path = HONEST) -> tuple[str, object]:
    text = json.dumps(_json(record / layout.MANIFEST), ensure_ascii=False)
    return text, parse_manifest(text, layout.MANIFEST)


# §2 _check_context ---------------------------------------------------------------------

def test_the_context_of_an_honest_record_is_read_and_returned_whole():
    report = Report()
    context = _check_context(HONEST, report, None)
    text, manifest = _manifest()
    election = _json(HONEST / layout.ELECTION)
    assert isinstance(context, _Context)
    assert context.election == election
    assert context.manifest == manifest
    assert context.manifest_text == text and "Ibarra Peña" in text  # not \u-escaped
    assert context.ctx == ElectionContext.from_json(manifest, election)
    assert context.ctx.custodians == 3 and context.ctx.threshold == 2
    assert context.pinned == _json(HONEST / layout.FINGERPRINT)
    assert report.failures == [] and report.checks == [CONTEXT_CHECK]
    assert report.fingerprint == HONEST_FINGERPRINT and not report.fingerprint_checked


def test_the_published_fingerprint_is_compared():
    report = Report()
    _check_context(HONEST, report, HONEST_FINGERPRINT)
    assert report.failures == [] and report.fingerprint_checked
    report = Report()
    _check_context(HONEST, report, "00" * 32)
    assert report.fingerprint_checked and _failures(report) == [(
        "2.4", "fingerprint", layout.FINGERPRINT,
        f"the record's keys and rules give {HONEST_FINGERPRINT}, not the published "
        f"{'00' * 32}")]


def test_a_postal_record_passes_its_entities_to_the_fingerprint_check():
    report = Report()
    context = _check_context(POSTAL, report, None)
    assert report.failures == [] and context.pinned["modalities"]["postal"] == ["CDMX", "JAL"]


@pytest.mark.parametrize(("name", "section"), [(layout.MANIFEST, "2.1"),
                                               (layout.ELECTION, "2.2")])
def test_a_missing_manifest_or_election_file_stops_the_check(tmp_path, name, section):
    folder = _copy(HONEST, tmp_path)
    (folder / name).unlink()
    with pytest.raises(RecordError) as caught:
        _check_context(folder, Report(), None)
    assert _refusal(caught) == (section, "file present", name, "missing")


def test_the_manifest_is_read_before_the_election_file(tmp_path):
    folder = _copy(HONEST, tmp_path)
    (folder / layout.MANIFEST).unlink()
    (folder / layout.ELECTION).unlink()
    with pytest.raises(RecordError) as caught:
        _check_context(folder, Report(), None)
    assert _refusal(caught) == ("2.1", "file present", layout.MANIFEST, "missing")


@pytest.mark.parametrize("name", [layout.MANIFEST, layout.ELECTION])
def test_a_manifest_or_election_file_in_another_serialisation_is_named(tmp_path, name):
    folder = _copy(HONEST, tmp_path)
    (folder / name).write_text(json.dumps(_json(HONEST / name)), encoding="utf-8")
    report = Report()
    context = _check_context(folder, report, None)
    assert _failures(report) == [("1.2", "canonical form", name,
                                  "bytes differ from the one serialisation")]
    assert context.manifest_text == _manifest()[0]


def test_a_manifest_that_does_not_hold_is_refused_with_its_reason(tmp_path):
    folder = _changed(HONEST, tmp_path, layout.MANIFEST,
                      lambda m: m.update(election_id="Mala Id"))
    with pytest.raises(RecordError) as caught:
        _check_context(folder, Report(), None)
    assert _refusal(caught) == (
        "2.1", "manifest valid", layout.MANIFEST,
        "manifest.json, línea 1, campo election_id: el identificador «Mala Id» solo puede "
        "tener minúsculas, dígitos, - y _. / manifest.json, line 1, field election_id: the "
        "id 'Mala Id' may only hold lower-case letters, digits, - and _.")


def test_a_manifest_that_is_not_a_mapping_is_refused(tmp_path):
    folder = _copy(HONEST, tmp_path)
    _write(folder, layout.MANIFEST, ["no", "es", "un", "manifiesto"])
    with pytest.raises(RecordError) as caught:
        _check_context(folder, Report(), None)
    assert _refusal(caught) == ("2.1", "file parses", layout.MANIFEST, "not a JSON object")


def _set_or_drop(member: str, value: object):
    """A change of election.json: `member` set to `value`, or left out when `value` is None."""
    def change(election: dict) -> None:
        if value is None:
            del election[member]
        else:
            election[member] = value
    return change


@pytest.mark.parametrize(("member", "value", "expected"), [
    ("manifest_hash", "ab" * 32, ("2.2", "manifest hash", "manifest_hash does not match")),
    ("manifest_hash", None, ("2.2", "manifest hash", "manifest_hash does not match")),
    ("election_id", "otra-eleccion", ("2.2", "election id", "is not the manifest's election_id")),
    ("election_id", None, ("2.2", "election id", "is not the manifest's election_id")),
    ("base_hash", "cd" * 32, ("2.3", "base hash", "base_hash does not match its inputs")),
    ("base_hash", None, ("2.3", "base hash", "base_hash does not match its inputs")),
])
def test_an_election_member_that_does_not_follow_is_named_alone(tmp_path, member, value,
                                                               expected):
    """None: the member left out."""
    folder = _changed(HONEST, tmp_path, layout.ELECTION, _set_or_drop(member, value))
    report = Report()
    context = _check_context(folder, report, None)
    section, check, detail = expected
    assert _failures(report) == [(section, check, layout.ELECTION, detail)]
    assert report.checks == [CONTEXT_CHECK]
    assert context.election == _json(folder / layout.ELECTION)


@pytest.mark.parametrize(("member", "value", "detail"), [
    ("joint_public_key", None, "'joint_public_key'"),
    ("custodians", None, "'custodians'"),
    ("threshold", None, "'threshold'"),
    ("transcript_hash", None, "'transcript_hash'"),
    ("custodians", "tres", "invalid literal for int() with base 10: 'tres'"),
    ("threshold", "dos", "invalid literal for int() with base 10: 'dos'"),
    ("transcript_hash", "zz", "non-hexadecimal number found in fromhex() arg at position 0"),
    ("joint_public_key", "00" * 31, None),
    ("joint_public_key", "00" * 32, None),
], ids=["no-joint-key", "no-custodians", "no-threshold", "no-transcript-hash",
        "custodians-text", "threshold-text", "transcript-hash-not-hex", "joint-key-short",
        "joint-key-identity"])
def test_an_election_context_that_does_not_parse_is_refused_with_its_error(
        tmp_path, member, value, detail):
    """KeyError, ValueError and GroupError; None as detail: the group's own reason."""
    folder = _changed(HONEST, tmp_path, layout.ELECTION, _set_or_drop(member, value))
    if detail is None:
        with pytest.raises(Exception) as err:
            point_from_hex(value)
        assert type(err.value).__name__ == "GroupError"
        detail = str(err.value)
    with pytest.raises(RecordError) as caught:
        _check_context(folder, Report(), None)
    assert _refusal(caught) == ("2.2", "context parses", layout.ELECTION, detail)


def test_every_context_failure_is_named_in_order_and_the_check_still_recorded(tmp_path):
    folder = _copy(HONEST, tmp_path)
    election = _json(folder / layout.ELECTION)
    election.update(manifest_hash="ab" * 32, election_id="otra", base_hash="cd" * 32)
    (folder / layout.ELECTION).write_text(json.dumps(election), encoding="utf-8")
    (folder / layout.MANIFEST).write_text(json.dumps(_json(HONEST / layout.MANIFEST)),
                                          encoding="utf-8")
    (folder / "nota.txt").write_text("x", encoding="utf-8")
    report = Report()
    _check_context(folder, report, "00" * 32)
    canonical = "bytes differ from the one serialisation"
    assert _failures(report) == [
        ("1.2", "canonical form", layout.MANIFEST, canonical),
        ("1.2", "canonical form", layout.ELECTION, canonical),
        ("2.2", "manifest hash", layout.ELECTION, "manifest_hash does not match"),
        ("2.2", "election id", layout.ELECTION, "is not the manifest's election_id"),
        ("2.3", "base hash", layout.ELECTION, "base_hash does not match its inputs"),
        ("2.4", "fingerprint", layout.FINGERPRINT,
         f"the record's keys and rules give {HONEST_FINGERPRINT}, not the published "
         f"{'00' * 32}"),
        ("1.1", "files in the layout", "nota.txt", "not a file of the record's layout"),
    ]
    assert report.checks == [CONTEXT_CHECK]


def test_the_fingerprint_is_checked_against_the_election_file(tmp_path):
    """The fingerprint check gets election.json's receipt key and policy."""
    folder = _changed(HONEST, tmp_path, layout.FINGERPRINT,
                      lambda f: f.update(revote_policy="last"))
    report = Report()
    _check_context(folder, report, None)
    assert _failures(report) == [
        ("2.4", "fingerprint inputs", f"{layout.FINGERPRINT}:revote_policy",
         "differs from the election context (election.json, §2.3)")]


def test_the_layout_allows_a_share_file_per_custodian_of_the_election(tmp_path):
    folder = _copy(ABSENT, tmp_path)
    (folder / layout.share_file(5)).write_text("{}\n", encoding="utf-8")
    report = Report()
    _check_context(folder, report, None)
    assert _failures(report) == [("1.1", "files in the layout", layout.share_file(5),
                                  "not a file of the record's layout")]


# §4 _check_ceremony --------------------------------------------------------------------

def _announcement(ann: dkg.Announcement) -> dict:
    return {"index": ann.index, "commitments": [c.hex() for c in ann.commitments],
            "proofs": [[scalar_bytes(p.challenge).hex(), scalar_bytes(p.response).hex()]
                       for p in ann.proofs]}


def _proof_context(params: dict) -> tuple:
    return (params["election_id"], bytes.fromhex(params["manifest_hash"]), params["custodians"],
            params["threshold"])


def _transcript(n: int = 3, t: int = 2, **params: object) -> dict:
    """A ceremony of n custodians, threshold t, every dealer honest, for the honest manifest
    unless `params` says otherwise; its verdict is not stated yet (see `_stated`)."""
    manifest = _manifest()[1]
    parameters = {"election_id": manifest.election_id,
                  "manifest_hash": manifest_hash(manifest).hex(), "custodians": n,
                  "threshold": t, **params}
    proof_context = _proof_context(parameters)
    return {"parameters": parameters,
            "announcements": {str(i): _announcement(dkg.announce(
                i, dkg.random_polynomial(t), proof_context)) for i in range(1, n + 1)},
            "shares": {str(i): {} for i in range(1, n + 1)},
            "complaints": {}, "responses": {}}


def _stated(transcript: dict, n: int = 3, t: int = 2) -> dict:
    """The transcript with the verdict that follows from it, as the ceremony publishes it."""
    verdict = judge_transcript(transcript, n, t, _proof_context(transcript["parameters"]))
    return {**transcript, **json.loads(json.dumps(verdict))}


def _ceremony(tmp_path: Path, transcript: dict, n: int = 3, t: int = 2,
              joint: str | None = None) -> tuple[Path, _Context]:
    """A folder holding `transcript` and the context of an election of n custodians and
    threshold t that commits to it: its transcript hash, and the joint key the transcript
    gives (or `joint`)."""
    _write(tmp_path, layout.TRANSCRIPT, transcript)
    text, manifest = _manifest()
    verdict = judge_transcript(transcript, n, t, _proof_context(transcript["parameters"]))
    ctx = ElectionContext(manifest, point_from_hex(joint or verdict["joint_public_key"]), n, t,
                          transcript_hash(transcript))
    return tmp_path, _Context(ctx.to_json(), manifest, text, ctx, {})


def _judge(folder: Path, context: _Context) -> tuple[Report, dict]:
    report = Report()
    return report, _check_ceremony(folder, report, context)


def test_the_honest_ceremony_gives_its_stated_verdict():
    transcript = _json(HONEST / layout.TRANSCRIPT)
    report, verdict = _judge(HONEST, _check_context(HONEST, Report(), None))
    assert verdict == {key: transcript[key] for key in VERDICT_KEYS}
    assert report.failures == [] and report.checks == [CEREMONY_CHECK]


def test_an_absent_custodian_is_listed_with_the_reason_and_the_ceremony_holds():
    transcript = _json(ABSENT / layout.TRANSCRIPT)
    report, verdict = _judge(ABSENT, _check_context(ABSENT, Report(), None))
    assert verdict == {key: transcript[key] for key in VERDICT_KEYS}
    assert verdict["qualified"] == [1, 2, 3]
    assert report.failures == []
    assert report.checks == ["§4 custodian 4 disqualified: unanswered complaint by custodian 1",
                             CEREMONY_CHECK]


def test_a_made_ceremony_that_states_its_verdict_holds(tmp_path):
    folder, context = _ceremony(tmp_path, _stated(_transcript()))
    report, verdict = _judge(folder, context)
    assert report.failures == [] and report.checks == [CEREMONY_CHECK]
    assert verdict["qualified"] == [1, 2, 3] and verdict["disqualified"] == {}
    assert verdict["joint_public_key"] == context.ctx.joint_key.hex()


def test_each_disqualified_custodian_is_listed_in_order_with_its_reason(tmp_path):
    transcript = _transcript(n=4)
    transcript["announcements"]["2"]["proofs"].reverse()  # the proofs of another coefficient
    del transcript["shares"]["4"]
    folder, context = _ceremony(tmp_path, _stated(transcript, n=4), n=4)
    report, verdict = _judge(folder, context)
    assert report.failures == [] and verdict["qualified"] == [1, 3]
    assert report.checks == ["§4 custodian 2 disqualified: invalid proof of knowledge",
                             "§4 custodian 4 disqualified: dealt no shares", CEREMONY_CHECK]


def test_a_missing_transcript_stops_the_check(tmp_path):
    context = _check_context(HONEST, Report(), None)
    with pytest.raises(RecordError) as caught:
        _check_ceremony(tmp_path, Report(), context)
    assert _refusal(caught) == ("4", "file present", layout.TRANSCRIPT, "missing")


def test_a_transcript_in_another_serialisation_is_named(tmp_path):
    folder = _copy(HONEST, tmp_path)
    (folder / layout.TRANSCRIPT).write_text(json.dumps(_json(HONEST / layout.TRANSCRIPT)),
                                            encoding="utf-8")
    report, _ = _judge(folder, _check_context(HONEST, Report(), None))
    assert _failures(report) == [("1.2", "canonical form", layout.TRANSCRIPT,
                                  "bytes differ from the one serialisation")]


def _without(key: str):
    return lambda t: t.pop(key)


def _without_parameter(key: str):
    return lambda t: t["parameters"].pop(key)


@pytest.mark.parametrize(("change", "detail"), [
    (_without("parameters"), "'parameters'"),
    (_without_parameter("election_id"), "'election_id'"),
    (_without_parameter("manifest_hash"), "'manifest_hash'"),
    (_without_parameter("custodians"), "'custodians'"),
    (_without_parameter("threshold"), "'threshold'"),
    (_without("announcements"), "'announcements'"),
    (_without("complaints"), "'complaints'"),
    (lambda t: t.update(parameters=["conformidad-2024"]),
     "list indices must be integers or slices, not str"),
    (lambda t: t["parameters"].update(manifest_hash=7),
     "fromhex() argument must be str, not int"),
    (lambda t: t["parameters"].update(manifest_hash="zz"),
     "non-hexadecimal number found in fromhex() arg at position 0"),
    (lambda t: t["complaints"].update({"uno": []}),
     "invalid literal for int() with base 10: 'uno'"),
], ids=["no-parameters", "no-election-id", "no-manifest-hash", "no-custodians",
        "no-threshold", "no-announcements", "no-complaints", "parameters-a-list",
        "manifest-hash-a-number", "manifest-hash-not-hex", "complainant-not-a-number"])
def test_a_transcript_that_does_not_parse_is_refused_with_its_error(tmp_path, change, detail):
    """KeyError, TypeError and ValueError, from the parameters or from judging."""
    folder = _changed(HONEST, tmp_path, layout.TRANSCRIPT, change)
    with pytest.raises(RecordError) as caught:
        _check_ceremony(folder, Report(), _check_context(HONEST, Report(), None))
    assert _refusal(caught) == ("4.1", "transcript parses", layout.TRANSCRIPT, detail)


@pytest.mark.parametrize("params", [
    {"election_id": "otra-eleccion"},
    {"manifest_hash": "ab" * 32},
    {"custodians": 4},
    {"threshold": 1},
    {"custodians": 2, "threshold": 3},
], ids=["election-id", "manifest-hash", "custodians", "threshold", "both-counts"])
def test_ceremony_parameters_other_than_the_election_are_named_alone(tmp_path, params):
    """Three custodians of threshold two deal, with proofs bound to the transcript's own
    parameters: the verdict holds, only the parameters differ from election.json."""
    folder, context = _ceremony(tmp_path, _stated(_transcript(**params)))
    report, verdict = _judge(folder, context)
    assert _failures(report) == [PARAMETERS_DIFFER]
    assert verdict["qualified"] == [1, 2, 3] and report.checks == [CEREMONY_CHECK]


@pytest.mark.parametrize("key", VERDICT_KEYS)
def test_each_stated_verdict_member_that_does_not_follow_is_named_alone(tmp_path, key):
    transcript = _stated(_transcript())
    wrong = {"qualified": [1, 2], "disqualified": {"3": "no announcement"},
             "accusations": [{"custodian": 2, "dealer": 1, "outcome": "answered"}],
             "joint_public_key": base_mul(random_scalar()).hex(),
             "verification_keys": {**transcript["verification_keys"],
                                   "3": transcript["verification_keys"]["1"]}}
    for stated in (wrong[key], None):
        changed = {**transcript, key: stated}
        if stated is None:
            del changed[key]
        folder, context = _ceremony(tmp_path, changed)
        report, verdict = _judge(folder, context)
        assert _failures(report) == [(
            "4.3", "ceremony verdict", f"{layout.TRANSCRIPT}:{key}",
            "does not follow from the published announcements, shares and complaints")]
        assert verdict[key] == transcript[key]


@pytest.mark.parametrize("stated", ["ab" * 32, None])
def test_a_transcript_the_election_does_not_commit_to_is_named(tmp_path, stated):
    folder, context = _ceremony(tmp_path, _stated(_transcript()))
    election = {**context.election, "transcript_hash": stated}
    if stated is None:
        del election["transcript_hash"]
    report, _ = _judge(folder, dataclasses.replace(context, election=election))
    assert _failures(report) == [(
        "4.2", "transcript hash", layout.TRANSCRIPT,
        "the transcript is not the one the election's base hash commits to")]


def test_an_election_joint_key_other_than_the_ceremony_s_is_named(tmp_path):
    folder, context = _ceremony(tmp_path, _stated(_transcript()),
                                joint=base_mul(random_scalar()).hex())
    report, _ = _judge(folder, context)
    assert _failures(report) == [("4.4", "joint key", layout.ELECTION,
                                  "differs from the ceremony's joint key")]


def test_every_ceremony_failure_is_named_in_order(tmp_path):
    transcript = _stated(_transcript(n=4, custodians=5), n=4)
    del transcript["shares"]["4"]
    transcript["qualified"] = [1, 2, 3]  # stated after the shares went: the rest is not
    folder, context = _ceremony(tmp_path, transcript, n=4, joint=base_mul(3).hex())
    election = {**context.election, "transcript_hash": "ab" * 32}
    report, _ = _judge(folder, dataclasses.replace(context, election=election))
    detail = "does not follow from the published announcements, shares and complaints"
    assert _failures(report) == [PARAMETERS_DIFFER] + [
        ("4.3", "ceremony verdict", f"{layout.TRANSCRIPT}:{key}", detail)
        for key in ("disqualified", "joint_public_key", "verification_keys")] + [
        ("4.2", "transcript hash", layout.TRANSCRIPT,
         "the transcript is not the one the election's base hash commits to"),
        ("4.4", "joint key", layout.ELECTION, "differs from the ceremony's joint key")]
    assert report.checks == ["§4 custodian 4 disqualified: dealt no shares", CEREMONY_CHECK]


# _verify and verify_record: the sections in order, and what is passed through ------------

HONEST_CHECKS = [
    CONTEXT_CHECK,
    CEREMONY_CHECK,
    "§5 credential list (4 voters)",
    "§7 board chain (4 entries, 4 counted, window checked)",
    "§6 ballot proofs and signatures (4 ballots)",
    "§8 spoiled ballots (1 re-checked, as the closing statement commits)",
    "§9 homomorphic aggregate",
    "§10 decryption shares ([1, 2, 3] valid)",
    "§11 results equal the decrypted tally",
    "§12.7 counts announced by the fingerprint: internet only",
]


def _progress() -> tuple[list, object]:
    calls: list[tuple[int, int]] = []
    return calls, lambda done, total: calls.append((done, total))


def _zip(record: Path, tmp_path: Path) -> Path:
    target = tmp_path / f"{record.name}.zip"
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(record.rglob("*")):
            zf.write(path, path.relative_to(record).as_posix())
    return target


def test_verify_runs_each_section_in_the_order_of_the_record():
    report = Report()
    calls, progress = _progress()
    _verify(HONEST, report, None, progress, None, 4, HONEST_FINGERPRINT)
    assert report.failures == [] and report.fingerprint_checked
    assert report.checks == HONEST_CHECKS
    assert calls == [(0, 4), (4, 4)]
    assert report.results == _json(HONEST / layout.RESULTS)
    assert (report.ballots, report.counted, report.spoiled, report.policy) == (4, 4, 1, "single")


def _board_only(tmp_path: Path) -> Path:
    """The honest record without its audited ballot: only the board has work to share out."""
    folder = _copy(HONEST, tmp_path)
    (folder / layout.SPOILED).write_text("", encoding="utf-8")
    return folder


def _spoiled_only(tmp_path: Path) -> Path:
    """The honest record with an empty board and its audited ballot twice: only the spoiled
    list has work to share out."""
    folder = _copy(HONEST, tmp_path)
    (folder / layout.BOARD).write_text("", encoding="utf-8")
    line = (HONEST / layout.SPOILED).read_text(encoding="utf-8")
    (folder / layout.SPOILED).write_text(line * 2, encoding="utf-8")
    return folder


@pytest.mark.parametrize("record", [_board_only, _spoiled_only], ids=["board", "spoiled"])
def test_verify_gives_the_board_and_the_spoiled_ballots_their_scheduler(tmp_path, record):
    with pytest.raises(ValueError, match=SCHEME):
        _verify(record(tmp_path), Report(), "bogus-scheme://nada", None, None, CHUNK, None)


@pytest.mark.parametrize("record", [_board_only, _spoiled_only], ids=["board", "spoiled"])
def test_verify_gives_the_board_and_the_spoiled_ballots_their_workers_and_chunk(tmp_path,
                                                                               record):
    """Chunks of one entry make more than one chunk, hence a pool, which refuses -1
    workers before it starts any."""
    with pytest.raises(ValueError, match=NO_WORKERS):
        _verify(record(tmp_path), Report(), None, None, -1, 1, None)


def test_a_record_verifies_with_its_results_fingerprint_and_receipt():
    receipt = _json(CONFORMANCE / "receipts" / "single-all-present-2.json")
    calls, progress = _progress()
    report = verify_record(HONEST, progress=progress, chunk=4,
                           fingerprint=HONEST_FINGERPRINT, receipt=receipt)
    assert report.ok and report.checks == HONEST_CHECKS
    assert report.results == _json(HONEST / layout.RESULTS)
    assert report.fingerprint_checked and report.fingerprint == HONEST_FINGERPRINT
    assert report.receipt == receipt["tracking_code"]
    assert calls == [(0, 4), (4, 4)]


def test_a_record_verifies_without_a_published_fingerprint_or_receipt():
    report = verify_record(str(HONEST))
    assert report.ok and report.checks == HONEST_CHECKS
    assert not report.fingerprint_checked and report.receipt == ""


def test_a_published_fingerprint_is_typed_in_groups_of_any_case():
    typed = " ".join(HONEST_FINGERPRINT[i:i + 4].upper()
                     for i in range(0, len(HONEST_FINGERPRINT), 4))
    report = verify_record(HONEST, fingerprint=typed)
    assert report.ok and report.fingerprint_checked
    report = verify_record(HONEST, fingerprint="00" * 32)
    assert _failures(report) == [(
        "2.4", "fingerprint", layout.FINGERPRINT,
        f"the record's keys and rules give {HONEST_FINGERPRINT}, not the published "
        f"{'00' * 32}")]


def test_a_receipt_is_checked_after_the_record():
    report = verify_record(HONEST, receipt="recibo")
    assert report.checks == HONEST_CHECKS
    assert report.failures == [Failure("7.6", "receipt parses", "receipt", "not a JSON object")]


def test_a_record_that_cannot_be_read_ends_in_its_one_failure(tmp_path):
    folder = _copy(HONEST, tmp_path)
    (folder / layout.TRANSCRIPT).unlink()
    report = verify_record(folder, receipt="recibo")
    assert report.failures == [Failure("4", "file present", layout.TRANSCRIPT, "missing")]
    assert report.checks == [CONTEXT_CHECK] and not report.ok


def test_a_file_that_is_not_a_zip_is_read_as_a_folder_and_has_no_manifest(tmp_path):
    path = tmp_path / "registro.zip"
    path.write_text("no es un zip", encoding="utf-8")
    report = verify_record(path)
    assert report.failures == [Failure("2.1", "file present", layout.MANIFEST, "missing")]


def test_a_zipped_record_verifies_with_everything_passed_on(tmp_path):
    receipt = _json(CONFORMANCE / "receipts" / "single-all-present-2.json")
    calls, progress = _progress()
    report = verify_record(_zip(HONEST, tmp_path), progress=progress, chunk=4,
                           fingerprint=HONEST_FINGERPRINT.upper(), receipt=receipt)
    assert report.ok and report.checks == HONEST_CHECKS
    assert report.results == _json(HONEST / layout.RESULTS)
    assert report.fingerprint_checked and report.receipt == receipt["tracking_code"]
    assert calls == [(0, 4), (4, 4)]


def test_a_zipped_record_passes_on_its_scheduler_and_workers(tmp_path):
    archive = _zip(_board_only(tmp_path), tmp_path)
    with pytest.raises(ValueError, match=SCHEME):
        verify_record(archive, scheduler="bogus-scheme://nada")
    with pytest.raises(ValueError, match=NO_WORKERS):
        verify_record(archive, workers=-1, chunk=1)


def test_a_tampered_zipped_record_names_its_failure(tmp_path):
    folder = _changed(HONEST, tmp_path, layout.ELECTION, lambda e: e.update(base_hash="cd" * 32))
    report = verify_record(_zip(folder, tmp_path))
    assert ("2.3", "base hash", layout.ELECTION,
            "base_hash does not match its inputs") in _failures(report)
