"""`vmre verify`'s checks of the election context (§2), the opening ceremony (§4), the
credential list (§5) and the actas (§12), each reached alone.

A change to the ceremony transcript is re-hashed all the way down, as an insider holding every
key would do it: the transcript hash in election.json, the base hash, fingerprint.json, every
ballot (re-encrypted and re-signed by its voter under the new base hash), the audited ballot,
the chain, the closing statement (re-signed with the receipt key, naming the new fingerprint),
the aggregate, the decryption shares and the results. A credential list is re-signed (by the
pinned credential authority, or by another key where that is the attack); the actas are
re-digested (their PDF hashes and SHA256SUMS). Each case then expects exactly the failures it
names: section, check and item.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from support.resign import (
    RecordForger,
    audit_close_and_record,
    chain,
    hexs,
    read_board,
    read_json,
    write_json,
)
from vmre.core.messages import UserError
from vmre.count import acta_pdf
from vmre.crypto import dkg, schnorr
from vmre.crypto.group import L, base_mul, point_from_hex, random_scalar, scalar_from_hex
from vmre.record import layout
from vmre.record.verifier import verify_record
from vmre.simulacro.election import ReadyElection, open_election
from vmre.simulacro.run import passphrase
from vmre.voting import fingerprint as fingerprints
from vmre.voting.ballot import encrypt_ballot, reveal, tracking_code
from vmre.voting.context import ElectionContext, transcript_hash
from vmre.voting.credential_list import sign_credential_list
from vmre.voting.manifest import parse_manifest

JAL = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}
CDMX = {"jefatura-cdmx": "morena"}
CHOICES = {"JAL": JAL, "CDMX": CDMX}
# Voters 0-3 cast (board positions 1-4), voter 4 only audits a ballot, voter 5 never votes.
ENTITIES = ("JAL", "CDMX", "JAL", "JAL", "JAL", "CDMX")
CAST = 4
CONFORMANCE = Path(__file__).resolve().parents[2] / "conformance" / "records"


class Election:
    def __init__(self, ready: ReadyElection, record: Path,
                 key_shares: dict[int, tuple[int, object]], receipt_secret: int) -> None:
        self.ready, self.record = ready, record
        self.key_shares, self.receipt_secret = key_shares, receipt_secret

    @property
    def ctx(self) -> ElectionContext:
        return self.ready.ctx

    def key(self, voter: int) -> int:
        return self.ready.key(voter)

    def credential(self, voter: int) -> str:
        return base_mul(self.key(voter)).hex()


@pytest.fixture(scope="module")
def election(tmp_path_factory) -> Election:
    base = tmp_path_factory.mktemp("resigned-context")
    ready = open_election(base / "election", f"sqlite:///{base / 'vmre.sqlite'}",
                          entities=ENTITIES)
    eid = ready.ctx.election_id
    for i in range(CAST):
        ready.board.cast(eid, encrypt_ballot(ready.ctx, ENTITIES[i], ready.key(i),
                                             CHOICES[ENTITIES[i]])[0])
    record, forger = audit_close_and_record(ready, base, 4, JAL)
    return Election(ready, record, forger.key_shares, forger.receipt_secret)


@pytest.fixture
def record(election: Election, tmp_path) -> Path:
    target = tmp_path / "record"
    shutil.copytree(election.record, target)
    return target


def failures(folder: Path) -> list[tuple[str, str, str]]:
    return [(f.section, f.check, f.item) for f in verify_record(folder).failures]


def label(entry: dict) -> str:
    return f"ballot {entry['tracking_code']} at position {entry['position']}"


def test_pristine_record_verifies(election: Election):
    assert failures(election.record) == []


# -- §2 the election context ---------------------------------------------------------------
# election.json is signed by nobody: what a forger changes in it is caught by the check that
# recomputes it, and by nothing else when the other values are left as they were.

@pytest.mark.parametrize(("member", "value", "section", "check"), [
    ("manifest_hash", "ab" * 32, "2.2", "manifest hash"),
    ("election_id", "otra-eleccion", "2.2", "election id"),
    ("base_hash", "cd" * 32, "2.3", "base hash"),
])
def test_election_json_member_that_does_not_follow_fails_alone(record: Path, member, value,
                                                              section, check):
    election_doc = read_json(record, layout.ELECTION)
    election_doc[member] = value
    write_json(record, layout.ELECTION, election_doc)
    assert failures(record) == [(section, check, layout.ELECTION)]


# -- §4 the opening ceremony, re-hashed all the way down -------------------------------------

def rebase(election: Election, folder: Path, transcript: dict,
           key_shares: dict[int, tuple[int, object]] | None = None) -> None:
    """The record of the same votes after the ceremony's `transcript`: every value that hangs
    on the transcript hash recomputed and re-signed with the election's own keys."""
    write_json(folder, layout.TRANSCRIPT, transcript)
    election_doc = read_json(folder, layout.ELECTION)
    manifest = parse_manifest(json.dumps(read_json(folder, layout.MANIFEST),
                                         ensure_ascii=False), layout.MANIFEST)
    ctx = ElectionContext(manifest, point_from_hex(election_doc["joint_public_key"]),
                          election_doc["custodians"], election_doc["threshold"],
                          transcript_hash(transcript))
    election_doc.update(transcript_hash=ctx.transcript_hash.hex(), base_hash=ctx.base_hash.hex())
    write_json(folder, layout.ELECTION, election_doc)
    prints = read_json(folder, layout.FINGERPRINT)
    prints["base_hash"] = ctx.base_hash.hex()
    write_json(folder, layout.FINGERPRINT, prints)
    board = read_board(folder)
    docs = [encrypt_ballot(ctx, ENTITIES[i], election.key(i), CHOICES[ENTITIES[i]])[0]
            for i in range(CAST)]
    forger = RecordForger(ctx, election.receipt_secret, key_shares or election.key_shares)
    forger.write_board(folder, chain(ctx.base_hash.hex(), [
        {"ballot": d, "received_at": e["received_at"]} for d, e in zip(docs, board,
                                                                       strict=True)]))
    audited, nonces = encrypt_ballot(ctx, "JAL", election.key(4), JAL)
    spoiled = json.loads((folder / layout.SPOILED).read_text("utf-8"))
    forger.write_spoiled(folder, [{**spoiled, "ballot": audited,
                                   "disclosure": reveal(audited, JAL, nonces),
                                   "tracking_code": tracking_code(audited)}])
    forger.reseal(folder, closing_changes={"fingerprint": fingerprints.fingerprint(prints)})


def test_transcript_re_hashed_with_nothing_changed_verifies(election: Election, record: Path):
    """The rewriting alone leaves a record that verifies: each failure below is its change's."""
    before = {e["tracking_code"] for e in read_board(record)}
    rebase(election, record, read_json(record, layout.TRANSCRIPT))
    assert failures(record) == []
    assert not before & {e["tracking_code"] for e in read_board(record)}  # all re-encrypted


VERDICT_CASES = {
    "a dealer added to the disqualified": (
        lambda t: t["disqualified"].update({"3": "invalid proof of knowledge"}),
        ["disqualified"]),
    "an accusation added": (
        lambda t: t["accusations"].append({"dealer": 1, "custodian": 2,
                                           "outcome": "answered"}),
        ["accusations"]),
    "a qualified dealer left out": (lambda t: t.update(qualified=[1, 2]), ["qualified"]),
    "a verification key replaced": (
        lambda t: t["verification_keys"].update({"3": t["verification_keys"]["1"]}),
        ["verification_keys"]),
}


@pytest.mark.parametrize("case", sorted(VERDICT_CASES))
def test_ceremony_verdict_altered_and_re_hashed_fails_alone(election: Election, record: Path,
                                                            case):
    change, keys = VERDICT_CASES[case]
    transcript = read_json(record, layout.TRANSCRIPT)
    change(transcript)
    rebase(election, record, transcript)
    assert failures(record) == [("4.3", "ceremony verdict", f"{layout.TRANSCRIPT}:{key}")
                                for key in keys]


def test_commitment_changed_with_its_proof_and_re_hashed_fails_alone(election: Election,
                                                                     record: Path):
    """Dealer 1's second coefficient replaced by one the forger knows, with a valid proof of
    knowledge; the custodians' key shares shift with it (the joint key does not), and the
    shares of the decryption are made with the shifted keys. Only the verification keys the
    transcript publishes no longer follow from its commitments."""
    transcript = read_json(record, layout.TRANSCRIPT)
    params = transcript["parameters"]
    context = (params["election_id"], bytes.fromhex(params["manifest_hash"]),
               params["custodians"], params["threshold"])
    announcement = transcript["announcements"]["1"]
    new = random_scalar()
    commitment = base_mul(new)
    proof = schnorr.prove_knowledge(dkg.COEFFICIENT_TAG, new, commitment, (*context, 1, 1))
    announcement["commitments"][1] = commitment.hex()
    announcement["proofs"][1] = [hexs(proof.challenge), hexs(proof.response)]
    # f_1(j) gains (new - a_11)·j: custodian j's key share moves by as much, and f_1(0), the
    # joint key's part, does not move. Dealer 1 knows a_11 (its own secret file).
    shift = (new - _coefficient(election, 1, 1)) % L
    shares = {}
    for j, (secret, _key) in election.key_shares.items():
        moved = (secret + shift * j) % L
        shares[j] = (moved, base_mul(moved))
    rebase(election, record, transcript, shares)
    assert failures(record) == [("4.3", "ceremony verdict",
                                 f"{layout.TRANSCRIPT}:verification_keys")]


@pytest.mark.parametrize("revealed", ["the share", "another value"])
def test_complaint_answered_with_a_wrong_share_and_re_hashed(election: Election, record: Path,
                                                             revealed: str):
    """Custodian 2 complains against dealer 1, who answers by revealing f_1(2); the transcript
    says the complaint was answered and dealer 1 stays qualified, and everything is re-hashed.
    With the true share that holds. With another value the verdict is "upheld": dealer 1 is
    out, so the joint key and every verification key the verifier derives differ from the
    published ones, and the custodians' shares no longer check against them."""
    transcript = read_json(record, layout.TRANSCRIPT)
    share = sum(_coefficient(election, 1, k) * 2 ** k for k in range(2)) % L
    if revealed != "the share":
        share = (share + 1) % L
    transcript["complaints"]["2"] = [1]
    transcript["responses"] = {"1": {"2": hexs(share)}}
    transcript["accusations"] = [{"dealer": 1, "custodian": 2, "outcome": "answered"}]
    rebase(election, record, transcript)
    if revealed == "the share":
        assert failures(record) == []
        return
    verdict = [("4.3", "ceremony verdict", f"{layout.TRANSCRIPT}:{key}")
               for key in ("qualified", "disqualified", "accusations", "joint_public_key",
                           "verification_keys")]
    assert failures(record) == [*verdict, ("4.4", "joint key", layout.ELECTION),
                                *(("10.2", "decryption share proof", f"custodian {j}")
                                  for j in (1, 2, 3)),
                                ("11.1", "enough shares", layout.RESULTS)]


def test_proof_of_knowledge_broken_and_re_hashed(election: Election, record: Path):
    """Dealer 3's proof for its second commitment answers another challenge; the transcript
    still counts dealer 3 in, and everything is re-hashed. The verifier disqualifies it
    ("invalid proof of knowledge"), so its verdict, joint key and verification keys are not
    the published ones, and the custodians' shares do not check against them."""
    transcript = read_json(record, layout.TRANSCRIPT)
    c, s = transcript["announcements"]["3"]["proofs"][1]
    transcript["announcements"]["3"]["proofs"][1] = [c, hexs(scalar_from_hex(s) + 1)]
    rebase(election, record, transcript)
    report = verify_record(record)
    verdict = [("4.3", "ceremony verdict", f"{layout.TRANSCRIPT}:{key}")
               for key in ("qualified", "disqualified", "joint_public_key",
                           "verification_keys")]
    assert [(f.section, f.check, f.item) for f in report.failures] == [
        *verdict, ("4.4", "joint key", layout.ELECTION),
        *(("10.2", "decryption share proof", f"custodian {j}") for j in (1, 2, 3)),
        ("11.1", "enough shares", layout.RESULTS)]
    assert "§4 custodian 3 disqualified: invalid proof of knowledge" in report.checks


def _coefficient(election: Election, dealer: int, k: int) -> int:
    """A dealer's polynomial coefficient, read from its own secret file."""
    secret = election.ready.ceremony._secret(  # the dealer's own sealed file
        election.ready.folder / "custodians" / f"custodian-{dealer}.secret",
        passphrase(dealer, election.ready.seed))
    return scalar_from_hex(secret["coefficients"][k])


# -- §5 the credential list ----------------------------------------------------------------

def rows(record: Path) -> list[tuple[object, str]]:
    return [(point_from_hex(r["credential"]), r["entity"])
            for r in read_json(record, layout.CREDENTIALS)["credentials"]]


def test_entry_removed_and_list_re_signed_by_another_key_fails_alone(election: Election,
                                                                     record: Path):
    """Voter 5 (who never voted) taken off the list, re-signed by a key that is not the
    credential authority's the fingerprint pins: the signature holds, the signer is wrong."""
    kept = [r for r in rows(record) if r[0].hex() != election.credential(5)]
    write_json(record, layout.CREDENTIALS, sign_credential_list(
        election.ctx.election_id, random_scalar(), kept))
    assert failures(record) == [("5.3", "credential authority", layout.CREDENTIALS)]


def test_duplicate_credential_under_another_entity_re_signed_by_the_authority(
        election: Election, record: Path):
    """Voter 0 (Jalisco) listed a second time under Mexico City, signed by the pinned
    authority: the list is refused (§5.2), so no credential is eligible (§6.1 for each
    ballot), and nothing counts."""
    doc = read_json(record, layout.CREDENTIALS)
    doc["credentials"].append({"credential": election.credential(0), "entity": "CDMX"})
    doc["credentials"].sort(key=lambda r: r["credential"])
    body = {k: v for k, v in doc.items() if k != "signature"}
    write_json(record, layout.CREDENTIALS, _sign_list(election.ready.issuer, body))
    report = verify_record(record)
    first = report.failures[0]
    assert (first.section, first.check, first.item, first.detail) == (
        "5.2", "credential list signature", layout.CREDENTIALS,
        str(UserError("voting.credentials.duplicate")))
    board = read_board(record)
    assert [(f.section, f.check, f.item) for f in report.failures[1:1 + CAST]] == [
        ("6.1", "eligibility", label(e)) for e in board]


def _sign_list(issuer_secret: int, body: dict) -> dict:
    from vmre.crypto.encoding import canonical_json
    from vmre.voting.credential_list import TAG

    sig = schnorr.sign(TAG, issuer_secret, base_mul(issuer_secret), canonical_json(body))
    return {**body, "signature": {"challenge": hexs(sig.challenge),
                                  "response": hexs(sig.response)}}


def test_credential_of_an_unknown_entity_re_signed_by_the_authority(election: Election,
                                                                    record: Path):
    """Voter 0 moved to an entity the manifest does not have, the list re-signed by the
    pinned authority: its ballot is refused (no contest belongs to that entity) and not
    counted; the aggregate, shares and results are recomputed without it. The list itself
    fails §5.4 for naming an entity with no contest."""
    moved = [(p, "ZZZ" if p.hex() == election.credential(0) else e) for p, e in rows(record)]
    write_json(record, layout.CREDENTIALS, sign_credential_list(
        election.ctx.election_id, election.ready.issuer, moved))
    board = read_board(record)
    forger = RecordForger(election.ctx, election.receipt_secret, election.key_shares)
    forger.reseal(record, counted=[e["ballot"] for e in board[1:]])
    report = verify_record(record)
    assert [(f.section, f.check, f.item, f.detail) for f in report.failures] == [
        ("5.4", "credential entity", layout.CREDENTIALS,
         "entities with no contest in the manifest: ZZZ"),
        ("6.3", "ballot proofs and signature", label(board[0]), "wrong_contests")]


def test_a_non_voting_credential_of_an_unknown_entity_fails_the_list(election: Election,
                                                                     record: Path):
    """The credential that never voted moved to an entity the manifest does not have, the
    list re-signed by the pinned authority: nothing else changes, and only §5.4 objects."""
    voted = {e["ballot"]["credential"] for e in read_board(record)} | {
        json.loads(line)["ballot"]["credential"]
        for line in (record / layout.SPOILED).read_text("utf-8").splitlines() if line}
    idle = next(p.hex() for p, _ in rows(record) if p.hex() not in voted)
    moved = [(p, "ZZZ" if p.hex() == idle else e) for p, e in rows(record)]
    write_json(record, layout.CREDENTIALS, sign_credential_list(
        election.ctx.election_id, election.ready.issuer, moved))
    assert [(f.section, f.check, f.detail) for f in verify_record(record).failures] == [
        ("5.4", "credential entity", "entities with no contest in the manifest: ZZZ")]


# -- §12 the actas (the conformance record with postal counting tables) ---------------------

@pytest.fixture
def postal(tmp_path) -> Path:
    target = tmp_path / "postal"
    shutil.copytree(CONFORMANCE / "postal-counts", target)
    assert failures(target) == []
    return target


def _resums(folder: Path) -> None:
    names = sorted(p.relative_to(folder).as_posix()
                   for p in (folder / layout.ACTAS_DIR).rglob("*") if p.is_file())
    (folder / layout.SUMS).write_text("".join(
        f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n" for n in names),
        encoding="utf-8")


def test_table_acta_figures_changed_and_re_digested_fail_the_entity_count(postal: Path):
    """One vote of JAL's postal table moved to another option (the table stays consistent),
    SHA256SUMS recomputed: JAL's count no longer is the sum of its tables."""
    name = f"{layout.ACTAS_DIR}/mesas/JAL-01.json"
    table = read_json(postal, name)
    counts = table["contests"]["dip-jal"]["counts"]
    a = next(k for k, v in counts.items() if v > 0)
    b = next(k for k in counts if k != a)
    counts[a], counts[b] = counts[a] - 1, counts[b] + 1
    write_json(postal, name, table)
    _resums(postal)
    assert failures(postal) == [("12.5", "entity count", layout.entity_count_file("JAL"))]


def test_entity_count_missing_and_re_digested(postal: Path):
    """Mexico City's count and its PDF deleted, SHA256SUMS recomputed over what is left."""
    name = layout.entity_count_file("CDMX")
    (postal / name).unlink()
    (postal / (name.removesuffix(".json") + ".pdf")).unlink()
    _resums(postal)
    assert failures(postal) == [("12.7", "expected counts", name),
                                ("12.5", "file present", name)]


def test_pdf_printing_the_contests_out_of_manifest_order_fails(postal: Path):
    """JAL's acta PDF printed with its two contests in the other order (each with its own
    figures); the figures and their hash are unchanged, the PDF's digest and SHA256SUMS
    recomputed. A reader takes each contest's totals from its section in ballot order: the
    contest whose heading does not follow in that order is named."""
    name = layout.entity_count_file("JAL")
    doc = read_json(postal, name)
    manifest_doc = read_json(postal, layout.MANIFEST)
    order = [c["id"] for c in manifest_doc["contests"]]
    assert order.index("gob-jal") < order.index("dip-jal")
    manifest_doc["contests"].reverse()
    reordered = parse_manifest(json.dumps(manifest_doc, ensure_ascii=False), layout.MANIFEST)
    pdf = acta_pdf.entity_acta_pdf(reordered, doc["figures"], doc["figures_sha256"])
    (postal / doc["pdf"]).write_bytes(pdf)
    doc["pdf_sha256"] = hashlib.sha256(pdf).hexdigest()
    write_json(postal, name, doc)
    _resums(postal)
    report = verify_record(postal)
    assert [(f.section, f.check, f.item, f.detail) for f in report.failures] == [
        ("12.6", "acta PDF figures", f"{doc['pdf']}:dip-jal",
         "the PDF does not print the contest's heading, in manifest order")]
