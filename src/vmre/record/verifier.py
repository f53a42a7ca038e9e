"""`vmre verify`: re-check an election from its record alone (docs/record.md, §13).

Reads nothing but the record folder (or its zip). Each failure names the spec section, the
check and the item (file, ballot tracking code and position, custodian). Exit code 0 only if
every check holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vmre.core.parallel import chunked_iter, map_chunks
from vmre.crypto.group import GroupError, point_from_hex
from vmre.record import chunk_checks, layout
from vmre.voting import batch as chunks
from vmre.voting import fingerprint as fingerprints
from vmre.voting import tally
from vmre.voting.board import CLOSING_TAG, POLICIES, RECEIPT_TAG, verify_server_statement
from vmre.voting.ceremony import judge_transcript
from vmre.voting.chain import entry_hash
from vmre.voting.context import ElectionContext, manifest_hash, transcript_hash
from vmre.voting.credential_list import verify_credential_list
from vmre.voting.manifest import Manifest, parse_manifest

CHUNK = 250


@dataclass(frozen=True)
class Failure:
    section: str
    check: str
    item: str
    detail: str = ""

    def __str__(self) -> str:
        tail = f": {self.detail}" if self.detail else ""
        return f"§{self.section} {self.check} [{self.item}]{tail}"


class RecordError(Exception):
    def __init__(self, failure: Failure) -> None:
        self.failure = failure
        super().__init__(str(failure))


@dataclass
class Report:
    checks: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    ballots: int = 0  # entries on the board
    counted: int = 0  # ballots counted (fewer than the entries under the "last" policy)
    spoiled: int = 0
    policy: str = ""  # the revoting policy the record names (§6.6)
    results: dict = field(default_factory=dict)
    fingerprint: str = ""  # recomputed from the record's fingerprint.json (§2.4)
    fingerprint_checked: bool = False  # compared with a published value
    receipt: str = ""  # the receipt checked (§7.6), if any

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, section: str, check: str, item: str, detail: str = "") -> None:
        self.failures.append(Failure(section, check, item, detail))


def _load_json(folder: Path, name: str, section: str, report: Report) -> dict:
    path = folder / name
    if not path.exists():
        raise RecordError(Failure(section, "file present", name, "missing"))
    try:
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(Failure(section, "file parses", name, str(err))) from None
    if not isinstance(data, dict):  # every .json file of the record is one object (§1.2)
        raise RecordError(Failure(section, "file parses", name, "not a JSON object"))
    if raw != layout.file_text(data):
        report.fail("1.2", "canonical form", name, "bytes differ from the one serialisation")
    return data


def _iter_lines(folder: Path, name: str, section: str, report: Report | None
                ) -> Iterator[dict]:
    """The parsed lines of a .jsonl file, one at a time; with a report, each line's canonical
    form is checked too."""
    for _line, data in _iter_raw(folder, name, section, report):
        yield data


def _iter_raw(folder: Path, name: str, section: str, report: Report | None
              ) -> Iterator[tuple[str, dict]]:
    """(line as read, parsed line) for each line of a .jsonl file."""
    path = folder / name
    if not path.exists():
        raise RecordError(Failure(section, "file present", name, "missing"))
    with open(path, encoding="utf-8", newline="") as fh:
        try:
            for n, line in enumerate(fh, start=1):
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as err:
                    raise RecordError(Failure(section, "line parses", f"{name}:{n}",
                                              str(err))) from None
                if report is not None and line != layout.line_text(data):
                    report.fail("1.2", "canonical form", f"{name}:{n}",
                                "bytes differ from the one serialisation")
                yield line, data
        except UnicodeDecodeError as err:
            raise RecordError(Failure(section, "file parses", name, str(err))) from None


def _count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


class _Chain:
    """§7 checks over the board in order, handing on each entry's ballot for §6."""

    def __init__(self, base_hash: str,
                 window: tuple[dt.datetime, dt.datetime] | None = None) -> None:
        self.prev = base_hash
        self.entries = 0
        self.checked = 0
        self.counted = 0
        self.window = window
        self.tracking: dict[str, int] = {}  # tracking code -> position

    def items(self, entries: Iterable[tuple[str, dict]], eligible: dict[str, str],
              policy: str | None, last_for: dict[str, int], report: Report
              ) -> Iterator[tuple[str, str, str, bool, int]]:
        """(label, entity, line, counted, line number) of each entry: the rest of its checks
        (canonical bytes, tracking code, proofs) run in chunk_checks; the entity is "" for
        a credential not on the list (its proofs are not checked)."""
        seen_tracking = self.tracking
        seen_credential: dict[str, int] = {}
        for expected_pos, (line, entry) in enumerate(entries, start=1):
            self.entries = expected_pos
            try:
                pos, tracking, doc = entry["position"], entry["tracking_code"], entry["ballot"]
                label = f"ballot {tracking} at position {pos}"
                if pos != expected_pos:
                    report.fail("7.1", "positions consecutive", label,
                                f"expected {expected_pos}")
                if entry["prev_hash"] != self.prev:
                    report.fail("7.2", "chain link", label,
                                "prev_hash is not the previous entry hash")
                recomputed = entry_hash(entry["prev_hash"], pos, tracking, entry["received_at"])
                if entry["entry_hash"] != recomputed:
                    report.fail("7.2", "entry hash", label,
                                "entry_hash does not match its inputs")
                self.prev = entry["entry_hash"]
                if self.window is not None:
                    self._in_window(entry["received_at"], label, report)
                if tracking in seen_tracking:
                    report.fail("6.5", "tracking code unique", label,
                                f"also at position {seen_tracking[tracking]}")
                seen_tracking[tracking] = pos
                cred = str(doc.get("credential", ""))
            except (KeyError, TypeError, AttributeError, ValueError) as err:
                report.fail("7.1", "entry fields", f"{layout.BOARD}:{expected_pos}", repr(err))
                continue
            entity = eligible.get(cred)
            if entity is None:
                report.fail("6.1", "eligibility", label, "credential not on the credential list")
                yield label, "", line, False, expected_pos  # its bytes and tracking code still
                continue
            if cred in seen_credential and policy == "single":
                report.fail("6.6", "one ballot per credential", label,
                            f"credential already voted at position {seen_credential[cred]}")
            seen_credential.setdefault(cred, pos)
            counted = last_for.get(cred) == pos if policy == "last" else \
                seen_credential[cred] == pos
            self.checked += 1
            self.counted += counted
            yield label, entity, line, counted, expected_pos

    def _in_window(self, received_at: object, label: str, report: Report) -> None:
        """§7.5: the board accepts a ballot only while the window is open."""
        opens, closes = self.window  # type: ignore[misc]
        moment = _moment(received_at)
        if moment is None or not opens <= moment < closes:
            report.fail("7.5", "received in the voting window", label,
                        f"received_at {received_at} is not in [{opens.isoformat()}, "
                        f"{closes.isoformat()})")


def _moment(value: object) -> dt.datetime | None:
    """An ISO 8601 time with its offset, or None."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def verify_record(path: str | Path, scheduler: str | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  workers: int | None = None, chunk: int = CHUNK,
                  fingerprint: str | None = None, receipt: object = None) -> Report:
    """Every check of docs/record.md. `fingerprint`: the published value the record's keys
    and rules must hash to (§2.4); `receipt`: a voter's receipt to find on the board (§7.6);
    `progress(done, total)`: board entries checked so far, out of the entries on the board."""
    path = Path(path)
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(path) as zf:
                zf.extractall(tmp)
            return verify_record(tmp, scheduler, progress, workers, chunk, fingerprint, receipt)
    report = Report()
    try:
        _verify(path, report, scheduler, progress, workers, chunk,
                normalise_fingerprint(fingerprint) if fingerprint is not None else None)
        if receipt is not None:
            _check_receipt(path, report, receipt)
    except RecordError as err:
        report.failures.append(err.failure)
    return report


def normalise_fingerprint(value: str) -> str:
    """The published fingerprint as typed: spaces (groups of four) and case do not matter."""
    return "".join(value.split()).lower()


@dataclass(frozen=True)
class _Context:
    """What §2 read and checked, for the later sections."""
    election: dict
    manifest: Manifest
    manifest_text: str  # the manifest as the worker processes parse it
    ctx: ElectionContext
    pinned: dict  # fingerprint.json: the keys and modalities it pins

    @property
    def election_text(self) -> str:
        return json.dumps(self.election)


@dataclass(frozen=True)
class _Board:
    """What §7 read, for §8 and §9."""
    closing: dict
    tracking: dict[str, int]  # tracking code -> position on the board
    sums: list  # option-wise sums of each chunk's counted ballots


def _verify(folder: Path, report: Report, scheduler: str | None,
            progress: Callable[[int, int], None] | None, workers: int | None,
            chunk: int, published: str | None) -> None:
    """Each section in the order of docs/record.md; each check function can also be run
    alone on a loaded record (tests/record/test_verifier_checks.py)."""
    context = _check_context(folder, report, published)
    verdict = _check_ceremony(folder, report, context)
    eligible = _check_credentials(folder, report, context)
    board = _check_board(folder, report, context, eligible, scheduler, progress, workers,
                         chunk)
    _check_spoiled_ballots(folder, report, context, eligible, board, scheduler, workers, chunk)
    _check_tally(folder, report, context, verdict, board)


def _check_context(folder: Path, report: Report, published: str | None) -> _Context:
    """§2 manifest, election context, base hash and fingerprint; §1.1 the layout."""
    manifest_doc = _load_json(folder, layout.MANIFEST, "2.1", report)
    election = _load_json(folder, layout.ELECTION, "2.2", report)
    manifest_text = json.dumps(manifest_doc, ensure_ascii=False)
    try:
        manifest = parse_manifest(manifest_text, layout.MANIFEST)
    except Exception as err:
        raise RecordError(Failure("2.1", "manifest valid", layout.MANIFEST, str(err))) from None
    if manifest_hash(manifest).hex() != election.get("manifest_hash"):
        report.fail("2.2", "manifest hash", layout.ELECTION, "manifest_hash does not match")
    try:
        ctx = ElectionContext.from_json(manifest, election)
    except (KeyError, TypeError, ValueError, GroupError) as err:
        raise RecordError(Failure("2.2", "context parses", layout.ELECTION, str(err))) from None
    if election.get("election_id") != ctx.election_id:
        report.fail("2.2", "election id", layout.ELECTION, "is not the manifest's election_id")
    if ctx.base_hash.hex() != election.get("base_hash"):
        report.fail("2.3", "base hash", layout.ELECTION, "base_hash does not match its inputs")
    pinned = _check_fingerprint(folder, report, ctx, election, manifest.entities, published)
    _check_layout(folder, ctx.custodians, report)
    report.checks.append("§2 manifest, context, base hash and fingerprint")
    return _Context(election, manifest, manifest_text, ctx, pinned)


def _check_ceremony(folder: Path, report: Report, context: _Context) -> dict:
    """§4 opening ceremony: the transcript's verdict, recomputed. Returns the verdict."""
    ctx, election = context.ctx, context.election
    transcript = _load_json(folder, layout.TRANSCRIPT, "4", report)
    try:
        params = transcript["parameters"]
        proof_ctx = (params["election_id"], bytes.fromhex(params["manifest_hash"]),
                     params["custodians"], params["threshold"])
        verdict = judge_transcript(transcript, ctx.custodians, ctx.threshold, proof_ctx)
    except (AttributeError, KeyError, TypeError, ValueError) as err:  # members of the wrong type
        raise RecordError(Failure("4.1", "transcript parses", layout.TRANSCRIPT,
                                  str(err))) from None
    if params["election_id"] != ctx.election_id or params["manifest_hash"] != \
            ctx.manifest_hash.hex() or (params["custodians"], params["threshold"]) != (
            ctx.custodians, ctx.threshold):
        report.fail("4.1", "ceremony parameters", layout.TRANSCRIPT, "differ from election.json")
    for key in ("qualified", "disqualified", "accusations", "joint_public_key",
                "verification_keys"):
        if transcript.get(key) != verdict[key]:
            report.fail("4.3", "ceremony verdict", f"{layout.TRANSCRIPT}:{key}",
                        "does not follow from the published announcements, shares and complaints")
    if transcript_hash(transcript).hex() != election.get("transcript_hash"):
        report.fail("4.2", "transcript hash", layout.TRANSCRIPT,
                    "the transcript is not the one the election's base hash commits to")
    for name, reason in verdict["disqualified"].items():
        report.checks.append(f"§4 custodian {name} disqualified: {reason}")
    if verdict["joint_public_key"] != ctx.joint_key.hex():
        report.fail("4.4", "joint key", layout.ELECTION, "differs from the ceremony's joint key")
    report.checks.append("§4 opening ceremony transcript")
    return verdict


def _check_credentials(folder: Path, report: Report, context: _Context) -> dict[str, str]:
    """§5 the credential list. Returns credential -> entity (empty if the list is refused)."""
    ctx = context.ctx
    try:
        creds = verify_credential_list(_load_json(folder, layout.CREDENTIALS, "5", report))
        eligible = creds.entries
        if creds.election_id != ctx.election_id:
            report.fail("5.1", "credential list election", layout.CREDENTIALS, creds.election_id)
        if creds.issuer.hex() != context.pinned.get("issuer_key"):
            report.fail("5.3", "credential authority", layout.CREDENTIALS,
                        "the list is not signed by the issuer key the fingerprint pins")
        # A credential whose entity has no contest could never vote; on a signed list it
        # means the authority listed someone the manifest does not know.
        unknown = sorted({e for e in eligible.values()} - set(context.manifest.entities))
        if unknown:
            report.fail("5.4", "credential entity", layout.CREDENTIALS,
                        f"entities with no contest in the manifest: {', '.join(unknown)}")
    except RecordError:
        raise
    except Exception as err:
        report.fail("5.2", "credential list signature", layout.CREDENTIALS, str(err))
        eligible = {}
    report.checks.append(f"§5 credential list ({len(eligible)} voters)")
    return eligible


def _check_board(folder: Path, report: Report, context: _Context, eligible: dict[str, str],
                 scheduler: str | None, progress: Callable[[int, int], None] | None,
                 workers: int | None, chunk: int) -> _Board:
    """§7 the closing statement and the board's chain; §6 each ballot (in chunk_checks)."""
    ctx, election = context.ctx, context.election
    closing = _load_json(folder, layout.CLOSING, "7.4", report)
    policy = election.get("revote_policy")
    if policy not in POLICIES:
        report.fail("7.3", "revoting policy", layout.ELECTION, repr(policy))
    try:
        server_key = point_from_hex(str(election.get("receipt_key")))
    except GroupError as err:
        raise RecordError(Failure("7.4", "server key", layout.ELECTION, str(err))) from None
    if not verify_server_statement(CLOSING_TAG, closing, server_key) or \
            closing.get("election_id") != ctx.election_id or \
            closing.get("revote_policy") != policy:
        report.fail("7.4", "closing statement", layout.CLOSING,
                    "signature, election or policy does not match")
    if closing.get("fingerprint") != report.fingerprint:
        report.fail("7.4", "closing fingerprint", layout.CLOSING,
                    "the closing statement names another fingerprint")
    window = _window(closing, report)

    # The board is read line by line (twice under the "last" policy), and its ballots go to
    # the workers a chunk at a time: memory stays flat however large the election.
    last_for: dict[str, int] = {}
    if policy == "last":
        for entry in _iter_lines(folder, layout.BOARD, "7", None):
            ballot = entry.get("ballot")
            if isinstance(ballot, dict):
                last_for[str(ballot.get("credential", ""))] = entry.get("position", 0)
    chain = _Chain(ctx.base_hash.hex(), window)
    items = chain.items(_iter_raw(folder, layout.BOARD, "7", None), eligible, policy,
                        last_for, report)
    if not (folder / layout.BOARD).exists():  # read lazily below, but counted first
        raise RecordError(Failure("7", "file present", layout.BOARD, "missing"))
    lines = _count_lines(folder / layout.BOARD)
    if progress:
        progress(0, lines)
    results = map_chunks(chunk_checks.check_board_lines,
                         ((context.manifest_text, context.election_text, b)
                          for b in chunked_iter(items, chunk)),
                         scheduler,
                         (lambda done: progress(min(done * chunk, lines), lines)) if progress
                         else None, workers)
    if closing.get("final_hash") != chain.prev or closing.get("ballots") != chain.entries:
        report.fail("7.4", "closing hash and count", layout.CLOSING,
                    "final_hash/ballots differ from the board")
    report.ballots = chain.entries
    report.counted = chain.counted
    report.policy = policy if isinstance(policy, str) else ""
    report.checks.append(f"§7 board chain ({chain.entries} entries, {chain.counted} counted"
                         f"{', window checked' if window else ''})")
    sums_list = []
    for failures, sums in results:
        for failure in failures:
            report.fail(*failure)
        sums_list.append(chunks.sums_in(sums))
    report.checks.append(f"§6 ballot proofs and signatures ({chain.checked} ballots)")
    return _Board(closing, chain.tracking, sums_list)


def _check_spoiled_ballots(folder: Path, report: Report, context: _Context,
                           eligible: dict[str, str], board: _Board, scheduler: str | None,
                           workers: int | None, chunk: int) -> None:
    """§8 spoiled ballots: each re-checked, none counted, the list the closing commits to."""
    spoiled = list(_iter_lines(folder, layout.SPOILED, "8", report))
    checks = []
    for n, sp in enumerate(spoiled, start=1):
        fields = sp if isinstance(sp, dict) else {}  # a line that is no object: §8.1 names it
        code = fields.get("tracking_code")
        label = f"spoiled ballot {code} (line {n})"
        doc = fields.get("ballot")
        credential = doc.get("credential") if isinstance(doc, dict) else None
        checks.append((label, eligible.get(credential) if isinstance(credential, str) else None,
                       sp))
        if isinstance(code, str) and code in board.tracking:
            report.fail("8.2", "spoiled never counted", label, "also on the board")
    for failures in map_chunks(chunk_checks.check_spoiled,
                               ((context.manifest_text, context.election_text, b)
                                for b in chunked_iter(checks, chunk)), scheduler,
                               workers=workers):
        for failure in failures:
            report.fail(*failure)
    report.spoiled = len(spoiled)
    _check_spoiled_commitment(folder, board.closing, len(spoiled), report)
    report.checks.append(f"§8 spoiled ballots ({len(spoiled)} re-checked, as the closing "
                         "statement commits)")


def _check_tally(folder: Path, report: Report, context: _Context, verdict: dict,
                 board: _Board) -> None:
    """§9 aggregate, §10 decryption shares, §11 results; then §12 what was added after."""
    ctx = context.ctx
    # §9 aggregate --------------------------------------------------------------------------
    aggregate = _load_json(folder, layout.AGGREGATE, "9", report)
    expected = tally.aggregate_document(ctx, tally.merge_sums(board.sums))
    _compare(report, "9.1", "aggregate", layout.AGGREGATE, aggregate, expected,
             "differs from the sum of the counted ballots")
    report.checks.append("§9 homomorphic aggregate")

    # §10 decryption shares, §11 results ---------------------------------------------------
    valid: dict[int, dict] = {}
    for j in range(1, ctx.custodians + 1):
        path = folder / layout.share_file(j)
        if not path.exists():
            continue
        share = _load_json(folder, layout.share_file(j), "10", report)
        try:
            key = point_from_hex(verdict["verification_keys"][str(j)])
        except (KeyError, GroupError):
            report.fail("10.1", "verification key", f"custodian {j}")
            continue
        ok, where = tally.check_share(ctx, expected, share, key)
        if ok and share.get("custodian") == j and share.get("election_id") == ctx.election_id:
            valid[j] = share
        else:
            report.fail("10.2", "decryption share proof", f"custodian {j}", where)
    report.checks.append(f"§10 decryption shares ({sorted(valid)} valid)")
    results = _load_json(folder, layout.RESULTS, "11", report)
    if len(valid) < ctx.threshold:
        report.fail("11.1", "enough shares", layout.RESULTS,
                    f"{len(valid)} valid shares, {ctx.threshold} needed")
        return
    try:
        recomputed = tally.combine_results(ctx, expected, valid)
    except ValueError as err:
        report.fail("11.2", "counts recoverable", layout.RESULTS, str(err))
        return
    _compare(report, "11.2", "results", layout.RESULTS, results, recomputed,
             "differ from the decrypted aggregate")
    report.results = recomputed
    report.checks.append("§11 results equal the decrypted tally")
    _check_expected_counts(folder, report, context.pinned.get("modalities"))
    _verify_files_digest(folder, report)
    if (folder / layout.ACTAS_DIR).exists():  # the count's actas: docs/count.md §12
        from vmre.count.verification import verify_actas

        for failure in verify_actas(folder, recomputed, context.manifest):
            report.fail(*failure)
        report.checks.append("§12 actas: electronic table, counting tables, entity counts")


def _check_layout(folder: Path, custodians: int, report: Report) -> None:
    """§1.1: the record holds the layout's files and nothing else (actas/ is listed file by
    file in SHA256SUMS, §12.2), so nothing unchecked can travel inside it."""
    allowed = set(layout.FIXED_FILES) | {layout.share_file(j) for j in range(1, custodians + 1)}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in allowed and not name.startswith(
                f"{layout.ACTAS_DIR}/"):
            report.fail("1.1", "files in the layout", name,
                        "not a file of the record's layout")


def _compare(report: Report, section: str, check: str, name: str, found: dict,
             expected: dict, detail: str) -> None:
    """A published document against the verifier's own: each contest named, then the rest."""
    published = found.get("contests")
    for cid, data in expected["contests"].items():
        if not isinstance(published, dict) or published.get(cid) != data:
            report.fail(section, check, f"{name}:{cid}", detail)
    if found != expected:
        report.fail(section, f"{check} document", name, "differs from the recomputed document")


def _verify_files_digest(folder: Path, report: Report) -> None:
    """Parts added after the tally (actas) carry their own checks; see docs/record.md §12."""
    digest = folder / "SHA256SUMS"
    if not digest.exists():
        return
    for line in digest.read_text(encoding="utf-8").splitlines():
        want, _, name = line.partition("  ")
        target = folder / name
        if not target.exists() or hashlib.sha256(target.read_bytes()).hexdigest() != want:
            report.fail("12.1", "file digest", name, "missing or changed")


def _check_fingerprint(folder: Path, report: Report, ctx: ElectionContext, election: dict,
                       entities: tuple[str, ...], published: str | None) -> dict:
    """§2.4: fingerprint.json names this election's keys and rules, and hashes to the published
    value. Returns the document (its pinned keys are checked in §5.3 and §7.4)."""
    doc = _load_json(folder, layout.FINGERPRINT, "2.4", report)
    name = layout.FINGERPRINT
    if doc.get("version") != fingerprints.VERSION:
        report.fail("2.4", "fingerprint version", name, f"{doc.get('version')!r} is not "
                    f"{fingerprints.VERSION}")
    if doc.get("rules") != fingerprints.RULES:
        report.fail("2.4", "rules version", name, f"the record asks for rules "
                    f"{doc.get('rules')!r}; this verifier applies {fingerprints.RULES}")
    expected = {"election_id": ctx.election_id, "base_hash": ctx.base_hash.hex(),
                "receipt_key": election.get("receipt_key"),
                "revote_policy": election.get("revote_policy")}
    for key, want in expected.items():
        if doc.get(key) != want:
            report.fail("2.4", "fingerprint inputs", f"{name}:{key}",
                        "differs from the election context (election.json, §2.3)")
    modalities = doc.get("modalities")
    postal = modalities.get("postal") if isinstance(modalities, dict) else None
    if not isinstance(postal, list) or not all(isinstance(e, str) for e in postal) or \
            modalities != fingerprints.modalities(postal) or not set(postal) <= set(entities):
        report.fail("2.4", "modalities", f"{name}:modalities",
                    "not {\"internet\": true, \"postal\": [sorted entities of the manifest]}")
    if set(doc) != set(fingerprints.inputs("", "", "", "", "")):
        report.fail("2.4", "fingerprint inputs", name, "unexpected or missing members")
    try:
        point_from_hex(str(doc.get("issuer_key")))
    except GroupError as err:
        report.fail("2.4", "fingerprint inputs", f"{name}:issuer_key", str(err))
    try:
        report.fingerprint = fingerprints.fingerprint(doc)
    except (TypeError, ValueError) as err:  # no canonical form (e.g. NaN)
        raise RecordError(Failure("2.4", "fingerprint inputs", name, str(err))) from None
    if published is not None:
        report.fingerprint_checked = True
        if report.fingerprint != published:
            report.fail("2.4", "fingerprint", name,
                        f"the record's keys and rules give {report.fingerprint}, not the "
                        f"published {published}")
    return doc


def _window(closing: dict, report: Report) -> tuple[dt.datetime, dt.datetime] | None:
    """§7.4: the voting window the closing statement commits to."""
    opens, closes = _moment(closing.get("opens_at")), _moment(closing.get("closes_at"))
    if opens is None or closes is None or closes <= opens:
        report.fail("7.4", "voting window", layout.CLOSING,
                    "opens_at/closes_at missing, not ISO 8601 with offset, or out of order")
        return None
    return opens, closes


def _check_spoiled_commitment(folder: Path, closing: dict, count: int, report: Report) -> None:
    """§8.3: spoiled.jsonl is exactly the list the closing statement commits to."""
    digest = hashlib.sha256((folder / layout.SPOILED).read_bytes()).hexdigest()
    if closing.get("spoiled") != {"count": count, "sha256": digest}:
        report.fail("8.3", "spoiled list committed", layout.SPOILED,
                    f"{count} audited ballots with SHA-256 {digest}; the closing statement "
                    f"commits to {closing.get('spoiled')}")


def _check_expected_counts(folder: Path, report: Report, modalities: object) -> None:
    """§12.7: the record holds every count the fingerprint's modalities announce, and no
    postal table of an entity it does not count by post."""
    postal = modalities.get("postal") if isinstance(modalities, dict) else None
    postal = {e for e in postal if isinstance(e, str)} if isinstance(postal, list) else set()
    if postal:
        needed = [layout.SUMS, layout.ELECTRONIC_ACTA,
                  *(layout.entity_count_file(e) for e in sorted(postal))]
        for name in needed:
            if not (folder / name).exists():
                report.fail("12.7", "expected counts", name,
                            "missing: the fingerprint announces postal counting tables for "
                            + ", ".join(sorted(postal)))
    tables = folder / layout.ACTAS_DIR / "mesas"
    for path in sorted(tables.glob("*.json")) if tables.exists() else []:
        try:
            entity = json.loads(path.read_text(encoding="utf-8")).get("entity")
        except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            continue  # reported by §12.4
        if entity not in postal:
            report.fail("12.7", "expected counts", path.relative_to(folder).as_posix(),
                        f"a postal table of {entity}, which the fingerprint does not count "
                        "by post")
    report.checks.append("§12.7 counts announced by the fingerprint: "
                         + (", ".join(sorted(postal)) + " with postal tables" if postal
                            else "internet only"))


def _check_receipt(folder: Path, report: Report, receipt: object) -> None:
    """§7.6: a voter's receipt is signed by the pinned receipt key and its tracking code is
    on the board at the position, with the entry hash and time, it names."""
    item = "receipt"
    if not isinstance(receipt, dict):
        report.fail("7.6", "receipt parses", item, "not a JSON object")
        return
    item = f"receipt {receipt.get('tracking_code')} at position {receipt.get('position')}"
    report.receipt = str(receipt.get("tracking_code"))
    election = json.loads((folder / layout.ELECTION).read_text(encoding="utf-8"))
    try:
        key = point_from_hex(str(election.get("receipt_key")))
    except GroupError as err:
        report.fail("7.6", "receipt signature", item, str(err))
        return
    if not verify_server_statement(RECEIPT_TAG, receipt, key) or \
            receipt.get("election_id") != election.get("election_id"):
        report.fail("7.6", "receipt signature", item,
                    "not signed by this election's receipt key (the one the fingerprint pins)")
    for entry in _iter_lines(folder, layout.BOARD, "7", None):
        if entry.get("tracking_code") == receipt.get("tracking_code"):
            wanted = {k: receipt.get(k) for k in ("position", "entry_hash", "received_at")}
            if {k: entry.get(k) for k in wanted} != wanted:
                report.fail("7.6", "receipt on the board", item,
                            f"the board holds it at position {entry.get('position')} with "
                            "another entry hash or time")
            return
    report.fail("7.6", "receipt on the board", item, "the tracking code is not on the board")
