"""Makes the conformance vectors (conformance/README.md) from the project's own code.

    .venv/bin/python conformance/generate.py [--seed 2026]

Honest records are whole small elections run through the real ceremony, board, closing, record
writer and count; tampered records are copies of them changed the way an attacker would, with
every digest, chain link and signature an earlier check would catch recomputed (with the
election's own keys, which only this script holds), so that only the checks named in each
vector's sidecar object. The seed fixes the voters, their choices, the absent custodians and
what is tampered; keys, sealed shares and nonces are fresh on every run, so regenerated
vectors differ in their bytes but not in what they prove.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from vmre.core.database import make_engine, migrate, session_factory
from vmre.count import acta_pdf
from vmre.count.actas import figures_hash
from vmre.count.entity_count import sums_text
from vmre.crypto import credentials as creds
from vmre.crypto.group import L, base_mul, random_scalar, scalar_from_hex
from vmre.record import layout
from vmre.record.verifier import verify_record
from vmre.record.writer import write_record
from vmre.simulacro.postal import run_postal
from vmre.simulacro.run import passphrase, run_ceremony
from vmre.voting import closing
from vmre.voting import fingerprint as fingerprints
from vmre.voting.ballot import encrypt_ballot, reveal, tracking_code
from vmre.voting.board import CLOSING_TAG, RECEIPT_TAG, Board, server_sign
from vmre.voting.chain import entry_hash
from vmre.voting.credential_list import sign_credential_list
from vmre.voting.manifest import Manifest
from vmre.voting.models import Election

HERE = Path(__file__).resolve().parent
RECORDS, VECTORS, RECEIPTS = HERE / "records", HERE / "vectors", HERE / "receipts"
OPENS = dt.datetime(2024, 5, 20, 12, 0, tzinfo=dt.UTC)
CLOSES = OPENS + dt.timedelta(days=1)


@dataclass
class Built:
    """An honest election and the secrets a tamperer with the election's keys would use."""

    name: str
    record: Path
    manifest: Manifest
    fingerprint: str
    receipt_secret: int
    issuer_secret: int
    voter_keys: list[int]
    receipts: list[dict] = field(default_factory=list)


# -- honest elections ---------------------------------------------------------------------------

def build(name: str, work: Path, manifest_file: str, seed: int, *, custodians: int = 3,
          threshold: int = 2, absent: tuple[int, ...] = (), cheater: int | None = None,
          policy: str = "single", postal: bool = False,
          plan: list[tuple[int, str]] = ()) -> Built:
    """`plan`: (voter, "cast" | "audit") in the order the board receives them; voter i is of
    entity JAL for even i, CDMX for odd i."""
    rng = random.Random(f"{seed}-{name}")
    folder = work / name
    manifest_text = (HERE / "manifests" / manifest_file).read_text(encoding="utf-8")
    ceremony = run_ceremony(folder, manifest_text, custodians, threshold, seed, cheater)
    ctx = ceremony.context()
    manifest = ctx.manifest
    engine = make_engine(f"sqlite:///{folder / 'servidor.sqlite'}")
    migrate(engine)
    sessions = session_factory(engine)
    board = Board(sessions)
    issuer = random_scalar()
    postal_entities = list(manifest.entities) if postal else []
    eid = board.register(ceremony, policy, issuer=base_mul(issuer), postal=postal_entities)
    voters = sorted({v for v, _ in plan})
    entity = {v: ("JAL", "CDMX")[v % 2] for v in voters}
    secrets = {v: creds.generate(eid) for v in voters}
    board.load_credentials(eid, sign_credential_list(
        eid, issuer, [(secrets[v].public, entity[v]) for v in voters]))
    board.schedule(eid, OPENS, CLOSES)
    keys = {v: creds.signing_key(eid, secrets[v].secret) for v in voters}
    receipts = []
    for minute, (voter, action) in enumerate(plan, start=1):
        when = OPENS + dt.timedelta(minutes=7 * minute)
        selections = {c.id: rng.choice(c.options).id for c in manifest.contests_for(entity[voter])}
        document, nonces = encrypt_ballot(ctx, entity[voter], keys[voter], selections)
        if action == "audit":
            board.spoil(eid, document, reveal(document, selections, nonces), when)
        else:
            receipts.append(board.cast(eid, document, when))
    closing_doc = board.close(eid)
    aggregate = closing.aggregate(board, eid)
    shares = [closing.custodian_decrypt(ceremony, aggregate, j, passphrase(j, seed),
                                        str(folder / "custodians" / f"custodian-{j}.secret"))
              for j in range(1, custodians + 1) if j not in absent]
    results, valid, _rejected = closing.combine(ctx, ceremony.transcript(), aggregate, shares)
    record = write_record(folder / "record", board, eid, closing_doc, aggregate, valid, results)
    if postal:
        lnere = folder / "lnere-postal.jsonl"
        lnere.write_text(_postal_lnere(eid, manifest.entities, rng), encoding="utf-8")
        run_postal(record, manifest, results, seed, sessions, lnere, {})
    with sessions() as s:
        receipt_secret = scalar_from_hex(s.scalar(select(Election.receipt_key)))
    fingerprint = board.fingerprint(eid)[0]
    engine.dispose()
    return Built(name, record, manifest, fingerprint, receipt_secret, issuer,
                 [keys[v] for v in voters], receipts)


def _postal_lnere(election_id: str, entities: tuple[str, ...], rng: random.Random) -> str:
    """The registry's postal list (docs/count.md §2.1): two postal voters per entity."""
    from vmre.registry.postal_lnere import check_digit

    lines = []
    for k, ent in enumerate(e for e in entities for _ in range(2)):
        digits = "".join(rng.choice("0123456789") for _ in range(14))
        lines.append({"folio": f"SRVE-CONF{k:06d}", "entity": ent,
                      "full_name": f"Votante Postal {k}", "address": ["1 Main St",
                                                                      "Springfield, IL 62701"],
                      "country": "US", "country_name": "Estados Unidos",
                      "envelope": f"VMR{digits}{check_digit(digits)}"})
    header = {"format": "vmre/postal-lnere/v1", "election_id": election_id, "entity": None,
              "addendum": False, "voters": len(lines)}
    return "".join(json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                   + "\n" for x in [header, *lines])


# -- what a tamperer recomputes --------------------------------------------------------------

def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: object) -> None:
    path.write_text(layout.file_text(data), encoding="utf-8")


def _board(record: Path) -> list[dict]:
    return [json.loads(x) for x in (record / layout.BOARD).read_text().splitlines()]


def _write_board(record: Path, entries: list[dict]) -> str:
    """Positions renumbered, the chain recomputed from the base hash; the final hash."""
    prev = _read(record / layout.ELECTION)["base_hash"]
    for position, entry in enumerate(entries, start=1):
        entry.update(position=position, prev_hash=prev)
        entry["entry_hash"] = prev = entry_hash(prev, position, entry["tracking_code"],
                                                entry["received_at"])
    (record / layout.BOARD).write_text("".join(layout.line_text(e) for e in entries))
    return prev


def _resign_closing(record: Path, secret: int, **changes: object) -> None:
    statement = {k: v for k, v in _read(record / layout.CLOSING).items() if k != "signature"}
    statement.update(changes)
    _write(record / layout.CLOSING, server_sign(CLOSING_TAG, secret, statement))


def _refingerprint(record: Path, **changes: object) -> str:
    doc = _read(record / layout.FINGERPRINT)
    doc.update(changes)
    _write(record / layout.FINGERPRINT, doc)
    return fingerprints.fingerprint(doc)


def _new_receipt_key(record: Path, final_hash: str | None = None, **changes: object) -> None:
    """The record made self-consistent under a receipt key nothing outside it pins."""
    secret = random_scalar()
    key = base_mul(secret).hex()
    election = _read(record / layout.ELECTION)
    election["receipt_key"] = key
    election.update({k: v for k, v in changes.items() if k == "revote_policy"})
    _write(record / layout.ELECTION, election)
    statement = {"fingerprint": _refingerprint(record, receipt_key=key, **changes),
                 **{k: v for k, v in changes.items() if k == "revote_policy"}}
    if final_hash is not None:
        statement["final_hash"] = final_hash
    _resign_closing(record, secret, **statement)


def _resums(record: Path) -> None:
    files = {p.relative_to(record).as_posix(): p.read_bytes()
             for p in sorted((record / layout.ACTAS_DIR).rglob("*")) if p.is_file()}
    (record / layout.SUMS).write_text(sums_text(files), encoding="utf-8")


def _rewrite_entity_count(record: Path, manifest: Manifest, entity: str, figures: dict,
                          pdf_figures: dict | None = None) -> None:
    """computo/ENT.json with `figures`, their hash, a PDF printing `pdf_figures` (default the
    same figures) under that hash, its digest, and SHA256SUMS."""
    name = layout.entity_count_file(entity)
    doc = _read(record / name)
    digest = figures_hash(figures)
    pdf = acta_pdf.entity_acta_pdf(manifest, pdf_figures or figures, digest)
    (record / doc["pdf"]).write_bytes(pdf)
    doc.update(figures=figures, figures_sha256=digest,
               pdf_sha256=hashlib.sha256(pdf).hexdigest())
    _write(record / name, doc)
    _resums(record)


# -- the vectors ------------------------------------------------------------------------------

def tamper(name: str, base: Built, change) -> Path:
    target = RECORDS / name
    shutil.copytree(base.record, target)
    change(target)
    return target


def vectors(work: Path, seed: int) -> list[dict]:
    audit_plan = [(0, "cast"), (1, "cast"), (2, "audit"), (2, "cast"), (3, "cast")]
    single = build("single-all-present", work, "conformidad.yaml", seed, plan=audit_plan)
    absent = build("single-absent-custodian", work, "conformidad.yaml", seed, custodians=4,
                   threshold=2, absent=(2,), cheater=4,
                   plan=[(0, "cast"), (1, "cast"), (2, "cast")])
    last = build("last-revote", work, "conformidad.yaml", seed, policy="last",
                 plan=[(0, "cast"), (1, "cast"), (0, "cast"), (2, "cast"), (1, "cast"),
                       (0, "cast")])
    coalition = build("coalition-out-of-order", work, "coalicion-desordenada.yaml", seed,
                      plan=[(0, "cast"), (2, "cast"), (4, "cast"), (6, "cast"), (1, "cast")])
    postal = build("postal-counts", work, "conformidad.yaml", seed, absent=(1,), postal=True,
                   plan=[(0, "cast"), (1, "cast"), (2, "cast")])
    out: list[dict] = []

    def honest(b: Built, exercises: str) -> None:
        shutil.copytree(b.record, RECORDS / b.name)
        out.append({"name": b.name, "record": f"records/{b.name}", "fingerprint": b.fingerprint,
                    "expect": "pass", "exercises": exercises})

    honest(single, "policy single, every custodian present, one audited (spoiled) ballot, "
                   "internet only (postal: [])")
    honest(absent, "n = 4, t = 2: custodian 4 dealt a bad share and did not answer the "
                   "complaint (disqualified, accusations), custodian 2 absent at the close "
                   "(custodians_used [1, 3]); no audited ballot: spoiled.jsonl is empty")
    honest(last, "policy last: voter 0 votes three times and voter 1 twice; 6 entries on "
                 "the board, 3 counted")
    honest(coalition, "coalition sigamos lists its parties [morena, pt, pvem], out of the "
                      "manifest's party order, and its candidate comes first: combination "
                      "ids and option order follow docs/record.md §2.1")
    honest(postal, "postal counting tables for JAL and CDMX: actas/, SHA256SUMS, entity "
                   "counts with their PDFs; custodian 1 absent")

    def bad(name: str, base: Built, change, failures: list[tuple[str, str]], why: str,
            fingerprint: str | None = None, record: str | None = None) -> None:
        if change is not None:
            tamper(name, base, change)
        out.append({"name": name, "record": record or f"records/{name}",
                    "fingerprint": fingerprint or base.fingerprint, "expect": "fail",
                    "failures": [{"section": s, "check": c} for s, c in failures],
                    "why": why})

    def swap_under_new_key(r: Path) -> None:
        entries = _board(r)
        for key in ("tracking_code", "ballot"):
            entries[0][key], entries[2][key] = entries[2][key], entries[0][key]
        _new_receipt_key(r, final_hash=_write_board(r, entries))

    bad("receipt-key-replaced", single, swap_under_new_key, [("2.4", "fingerprint")],
        "two ballots swapped on the board, the chain recomputed and the closing statement "
        "re-signed under a new receipt key (election.json and fingerprint.json follow): the "
        "record is consistent with itself, but its keys no longer hash to the published "
        "fingerprint")

    def new_issuer(r: Path) -> None:
        listing = _read(r / layout.CREDENTIALS)
        from vmre.crypto.group import point_from_hex

        rows = [(point_from_hex(x["credential"]), x["entity"]) for x in listing["credentials"]]
        _write(r / layout.CREDENTIALS, sign_credential_list(
            listing["election_id"], random_scalar(),
            [*rows, (creds.generate(listing["election_id"]).public, "JAL")]))

    bad("issuer-key-replaced", single, new_issuer, [("5.3", "credential authority")],
        "a credential added to the list, which is re-signed by a key that is not the "
        "credential authority's key pinned in fingerprint.json")

    bad("policy-switched", single, lambda r: _new_receipt_key(r, revote_policy="last"),
        [("2.4", "fingerprint")],
        "the revoting policy switched from single to last in election.json, fingerprint.json "
        "and the closing statement, re-signed under a new receipt key")

    def late_ballot(r: Path) -> None:
        entries = _board(r)
        entries[-1]["received_at"] = (CLOSES + dt.timedelta(hours=3)).isoformat()
        _resign_closing(r, single.receipt_secret, final_hash=_write_board(r, entries))

    bad("received-after-close", single, late_ballot,
        [("7.5", "received in the voting window")],
        "the last ballot's received_at moved three hours after closes_at; the chain and the "
        "closing statement are recomputed and re-signed with the server's own key")

    def drop_spoiled(r: Path) -> None:
        (r / layout.SPOILED).write_text("")

    bad("spoiled-deleted", single, drop_spoiled, [("8.3", "spoiled list committed")],
        "the audited ballot deleted from spoiled.jsonl: the closing statement commits to one "
        "line and its SHA-256")

    def shift_time(r: Path) -> None:
        entries = _board(r)
        entries[1]["received_at"] = (OPENS + dt.timedelta(hours=5)).isoformat()
        (r / layout.BOARD).write_text("".join(layout.line_text(e) for e in entries))

    bad("entry-hash", single, shift_time, [("7.2", "entry hash")],
        "entry 2's received_at changed (still inside the window) without recomputing its "
        "entry_hash")

    def second_ballot(r: Path) -> None:
        entries = _board(r)
        first = entries[0]
        manifest = single.manifest
        from vmre.voting.context import ElectionContext

        election = _read(r / layout.ELECTION)
        ctx = ElectionContext.from_json(manifest, election)
        selections = {c.id: c.options[0].id for c in manifest.contests_for("JAL")}
        document, _ = encrypt_ballot(ctx, "JAL", single.voter_keys[0], selections)
        entries.append({"tracking_code": tracking_code(document), "ballot": document,
                        "received_at": (OPENS + dt.timedelta(hours=2)).isoformat()})
        assert document["credential"] == first["ballot"]["credential"]
        final = _write_board(r, entries)
        _resign_closing(r, single.receipt_secret, final_hash=final, ballots=len(entries))

    bad("second-ballot-single", single, second_ballot,
        [("6.6", "one ballot per credential")],
        "under policy single, a second valid ballot of voter 0 (signed with the voter's key) "
        "appended to the board, the chain and closing statement recomputed and re-signed by "
        "the server: only the first ballot of a credential may be on the board")

    def break_superseded(r: Path) -> None:
        entries = _board(r)
        ballot = entries[0]["ballot"]  # voter 0's first ballot: superseded under "last"
        choice = ballot["contests"][0]["choices"][0]
        choice["beta"], choice["alpha"] = choice["alpha"], choice["beta"]
        from vmre.crypto import schnorr
        from vmre.crypto.encoding import canonical_json
        from vmre.crypto.group import scalar_bytes
        from vmre.voting.ballot import SIGNATURE_TAG

        body = {k: v for k, v in ballot.items() if k != "signature"}
        key = last.voter_keys[0]
        sig = schnorr.sign(SIGNATURE_TAG, key, base_mul(key), canonical_json(body),
                           (bytes.fromhex(ballot["base_hash"]),))
        ballot["signature"] = [scalar_bytes(sig.challenge).hex(), scalar_bytes(sig.response).hex()]
        entries[0]["tracking_code"] = tracking_code(ballot)
        _resign_closing(r, last.receipt_secret, final_hash=_write_board(r, entries))

    bad("bad-option-proof", last, break_superseded,
        [("6.3", "ballot proofs and signature")],
        "voter 0's first ballot (superseded, so not in the aggregate) has one ciphertext's "
        "alpha and beta swapped; re-signed with the voter's key, tracking code, chain and "
        "closing statement recomputed: its 0/1 proof fails")

    def move_aggregate(r: Path) -> None:
        doc = _read(r / layout.AGGREGATE)
        options = doc["contests"]["gob-jal"]["options"]
        options[0], options[1] = options[1], options[0]
        _write(r / layout.AGGREGATE, doc)

    bad("aggregate-changed", single, move_aggregate,
        [("9.1", "aggregate"), ("9.1", "aggregate document")],
        "two options' encrypted sums swapped in aggregate.json")

    def break_share(r: Path) -> None:
        doc = _read(r / layout.share_file(3))
        row = doc["contests"]["gob-jal"][0]
        from vmre.crypto.group import G, point_from_hex

        row[0] = (point_from_hex(row[0], True) + G).hex()
        _write(r / layout.share_file(3), doc)

    bad("share-proof", single, break_share, [("10.2", "decryption share proof")],
        "custodian 3's partial decryption of the first option of gob-jal changed; custodians "
        "1 and 2 still give the results (custodians_used [1, 2])")

    def move_vote(r: Path) -> None:
        doc = _read(r / layout.RESULTS)
        counts = doc["contests"]["gob-jal"]["counts"]
        a, b = next(k for k, v in counts.items() if v > 0), "nulo"
        if a == b:
            b = "pan"
        counts[a], counts[b] = counts[a] - 1, counts[b] + 1
        _write(r / layout.RESULTS, doc)

    bad("results-changed", single, move_vote,
        [("11.2", "results"), ("11.2", "results document")],
        "one vote of gob-jal moved to another option in results.json")

    def extra_file(r: Path) -> None:
        (r / "resultados-finales.json").write_text('{"gob-jal": "pan"}\n')

    bad("file-outside-layout", single, extra_file, [("1.1", "files in the layout")],
        "a file that is not part of the layout added to the record")

    def drop_actas(r: Path) -> None:
        shutil.rmtree(r / layout.ACTAS_DIR)
        (r / layout.SUMS).unlink()

    bad("actas-deleted", postal, drop_actas, [("12.7", "expected counts")],
        "actas/ and SHA256SUMS deleted: the fingerprint announces postal tables for CDMX and "
        "JAL, so the record must hold their counts")

    def shifted_entity_count(r: Path) -> None:
        figures = _read(r / layout.entity_count_file("JAL"))["figures"]
        counts = figures["contests"]["dip-jal"]["counts"]
        a = next(k for k, v in counts.items() if v > 0)
        b = next(k for k in counts if k != a)
        counts[a], counts[b] = counts[a] - 1, counts[b] + 1
        _rewrite_entity_count(r, postal.manifest, "JAL", figures)

    bad("entity-count-changed", postal, shifted_entity_count, [("12.5", "entity count")],
        "one vote of dip-jal moved to another option in JAL's entity count; figures_sha256, "
        "the PDF (printing the changed figures), pdf_sha256 and SHA256SUMS recomputed")

    def pdf_lies(r: Path) -> None:
        figures = _read(r / layout.entity_count_file("JAL"))["figures"]
        printed = json.loads(json.dumps(figures))
        printed["contests"]["gob-jal"]["electronic"]["ballots"] += 1
        printed["contests"]["gob-jal"]["total"] += 1
        _rewrite_entity_count(r, postal.manifest, "JAL", figures, printed)

    bad("pdf-figures", postal, pdf_lies, [("12.6", "acta PDF figures")],
        "JAL's acta PDF prints one internet vote more for gob-jal than its figures; the PDF's "
        "SHA-256 and SHA256SUMS recomputed, the figures and their hash unchanged")

    bad("other-election", last, None, [("2.4", "fingerprint")],
        "a whole other honest election (own ceremony, credentials, ballots and results) "
        "under the same manifest, checked against the published fingerprint of "
        "single-all-present", fingerprint=single.fingerprint, record="records/last-revote")

    # A voter's receipt (§7.6): the honest one holds, one signed by another key does not.
    RECEIPTS.mkdir(parents=True, exist_ok=True)
    receipt = single.receipts[1]
    (RECEIPTS / "single-all-present-2.json").write_text(json.dumps(receipt, indent=1) + "\n")
    out.append({"name": "receipt-honest", "record": "records/single-all-present",
                "fingerprint": single.fingerprint, "receipt": "receipts/single-all-present-2.json",
                "expect": "pass", "exercises": "a voter's receipt found on the board"})
    forged = server_sign(RECEIPT_TAG, random_scalar(),
                         {k: v for k, v in receipt.items() if k != "signature"})
    (RECEIPTS / "forged.json").write_text(json.dumps(forged, indent=1) + "\n")
    out.append({"name": "receipt-forged", "record": "records/single-all-present",
                "fingerprint": single.fingerprint, "receipt": "receipts/forged.json",
                "expect": "fail", "failures": [{"section": "7.6", "check": "receipt signature"}],
                "why": "the receipt's fields are the board's, but it is signed by a key that is "
                       "not the pinned receipt key"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    assert 0 < args.seed < L
    for folder in (RECORDS, VECTORS, RECEIPTS):
        shutil.rmtree(folder, ignore_errors=True)
    RECORDS.mkdir()
    VECTORS.mkdir()
    with tempfile.TemporaryDirectory() as tmp:
        found = vectors(Path(tmp), args.seed)
    for vector in found:
        (VECTORS / f"{vector['name']}.json").write_text(
            json.dumps(vector, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        report = verify_record(HERE / vector["record"], fingerprint=vector["fingerprint"],
                               receipt=json.loads((HERE / vector["receipt"]).read_text())
                               if vector.get("receipt") else None)
        got = sorted({(f.section, f.check) for f in report.failures})
        want = sorted((f["section"], f["check"]) for f in vector.get("failures", []))
        status = "ok" if got == want else f"MISMATCH {got}"
        print(f"{vector['name']:28} {vector['expect']:5} {status}")


if __name__ == "__main__":
    main()
