"""`vmre verify`'s inner checks, each reached alone.

The record is rewritten the way an insider holding every key would (tests/support/resign.py):
a changed ballot is re-signed by its voter, the tracking codes and the hash chain recomputed,
the closing statement re-signed with the election's receipt key, and the aggregate, the
decryption shares and the results recomputed from the ballots that count. Each case then
expects exactly one failure: the section and check it names, at the item it names.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.resign import (
    RecordForger,
    audit_close_and_record,
    chain,
    hexs,
    one_hot,
    options,
    read_board,
    read_json,
    sign_ballot,
    with_contest,
    write_json,
)
from vmre.crypto import credentials
from vmre.crypto.group import L, scalar_from_hex
from vmre.record import layout
from vmre.record.verifier import verify_record
from vmre.simulacro.election import ReadyElection, open_election
from vmre.voting import closing, tally
from vmre.voting.ballot import encrypt_ballot, tracking_code

JAL = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}
CDMX = {"jefatura-cdmx": "morena"}
ENTITIES = ("JAL", "CDMX", "JAL", "JAL", "JAL")
CAST = 4  # voters 0-3 cast (board positions 1-4); voter 4 only audits a ballot
JAL_VOTER = 2  # board position 3


class Election:
    """The election behind the record, with every key a forger could hold."""

    def __init__(self, ready: ReadyElection, record: Path, forger: RecordForger,
                 spoiled: dict) -> None:
        self.ready, self.record, self.forger, self.spoiled = ready, record, forger, spoiled

    @property
    def ctx(self):
        return self.ready.ctx

    def key(self, voter: int) -> int:
        return self.ready.key(voter)


@pytest.fixture(scope="module")
def election(tmp_path_factory) -> Election:
    base = tmp_path_factory.mktemp("resigned")
    ready = open_election(base / "election", f"sqlite:///{base / 'vmre.sqlite'}",
                          entities=ENTITIES)
    eid = ready.ctx.election_id
    for i in range(CAST):
        entity = ENTITIES[i]
        ready.board.cast(eid, encrypt_ballot(ready.ctx, entity, ready.key(i),
                                             JAL if entity == "JAL" else CDMX)[0])
    record, forger = audit_close_and_record(ready, base, 4, JAL)
    spoiled = json.loads((record / layout.SPOILED).read_text("utf-8").splitlines()[0])
    return Election(ready, record, forger, spoiled)


@pytest.fixture
def record(election: Election, tmp_path) -> Path:
    target = tmp_path / "record"
    shutil.copytree(election.record, target)
    return target


def failures(folder: Path, **kwargs) -> list[tuple[str, str, str]]:
    return [(f.section, f.check, f.item) for f in verify_record(folder, **kwargs).failures]


def only_failure(folder: Path, **kwargs):
    report = verify_record(folder, **kwargs)
    assert len(report.failures) == 1, [str(f) for f in report.failures]
    return report.failures[0]


def label(entry: dict) -> str:
    return f"ballot {entry['tracking_code']} at position {entry['position']}"


def rewrite(election: Election, folder: Path, ballots: list[dict], counted=None,
            received=None, kept: dict[int, dict] | None = None) -> list[dict]:
    """The board made of `ballots` in order, chained and sealed as the server would; `kept`:
    fields a forger writes into entry i instead of computing them."""
    kept = kept or {}
    old = read_board(folder)
    times = received or [old[min(i, len(old) - 1)]["received_at"] for i in range(len(ballots))]
    entries = chain(election.ctx.base_hash.hex(),
                    [{"ballot": b, "received_at": t, **kept.get(i, {})}
                     for i, (b, t) in enumerate(zip(ballots, times, strict=True))])
    election.forger.write_board(folder, entries)
    election.forger.reseal(folder, counted)
    return entries


def replace_ballot(election: Election, folder: Path, position: int, tampered: dict) -> dict:
    """Board position `position` now holds `tampered`, which is not counted (it fails)."""
    docs = [e["ballot"] for e in read_board(folder)]
    docs[position - 1] = tampered
    entries = rewrite(election, folder, docs,
                      counted=[d for i, d in enumerate(docs) if i != position - 1])
    return entries[position - 1]


# -- the helper itself ----------------------------------------------------------------------

def test_pristine_and_resealed_records_verify(election: Election, record: Path):
    """Rewriting the record with nothing changed leaves a record that verifies: every failure
    below comes from the one change of its case."""
    assert failures(election.record) == []
    rewrite(election, record, [e["ballot"] for e in read_board(record)])
    assert failures(record) == []
    again = sign_ballot(election.ctx, election.key(0), read_board(record)[0]["ballot"])
    docs = [again, *(e["ballot"] for e in read_board(record)[1:])]
    rewrite(election, record, docs)
    report = verify_record(record)
    assert report.ok and report.counted == CAST, report.failures


# -- §6.3 each inner check of a ballot ------------------------------------------------------

def _swap_ids(election: Election, doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["contests"][0]["id"], doc["contests"][1]["id"] = "dip-migrante-jal", "gob-jal"
    return sign_ballot(election.ctx, election.key(JAL_VOTER), doc)


def _relabel(election: Election, doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["contests"][0]["id"] = "gob-gto"
    return sign_ballot(election.ctx, election.key(JAL_VOTER), doc)


def _options(change: int):
    def make(election: Election, doc: dict) -> dict:
        n = options(election.ctx, "gob-jal") + change
        return with_contest(election.ctx, election.key(JAL_VOTER), doc, 0, one_hot(n))
    return make


def _bits(election: Election, doc: dict) -> dict:
    n = options(election.ctx, "gob-jal")
    return with_contest(election.ctx, election.key(JAL_VOTER), doc, 0, [2, -1] + [0] * (n - 2))


def _sum(election: Election, doc: dict) -> dict:
    n = options(election.ctx, "dip-migrante-jal")
    return with_contest(election.ctx, election.key(JAL_VOTER), doc, 1, [1, 1] + [0] * (n - 2))


BALLOT_CASES = {
    "contest ids swapped": (_swap_ids, "wrong_contests"),
    "contest relabelled as another entity's": (_relabel, "wrong_contests"),
    "an option missing": (_options(-1), "wrong_option_count contest=gob-jal"),
    "an option extra": (_options(+1), "wrong_option_count contest=gob-jal"),
    "0/1 proof broken": (_bits, "bad_option_proof contest=gob-jal option=0"),
    "sum proof broken": (_sum, "bad_sum_proof contest=dip-migrante-jal"),
}


@pytest.mark.parametrize("case", sorted(BALLOT_CASES))
def test_re_signed_ballot_fails_its_inner_check_alone(election: Election, record: Path, case):
    make, detail = BALLOT_CASES[case]
    position = JAL_VOTER + 1
    entry = replace_ballot(election, record, position,
                           make(election, read_board(record)[position - 1]["ballot"]))
    failure = only_failure(record)
    assert (failure.section, failure.check, failure.item) == (
        "6.3", "ballot proofs and signature", label(entry))
    assert failure.detail == detail


def test_credential_of_another_entity_fails_alone(election: Election, record: Path):
    """Voter 1 (Mexico City) has a well-proved ballot for Jalisco's contests on the board."""
    assert ENTITIES[1] == "CDMX"
    doc = encrypt_ballot(election.ctx, "JAL", election.key(1), JAL)[0]
    entry = replace_ballot(election, record, 2, doc)
    failure = only_failure(record)
    assert (failure.section, failure.check, failure.item, failure.detail) == (
        "6.3", "ballot proofs and signature", label(entry), "wrong_contests")


def test_non_canonical_point_in_a_re_signed_ballot_fails_alone(election: Election,
                                                              record: Path):
    """A ciphertext point written with the unused top bit set (libsodium 1.0.18 would decode
    it as the same point): a second spelling of the ballot, refused on decoding."""
    position = JAL_VOTER + 1
    doc = copy.deepcopy(read_board(record)[position - 1]["ballot"])
    raw = bytearray.fromhex(doc["contests"][0]["choices"][0]["alpha"])
    raw[31] |= 0x80
    doc["contests"][0]["choices"][0]["alpha"] = raw.hex()
    entry = replace_ballot(election, record, position,
                           sign_ballot(election.ctx, election.key(JAL_VOTER), doc))
    failure = only_failure(record)
    assert (failure.section, failure.check, failure.item, failure.detail) == (
        "6.3", "ballot proofs and signature", label(entry),
        "invalid_point reason=not a valid ristretto255 point")


def test_ballot_of_a_credential_not_on_the_list_fails_alone(election: Election, record: Path):
    stranger = credentials.signing_key(election.ctx.election_id, credentials.new_secret())
    doc = encrypt_ballot(election.ctx, "JAL", stranger, JAL)[0]
    entry = replace_ballot(election, record, JAL_VOTER + 1, doc)
    assert failures(record) == [("6.1", "eligibility", label(entry))]


# -- §6.5, §6.6, §8.2 one ballot per credential and code --------------------------------------

def test_second_ballot_of_a_credential_fails_alone(election: Election, record: Path):
    docs = [e["ballot"] for e in read_board(record)]
    second = encrypt_ballot(election.ctx, "JAL", election.key(0), JAL)[0]
    entries = rewrite(election, record, [*docs, second], counted=docs)
    failure = only_failure(record)
    assert (failure.section, failure.check, failure.item) == (
        "6.6", "one ballot per credential", label(entries[-1]))
    assert failure.detail == "credential already voted at position 1"


def test_same_ballot_twice_on_the_board(election: Election, record: Path):
    docs = [e["ballot"] for e in read_board(record)]
    entries = rewrite(election, record, [*docs, docs[0]], counted=docs)
    assert failures(record) == [("6.5", "tracking code unique", label(entries[-1])),
                                ("6.6", "one ballot per credential", label(entries[-1]))]


def test_audited_ballot_on_the_board_fails_alone(election: Election, record: Path):
    """The audited ballot (its nonces public) also appears as cast: it must never count."""
    docs = [e["ballot"] for e in read_board(record)]
    rewrite(election, record, [*docs, election.spoiled["ballot"]])
    failure = only_failure(record)
    assert (failure.section, failure.check) == ("8.2", "spoiled never counted")
    assert failure.item == f"spoiled ballot {election.spoiled['tracking_code']} (line 1)"


def test_lying_disclosure_fails_alone(election: Election, record: Path):
    lie = copy.deepcopy(election.spoiled)
    lie["disclosure"]["selections"]["gob-jal"] = "morena"
    election.forger.write_spoiled(record, [lie])
    election.forger.reseal(record)
    failure = only_failure(record)
    assert (failure.section, failure.check) == ("8.1", "spoiled ballot re-check")
    assert failure.detail.startswith("reveal_mismatch")


# -- §7 the chain --------------------------------------------------------------------------

def test_chain_link_broken_fails_alone(election: Election, record: Path):
    """Entry 3 names another predecessor; its own hash is computed from what it names, and
    the entries after it follow on from it."""
    docs = [e["ballot"] for e in read_board(record)]
    entries = rewrite(election, record, docs, kept={2: {"prev_hash": "ab" * 32}})
    assert failures(record) == [("7.2", "chain link", label(entries[2]))]


def test_entry_hash_not_from_its_inputs_fails_alone(election: Election, record: Path):
    docs = [e["ballot"] for e in read_board(record)]
    entries = rewrite(election, record, docs, kept={2: {"entry_hash": "cd" * 32}})
    assert failures(record) == [("7.2", "entry hash", label(entries[2]))]


def test_position_skipped_fails_alone(election: Election, record: Path):
    docs = [e["ballot"] for e in read_board(record)]
    entries = rewrite(election, record, docs, kept={2: {"position": 7}})
    assert failures(record) == [("7.1", "positions consecutive", label(entries[2]))]


def test_ballot_received_outside_the_window_fails_alone(election: Election, record: Path):
    """Received an hour before the window the closing statement commits to; the chain and the
    closing statement are computed over that time."""
    board = read_board(record)
    opens = dt.datetime.fromisoformat(read_json(record, layout.CLOSING)["opens_at"])
    early = (opens - dt.timedelta(hours=1)).isoformat()
    times = [early, *(e["received_at"] for e in board[1:])]
    entries = rewrite(election, record, [e["ballot"] for e in board], received=times)
    assert failures(record) == [("7.5", "received in the voting window", label(entries[0]))]


CLOSING_CASES = {
    "final hash": ({"final_hash": "ab" * 32}, "closing hash and count"),
    "ballot count": ({"ballots": CAST + 1}, "closing hash and count"),
    "fingerprint": ({"fingerprint": "ab" * 32}, "closing fingerprint"),
    "window missing": ({"opens_at": None}, "voting window"),
    "window reversed": ({"opens_at": "2100-01-01T00:00:00+00:00"}, "voting window"),
    "another election": ({"election_id": "otra"}, "closing statement"),
    "another policy": ({"revote_policy": "last"}, "closing statement"),
}


@pytest.mark.parametrize("case", sorted(CLOSING_CASES))
def test_signed_closing_statement_naming_something_else_fails_alone(election: Election,
                                                                    record: Path, case):
    changes, check = CLOSING_CASES[case]
    election.forger.reseal(record, closing_changes=changes)
    assert failures(record) == [("7.4", check, layout.CLOSING)]


def test_signed_closing_statement_committing_to_other_audits_fails_alone(election: Election,
                                                                         record: Path):
    election.forger.reseal(record, closing_changes={"spoiled": {"count": 0,
                                                                "sha256": "ab" * 32}})
    assert failures(record) == [("8.3", "spoiled list committed", layout.SPOILED)]


# -- §1.2 one serialisation ----------------------------------------------------------------

def _compact_line(path: Path, index: int) -> None:
    lines = path.read_text("utf-8").splitlines(keepends=True)
    lines[index] = json.dumps(json.loads(lines[index]), sort_keys=True,
                              separators=(",", ":")) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def _indented(path: Path) -> None:
    path.write_text(json.dumps(json.loads(path.read_text("utf-8")), ensure_ascii=False,
                               indent=2, sort_keys=True) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", [layout.MANIFEST, layout.ELECTION, layout.CLOSING,
                                  layout.RESULTS, layout.AGGREGATE, "shares/custodian-2.json"])
def test_re_serialised_json_file_fails_the_canonical_form_alone(record: Path, name: str):
    _indented(record / name)
    assert failures(record) == [("1.2", "canonical form", name)]


def test_re_serialised_board_line_fails_the_canonical_form_alone(record: Path):
    _compact_line(record / layout.BOARD, 1)
    assert failures(record) == [("1.2", "canonical form", f"{layout.BOARD}:2")]


def test_re_serialised_spoiled_line_fails_the_canonical_form_alone(election: Election,
                                                                   record: Path):
    """The closing statement is re-signed over the new bytes, so only the form objects."""
    _compact_line(record / layout.SPOILED, 0)
    election.forger.reseal(record)
    assert failures(record) == [("1.2", "canonical form", f"{layout.SPOILED}:1")]


# -- §7.4, §7.6 server statements fail closed ----------------------------------------------

def _unparsable(signature):
    c, s = signature
    return {
        "missing": None,
        "null": [None, None],
        "one scalar": [c],
        "three scalars": [c, s, s],
        "not hex": ["zz" * 32, s],
        "upper case": [c.upper(), s],
        "numbers": [int(c, 16), int(s, 16)],
        "object": {"challenge": c, "response": s},
        "string": c + s,
        "not reduced": [c, (scalar_from_hex(s) + L).to_bytes(32, "little").hex()],
        "swapped": [s, c],
    }


SIGNATURES = sorted(_unparsable(["00" * 32, "00" * 32]))


def _set_signature(statement: dict, variant: str) -> dict:
    bad = _unparsable(statement["signature"])[variant]
    out = {k: v for k, v in statement.items() if k != "signature"}
    if bad is not None:
        out["signature"] = bad
    return out


@pytest.mark.parametrize("variant", SIGNATURES)
def test_closing_statement_without_a_valid_signature_fails_alone(record: Path, variant):
    closing_doc = read_json(record, layout.CLOSING)
    write_json(record, layout.CLOSING, _set_signature(closing_doc, variant))
    assert failures(record) == [("7.4", "closing statement", layout.CLOSING)]


def _receipt(election: Election, record: Path, position: int = 1) -> dict:
    entry = read_board(record)[position - 1]
    return election.forger.receipt({
        "election_id": election.ctx.election_id, "tracking_code": entry["tracking_code"],
        "position": entry["position"], "entry_hash": entry["entry_hash"],
        "received_at": entry["received_at"]})


def test_a_receipt_signed_by_the_receipt_key_is_found(election: Election, record: Path):
    assert failures(record, receipt=_receipt(election, record)) == []


@pytest.mark.parametrize("variant", SIGNATURES)
def test_receipt_without_a_valid_signature_fails_alone(election: Election, record: Path,
                                                       variant):
    receipt = _set_signature(_receipt(election, record), variant)
    item = f"receipt {receipt['tracking_code']} at position 1"
    assert failures(record, receipt=receipt) == [("7.6", "receipt signature", item)]


def test_signed_receipt_naming_another_place_fails_alone(election: Election, record: Path):
    receipt = _receipt(election, record, 2)
    receipt = election.forger.receipt({**receipt, "position": 1})
    item = f"receipt {receipt['tracking_code']} at position 1"
    assert failures(record, receipt=receipt) == [("7.6", "receipt on the board", item)]


# -- §10.2 decryption shares ---------------------------------------------------------------

def _share_rows(record: Path, j: int) -> tuple[dict, list]:
    share = read_json(record, layout.share_file(j))
    return share, share["contests"]["gob-jal"]


@pytest.mark.parametrize("change", ["response", "partial decryption"])
def test_wrong_decryption_share_proof_fails_alone(record: Path, change: str):
    """Custodian 3's share is wrong; custodians 1 and 2 still give the results."""
    share, rows = _share_rows(record, 3)
    d, c, s = rows[0]
    if change == "response":
        rows[0] = [d, c, hexs(scalar_from_hex(s) + 1)]
    else:
        rows[0] = [rows[1][0], c, s]
    write_json(record, layout.share_file(3), share)
    assert failures(record) == [("10.2", "decryption share proof", "custodian 3")]
    assert read_json(record, layout.RESULTS)["custodians_used"] == [1, 2]


def test_closing_ceremony_sets_the_wrong_share_aside(election: Election):
    """The same wrong share handed in at the closing ceremony: set aside by name, and the
    results come from the custodians whose proofs hold."""
    ready = election.ready
    aggregate = closing.aggregate(ready.board, ready.ctx.election_id)
    shares = {j: tally.decrypt_share(ready.ctx, aggregate, j, secret, key)
              for j, (secret, key) in election.forger.key_shares.items()}
    d, c, s = shares[3]["contests"]["gob-jal"][0]
    shares[3]["contests"]["gob-jal"][0] = [d, c, hexs(scalar_from_hex(s) + 1)]
    results, valid, rejected = closing.combine(ready.ctx, ready.ceremony.transcript(),
                                               aggregate, list(shares.values()))
    assert rejected == [3] and sorted(valid) == [1, 2]
    assert results == read_json(election.record, layout.RESULTS)


# -- the command an observer runs ----------------------------------------------------------

def test_vmre_verify_names_the_inner_check(election: Election, record: Path):
    position = JAL_VOTER + 1
    entry = replace_ballot(election, record, position,
                           _bits(election, read_board(record)[position - 1]["ballot"]))
    vmre = Path(sys.executable).with_name("vmre")
    run = subprocess.run([str(vmre), "verify", str(record)], capture_output=True, text=True,
                         timeout=600, check=False)
    assert run.returncode == 1
    fails = [line for line in run.stdout.splitlines() if line.startswith("FAIL")]
    assert fails == [f"FAIL §6.3 ballot proofs and signature [{label(entry)}]: "
                     "bad_option_proof contest=gob-jal option=0"]
    assert tracking_code(entry["ballot"]) == entry["tracking_code"]
