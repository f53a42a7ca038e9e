"""The election fingerprint pins the record (docs/record.md §2.4, §7.4–§7.6, §8.3, §12.7).

Each attack below rewrites an honest record the way an outside attacker would: every digest,
chain link and signature an older check would catch is recomputed (re-signed under a new key
where the attacker lacks the real one, or under the server's own key where the attack is the
server's), so that the record still passes every check that does not depend on the published
fingerprint; then `vmre verify --fingerprint <published>` must fail, naming the check.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.crypto.group import base_mul, random_scalar, scalar_bytes
from vmre.record import layout
from vmre.record.verifier import verify_record
from vmre.voting import fingerprint as fingerprints
from vmre.voting.board import CLOSING_TAG, Board, server_sign
from vmre.voting.chain import entry_hash
from vmre.voting.credential_list import sign_credential_list
from vmre.voting.models import Election

ROOT = Path(__file__).resolve().parents[2]


# -- helpers: what an attacker recomputes ------------------------------------------------------

def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: dict) -> None:
    path.write_text(layout.file_text(data), encoding="utf-8")


def _board(record: Path) -> list[dict]:
    return [json.loads(line) for line in (record / layout.BOARD).read_text().splitlines()]


def _write_board(record: Path, entries: list[dict]) -> str:
    """Positions renumbered and the whole chain recomputed from the base hash; returns the
    final hash."""
    prev = _read(record / layout.ELECTION)["base_hash"]
    for position, entry in enumerate(entries, start=1):
        entry.update(position=position, prev_hash=prev)
        entry["entry_hash"] = prev = entry_hash(prev, position, entry["tracking_code"],
                                                entry["received_at"])
    (record / layout.BOARD).write_text("".join(layout.line_text(e) for e in entries))
    return prev


def _server_secret(outcome) -> int:
    """The honest voting server's receipt key, from its database: for attacks by the server."""
    engine = create_engine(f"sqlite:///{outcome.out / 'simulacro.sqlite'}")
    with engine.connect() as conn:
        key = conn.execute(select(Election.receipt_key)).scalar_one()
    engine.dispose()
    return int.from_bytes(bytes.fromhex(key), "little")


def _refingerprint(record: Path, **changes) -> str:
    """The attacker keeps the record self-consistent: fingerprint.json follows the change."""
    doc = _read(record / layout.FINGERPRINT)
    doc.update(changes)
    _write(record / layout.FINGERPRINT, doc)
    return fingerprints.fingerprint(doc)


def _resign_closing(record: Path, secret: int, **changes) -> None:
    closing = {k: v for k, v in _read(record / layout.CLOSING).items() if k != "signature"}
    closing.update(changes)
    _write(record / layout.CLOSING, server_sign(CLOSING_TAG, secret, closing))


def _new_receipt_key(record: Path, final_hash: str | None = None, **fingerprint_changes) -> None:
    """Nothing used to pin the receipt key: a new one signs the rewritten closing statement."""
    secret = random_scalar()
    key = base_mul(secret).hex()
    election = _read(record / layout.ELECTION)
    election["receipt_key"] = key
    election.update({k: v for k, v in fingerprint_changes.items() if k == "revote_policy"})
    _write(record / layout.ELECTION, election)
    changes = {"fingerprint": _refingerprint(record, receipt_key=key, **fingerprint_changes)}
    if final_hash is not None:
        changes["final_hash"] = final_hash
    changes.update({k: v for k, v in fingerprint_changes.items() if k == "revote_policy"})
    _resign_closing(record, secret, **changes)


def _cli(*args: str):
    register_parts()
    return CliRunner().invoke(app, ["verify", *args])


def _refused(record: Path, fingerprint: str, section: str, check: str) -> None:
    """Today's checks accept the forged record; the fingerprint-based ones do not."""
    result = _cli(str(record), "--fingerprint", fingerprint)
    assert result.exit_code == 1, result.output
    assert re.search(rf"FAIL §{re.escape(section)} {re.escape(check)} \[", result.output), \
        result.output


def _only(record: Path, fingerprint: str) -> set[str]:
    report = verify_record(record, fingerprint=fingerprint)
    return {f"§{f.section} {f.check}" for f in report.failures}


# -- honest records -----------------------------------------------------------------------

def test_honest_record_holds_with_its_published_fingerprint(pristine_record):
    result = _cli(str(pristine_record.archive), "--fingerprint",
                  fingerprints.grouped(pristine_record.fingerprint).upper())
    assert result.exit_code == 0, result.output
    assert f"coincide con la publicada ({pristine_record.fingerprint})" in result.output
    inputs = _read(pristine_record.record / layout.FINGERPRINT)
    # recomputed as docs/record.md §2.4 tells an outsider to
    outside = hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":"),
                                        ensure_ascii=False).encode("utf-8")).hexdigest()
    assert outside == fingerprints.fingerprint(inputs) == pristine_record.fingerprint
    assert list(inputs) == ["base_hash", "election_id", "issuer_key", "modalities",
                            "receipt_key", "revote_policy", "rules", "version"]
    assert inputs["modalities"]["postal"]  # the simulacro counts postal tables


def test_honest_record_fails_with_a_wrong_fingerprint(pristine_record):
    wrong = ("0" if pristine_record.fingerprint[0] != "0" else "1") + \
        pristine_record.fingerprint[1:]
    _refused(pristine_record.record, wrong, "2.4", "fingerprint")


def test_without_the_option_it_prints_the_fingerprint_and_warns(pristine_record):
    result = _cli(str(pristine_record.record))
    assert result.exit_code == 0, result.output
    assert pristine_record.fingerprint in result.output
    assert "no significa nada hasta comparar la huella" in result.output
    assert "means nothing until the fingerprint" in result.output


# -- the attacks ------------------------------------------------------------------------------

def test_a_two_ballots_swapped_and_closing_resigned_under_a_new_receipt_key(
        record_copy, pristine_record):
    entries = _board(record_copy)
    for key in ("tracking_code", "ballot"):
        entries[2][key], entries[9][key] = entries[9][key], entries[2][key]
    _new_receipt_key(record_copy, final_hash=_write_board(record_copy, entries))
    assert verify_record(record_copy).ok  # self-consistent: only the published value objects
    _refused(record_copy, pristine_record.fingerprint, "2.4", "fingerprint")


def test_b_credential_added_and_list_resigned_under_a_new_issuer_key(
        record_copy, pristine_record):
    from vmre.crypto import credentials as creds
    from vmre.crypto.group import point_from_hex

    listing = _read(record_copy / layout.CREDENTIALS)
    entries = [(point_from_hex(r["credential"]), r["entity"]) for r in listing["credentials"]]
    intruder = creds.generate(listing["election_id"])
    issuer = random_scalar()
    _write(record_copy / layout.CREDENTIALS, sign_credential_list(
        listing["election_id"], issuer, [*entries, (intruder.public, "JAL")]))
    # a list signed by another key than the pinned one
    assert "§5.3 credential authority" in _only(record_copy, pristine_record.fingerprint)
    # the server colludes: it re-signs its closing statement over the new fingerprint
    new = _refingerprint(record_copy, issuer_key=base_mul(issuer).hex())
    _resign_closing(record_copy, _server_secret(pristine_record), fingerprint=new)
    assert verify_record(record_copy).ok
    _refused(record_copy, pristine_record.fingerprint, "2.4", "fingerprint")


def test_c_revoting_policy_switched_to_last_and_closing_resigned(record_copy, pristine_record):
    _new_receipt_key(record_copy, revote_policy="last")
    assert verify_record(record_copy).ok
    _refused(record_copy, pristine_record.fingerprint, "2.4", "fingerprint")


def test_d_ballot_received_after_the_close(record_copy, pristine_record):
    closing = _read(record_copy / layout.CLOSING)
    entries = _board(record_copy)
    entries[-1]["received_at"] = "2099-01-01T00:00:00+00:00"
    # the server itself writes it: the chain and its own closing statement are re-signed
    _resign_closing(record_copy, _server_secret(pristine_record),
                    final_hash=_write_board(record_copy, entries))
    assert closing["closes_at"] < "2099"
    assert _only(record_copy, pristine_record.fingerprint) == {
        "§7.5 received in the voting window"}
    _refused(record_copy, pristine_record.fingerprint, "7.5", "received in the voting window")


def test_e_audited_ballot_deleted_from_the_spoiled_list(record_copy, pristine_record):
    path = record_copy / layout.SPOILED
    lines = path.read_text().splitlines(keepends=True)
    assert lines
    path.write_text("".join(lines[1:]))
    assert _only(record_copy, pristine_record.fingerprint) == {"§8.3 spoiled list committed"}
    _refused(record_copy, pristine_record.fingerprint, "8.3", "spoiled list committed")


def test_f_actas_deleted_to_pass_as_an_internet_only_record(record_copy, pristine_record):
    shutil.rmtree(record_copy / layout.ACTAS_DIR)
    (record_copy / layout.SUMS).unlink()
    assert _only(record_copy, pristine_record.fingerprint) == {"§12.7 expected counts"}
    _refused(record_copy, pristine_record.fingerprint, "12.7", "expected counts")
    # declaring it internet-only changes the fingerprint (and needs a new closing signature)
    _new_receipt_key(record_copy, modalities=fingerprints.modalities())
    assert verify_record(record_copy).ok
    _refused(record_copy, pristine_record.fingerprint, "2.4", "fingerprint")


def test_g_a_whole_new_election_under_the_same_manifest(tmp_path, pristine_record):
    from vmre.simulacro.run import run

    other = run(voters=8, out=tmp_path / "otra", custodians=2, threshold=1, absent=0, seed=99)
    assert other.report.ok, other.report.failures
    assert _read(other.record / layout.MANIFEST) == _read(pristine_record.record /
                                                          layout.MANIFEST)
    assert other.fingerprint != pristine_record.fingerprint
    assert verify_record(other.record, fingerprint=other.fingerprint).ok
    _refused(other.record, pristine_record.fingerprint, "2.4", "fingerprint")


# -- a voter's receipt against the record ------------------------------------------------------

def _receipt(outcome, record: Path, index: int, secret: int | None = None) -> dict:
    """The receipt the server handed out for board entry `index` (signed as at the cast)."""
    entry = _board(record)[index]
    key = scalar_bytes(secret if secret is not None else _server_secret(outcome)).hex()
    return Board._receipt(key, entry["ballot"]["election_id"], entry["tracking_code"],
                          {k: entry[k] for k in ("position", "entry_hash", "received_at")})


def test_receipt_checked_against_the_record(tmp_path, record_copy, pristine_record):
    honest = tmp_path / "recibo.json"
    honest.write_text(json.dumps(_receipt(pristine_record, record_copy, 4)))
    result = _cli(str(record_copy), "--fingerprint", pristine_record.fingerprint,
                  "--receipt", str(honest))
    assert result.exit_code == 0, result.output
    assert "está firmado con la llave de recibos fijada" in result.output

    forged = tmp_path / "falso.json"
    forged.write_text(json.dumps(_receipt(pristine_record, record_copy, 4, random_scalar())))
    result = _cli(str(record_copy), "--fingerprint", pristine_record.fingerprint,
                  "--receipt", str(forged))
    assert result.exit_code == 1 and "FAIL §7.6 receipt signature" in result.output

    # the server moves the voter's ballot and re-signs everything with its own key: the
    # record alone holds, the voter's receipt does not
    entries = _board(record_copy)
    for key in ("tracking_code", "ballot"):
        entries[4][key], entries[11][key] = entries[11][key], entries[4][key]
    _resign_closing(record_copy, _server_secret(pristine_record),
                    final_hash=_write_board(record_copy, entries))
    assert verify_record(record_copy, fingerprint=pristine_record.fingerprint).ok
    result = _cli(str(record_copy), "--fingerprint", pristine_record.fingerprint,
                  "--receipt", str(honest))
    assert result.exit_code == 1 and "FAIL §7.6 receipt on the board" in result.output


# -- what the verifier prints -------------------------------------------------------------------

def test_every_section_the_verifier_cites_is_in_the_specification():
    sources = [ROOT / "src/vmre/record/verifier.py", ROOT / "src/vmre/record/chunk_checks.py",
               ROOT / "src/vmre/count/verification.py"]
    # every numeric string literal of these modules is a section they cite
    cited = {n for path in sources
             for n in re.findall(r'"(\d+(?:\.\d+)?)"', path.read_text(encoding="utf-8"))}
    assert {"2.4", "7.5", "7.6", "8.3", "9.1", "10.2", "12.7"} <= cited
    spec = (ROOT / "docs/record.md").read_text(encoding="utf-8")
    defined = set(re.findall(r"(?:^#+ |\*\*|^\| )§(\d+(?:\.\d+)?)\b", spec, re.MULTILINE))
    assert cited - defined == set()


@pytest.fixture(scope="module")
def last_policy_record(tmp_path_factory):
    """A small internet-only election under the "last" policy: one voter votes twice."""
    from vmre.record.writer import write_record
    from vmre.simulacro.election import open_election
    from vmre.simulacro.run import passphrase
    from vmre.voting import closing
    from vmre.voting.ballot import encrypt_ballot

    folder = tmp_path_factory.mktemp("ultimo")
    ready = open_election(folder, f"sqlite:///{folder / 'servidor.sqlite'}",
                          entities=("JAL", "JAL"), policy="last")
    eid, board = ready.ctx.election_id, ready.board
    for voter, choice in ((0, "pan"), (1, "pan"), (0, "morena")):
        ballot, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(voter),
                                   {"gob-jal": choice, "dip-migrante-jal": "mc"})
        board.cast(eid, ballot)
    closing_doc = board.close(eid)
    aggregate = closing.aggregate(board, eid)
    shares = [closing.custodian_decrypt(ready.ceremony, aggregate, j, passphrase(j, ready.seed),
                                        str(folder / "custodians" / f"custodian-{j}.secret"))
              for j in (1, 2)]
    results, valid, _ = closing.combine(ready.ctx, ready.ceremony.transcript(), aggregate,
                                        shares)
    record = write_record(folder / "registro", board, eid, closing_doc, aggregate, valid,
                          results)
    return record, board.fingerprint(eid)[0]


def test_last_policy_reports_ballots_counted_not_ballots_on_the_board(last_policy_record):
    record, fingerprint = last_policy_record
    report = verify_record(record, fingerprint=fingerprint)
    assert report.ok, report.failures
    assert (report.counted, report.ballots) == (2, 3)
    result = _cli(str(record), "--fingerprint", fingerprint)
    assert result.exit_code == 0, result.output
    assert "2 boletas contadas (3 en el tablero)" in result.output
    assert "1 ballot on the board was replaced by a later one and is not counted" in \
        result.output
    assert "§12.7 counts announced by the fingerprint: internet only" in result.output


def test_simulacro_prints_the_fingerprint_its_record_verifies_against(tmp_path):
    register_parts()
    out = tmp_path / "simulacro"
    run = CliRunner().invoke(app, ["simulacro", "--voters", "6", "--custodians", "1",
                                   "--threshold", "1", "--absent", "0", "--seed", "5",
                                   "--out", str(out)])
    assert run.exit_code == 0, run.output
    printed = re.search(r"fingerprint: ([0-9a-f]{64})", run.output)
    assert printed, run.output
    assert _cli(str(out / "record"), "--fingerprint", printed.group(1)).exit_code == 0
