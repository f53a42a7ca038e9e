"""Tampering as an insider holding every key would do it.

A negative test must reach the check it names: a ballot changed and left with its old
signature is refused by the signature check, never by the check under test. These helpers
change a ballot and then re-sign it with the voter's own key; for a record they also recompute
what hangs on it (tracking codes, the hash chain, the aggregate, the decryption shares and the
results) and re-sign the closing statement with the election's receipt key, so that exactly one
check of `vmre verify` is left to object.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from vmre.crypto import elgamal, proofs, schnorr
from vmre.crypto.elgamal import Ciphertext
from vmre.crypto.encoding import canonical_json
from vmre.crypto.group import (
    G,
    L,
    Point,
    base_mul,
    point_from_hex,
    random_scalar,
    scalar_bytes,
    scalar_from_hex,
)
from vmre.record import layout
from vmre.record.writer import write_record
from vmre.simulacro.run import passphrase
from vmre.voting import ballot as ballots
from vmre.voting import closing, tally
from vmre.voting.board import CLOSING_TAG, RECEIPT_TAG, server_sign
from vmre.voting.chain import entry_hash
from vmre.voting.context import ElectionContext


def hexs(k: int) -> str:
    return scalar_bytes(k).hex()


def sign_ballot(ctx: ElectionContext, key: int, document: dict) -> dict:
    """`document` under voter `key`'s credential, signed anew by that voter."""
    body = {k: v for k, v in copy.deepcopy(document).items() if k != "signature"}
    credential = base_mul(key)
    body["credential"] = credential.hex()
    sig = schnorr.sign(ballots.SIGNATURE_TAG, key, credential, canonical_json(body),
                       (ctx.base_hash,))
    return {**body, "signature": [hexs(sig.challenge), hexs(sig.response)]}


def contest(ctx: ElectionContext, credential: Point, proved_as: str, plaintexts: Sequence[int],
            label: str | None = None) -> dict:
    """A contest whose option k encrypts plaintexts[k], proved as options of contest
    `proved_as`: each 0/1 proof holds where the plaintext is 0 or 1 (otherwise it is an honest
    prover's attempt, which fails), and the sum proof holds exactly when the plaintexts add up
    to 1. `label` is the contest id written in the ballot (default: `proved_as`)."""
    pk = ctx.joint_key
    choices, rs = [], []
    for k, m in enumerate(plaintexts):
        r = random_scalar()
        ct = elgamal.encrypt(pk, m, r)
        p = proofs.prove_bit(pk, ct, 1 if m == 1 else 0, r,
                             ballots.option_context(ctx, credential, proved_as, k))
        rs.append(r)
        choices.append({"alpha": ct.alpha.hex(), "beta": ct.beta.hex(),
                        "proof": [hexs(p.c0), hexs(p.c1), hexs(p.s0), hexs(p.s1)]})
    total = elgamal.add_all(elgamal.encrypt(pk, m, r) for m, r in zip(plaintexts, rs,
                                                                       strict=True))
    sp = proofs.prove_equal_logs(ballots.SUM_TAG, pk, total.alpha, total.beta - G, sum(rs) % L,
                                 ballots.sum_context(ctx, credential, proved_as))
    return {"id": label or proved_as, "choices": choices,
            "sum_proof": [hexs(sp.challenge), hexs(sp.response)]}


def one_hot(n: int, index: int = 0) -> list[int]:
    return [int(k == index) for k in range(n)]


def options(ctx: ElectionContext, contest_id: str) -> int:
    return len(ctx.manifest.contest(contest_id).options)


def with_contest(ctx: ElectionContext, key: int, document: dict, index: int,
                 plaintexts: Sequence[int], proved_as: str | None = None,
                 label: str | None = None) -> dict:
    """The ballot with contest `index` replaced (see `contest`), re-signed by its voter."""
    doc = copy.deepcopy(document)
    cid = doc["contests"][index]["id"]
    doc["contests"][index] = contest(ctx, base_mul(key), proved_as or cid, plaintexts, label)
    return sign_ballot(ctx, key, doc)


# -- records -------------------------------------------------------------------------------

def read_board(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / layout.BOARD).read_text("utf-8").splitlines()]


def read_json(folder: Path, name: str) -> dict:
    return json.loads((folder / name).read_text("utf-8"))


def write_json(folder: Path, name: str, data: object) -> None:
    (folder / name).write_text(layout.file_text(data), encoding="utf-8")


def chain(base_hash: str, entries: list[dict]) -> list[dict]:
    """Board entries for `entries` (each with "ballot" and "received_at"; a "tracking_code",
    "position" or "prev_hash" given is kept, as a forger would write it), linked anew."""
    out, prev = [], base_hash
    for position, e in enumerate(entries, start=1):
        pos = e.get("position", position)
        tracking = e.get("tracking_code") or ballots.tracking_code(e["ballot"])
        link_from = e.get("prev_hash", prev)
        link = e.get("entry_hash") or entry_hash(link_from, pos, tracking, e["received_at"])
        out.append({"position": pos, "tracking_code": tracking, "received_at": e["received_at"],
                    "prev_hash": link_from, "entry_hash": link, "ballot": e["ballot"]})
        prev = link
    return out


class RecordForger:
    """Rewrites a record folder consistently after a change, with the election's keys: the
    receipt key (closing statement, receipts) and every custodian's key share."""

    def __init__(self, ctx: ElectionContext, receipt_secret: int,
                 key_shares: dict[int, tuple[int, Point]]) -> None:
        self.ctx = ctx
        self.receipt_secret = receipt_secret
        self.key_shares = key_shares  # custodian -> (secret share, verification key)

    def write_board(self, folder: Path, entries: list[dict]) -> None:
        with open(folder / layout.BOARD, "w", encoding="utf-8", newline="") as fh:
            fh.writelines(layout.line_text(e) for e in entries)

    def write_spoiled(self, folder: Path, spoiled: list[dict]) -> None:
        with open(folder / layout.SPOILED, "w", encoding="utf-8", newline="") as fh:
            fh.writelines(layout.line_text(s) for s in spoiled)

    def reseal(self, folder: Path, counted: Sequence[dict] | None = None,
               closing_changes: dict | None = None) -> None:
        """Closing statement (final hash, count, spoiled list) re-signed; aggregate, shares and
        results recomputed from the `counted` ballots (default: every ballot on the board)."""
        board = read_board(folder)
        closing = read_json(folder, layout.CLOSING)
        spoiled = (folder / layout.SPOILED).read_bytes()
        closing.update(ballots=len(board), final_hash=board[-1]["entry_hash"] if board else
                       self.ctx.base_hash.hex(),
                       spoiled={"count": spoiled.count(b"\n"),
                                "sha256": hashlib.sha256(spoiled).hexdigest()})
        closing.update(closing_changes or {})
        write_json(folder, layout.CLOSING, server_sign(CLOSING_TAG, self.receipt_secret,
                                                       closing))
        docs = [e["ballot"] for e in board] if counted is None else list(counted)
        aggregate = tally.aggregate_document(self.ctx, tally.partial_sums(
            ballots.parse_ballot(self.ctx, d) for d in docs))
        write_json(folder, layout.AGGREGATE, aggregate)
        shares = {}
        for j, (secret, key) in sorted(self.key_shares.items()):
            if (folder / layout.share_file(j)).exists():
                shares[j] = tally.decrypt_share(self.ctx, aggregate, j, secret, key)
                write_json(folder, layout.share_file(j), shares[j])
        write_json(folder, layout.RESULTS, tally.combine_results(self.ctx, aggregate, shares))

    def receipt(self, statement: dict) -> dict:
        return server_sign(RECEIPT_TAG, self.receipt_secret, statement)


def ciphertexts(document: dict, index: int) -> list[Ciphertext]:
    from vmre.crypto.group import point_from_hex

    return [Ciphertext(point_from_hex(c["alpha"]), point_from_hex(c["beta"]))
            for c in document["contests"][index]["choices"]]


def signature_scalars(statement: dict) -> tuple[int, int]:
    c, s = statement["signature"]
    return scalar_from_hex(c), scalar_from_hex(s)


def audit_close_and_record(ready, base: Path, auditor: int, choices: dict,
                           custodians: Sequence[int] = (1, 2, 3)) -> tuple[Path, RecordForger]:
    """Voter `auditor` audits one ballot, the board closes, `custodians` decrypt, and the record
    is written under `base`/record; with the forger holding every key of that election."""
    eid = ready.ctx.election_id
    audited, nonces = ballots.encrypt_ballot(ready.ctx, "JAL", ready.key(auditor), choices)
    ready.board.spoil(eid, audited, ballots.reveal(audited, choices, nonces))
    closing_doc = ready.board.close(eid)
    aggregate = closing.aggregate(ready.board, eid)
    transcript = ready.ceremony.transcript()
    secrets = {j: str(ready.folder / "custodians" / f"custodian-{j}.secret") for j in custodians}
    key_shares = {j: (ready.ceremony.key_share(j, passphrase(j, ready.seed), secrets[j]),
                      point_from_hex(transcript["verification_keys"][str(j)]))
                  for j in custodians}
    shares = [closing.custodian_decrypt(ready.ceremony, aggregate, j,
                                        passphrase(j, ready.seed), secrets[j])
              for j in custodians]
    results, valid, rejected = closing.combine(ready.ctx, transcript, aggregate, shares)
    assert not rejected
    record = write_record(base / "record", ready.board, eid, closing_doc, aggregate, valid,
                          results)
    receipt_secret = scalar_from_hex(ready.board.election(eid).receipt_key)
    return record, RecordForger(ready.ctx, receipt_secret, key_shares)


def edit_json(path: Path, change) -> None:
    """Change a record's JSON file in place, written back in the record's file form (§1.2)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(layout.file_text(data), encoding="utf-8")


def edit_line(path: Path, index: int, change) -> None:
    """Change line `index` of a record's JSON Lines file, written back in its file form."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    data = json.loads(lines[index])
    change(data)
    lines[index] = layout.line_text(data)
    path.write_text("".join(lines), encoding="utf-8")


def flip_hex(text: str) -> str:
    """The same hex text with its first digit changed."""
    return ("1" if text[0] != "1" else "2") + text[1:]
