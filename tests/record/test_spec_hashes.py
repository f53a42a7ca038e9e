"""docs/record.md §1.3–§1.4 recomputed from the text alone, with hashlib and json only, on a
conformance record: which values are hashed as raw bytes and which as hex text, item by item."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

RECORD = Path(__file__).resolve().parents[2] / "conformance/records/single-all-present"


def _cj(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _enc(raw: bytes) -> bytes:
    return len(raw).to_bytes(4, "big") + raw


def _h32(tag: str, *parts: bytes) -> bytes:
    h = hashlib.sha512(_enc(tag.encode()))
    for part in parts:
        h.update(_enc(part))
    return h.digest()[:32]


def _int(n: int) -> bytes:
    return n.to_bytes(32, "little")


def _read(name: str) -> dict:
    return json.loads((RECORD / name).read_text(encoding="utf-8"))


def test_digests_of_the_record_follow_the_table_of_section_1_4():
    manifest, election = _read("manifest.json"), _read("election.json")
    transcript = _read("ceremony/transcript.json")
    assert hashlib.sha256(_cj(manifest)).hexdigest() == election["manifest_hash"]
    assert hashlib.sha256(_cj(transcript)).hexdigest() == election["transcript_hash"]
    base = _h32("vmre/election/v1", election["election_id"].encode(),
                bytes.fromhex(election["manifest_hash"]),
                bytes.fromhex(election["joint_public_key"]),
                _int(election["custodians"]), _int(election["threshold"]),
                bytes.fromhex(election["transcript_hash"]))
    assert base.hex() == election["base_hash"]
    inputs = _read("fingerprint.json")
    assert hashlib.sha256(_cj(inputs)).hexdigest() == _read("closing.json")["fingerprint"]

    prev = election["base_hash"]
    lines = (RECORD / "board.jsonl").read_text().splitlines()
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert hashlib.sha256(_cj(entry["ballot"])).hexdigest() == entry["tracking_code"]
        assert entry["ballot"]["base_hash"] == election["base_hash"]  # hex text in the ballot
        assert entry["prev_hash"] == prev
        prev = _h32("vmre/board-entry/v1", bytes.fromhex(prev), _int(entry["position"]),
                    bytes.fromhex(entry["tracking_code"]), entry["received_at"].encode()).hex()
        assert prev == entry["entry_hash"]
    closing = _read("closing.json")
    assert closing["final_hash"] == prev and closing["ballots"] == len(lines)
    spoiled = (RECORD / "spoiled.jsonl").read_bytes()
    assert closing["spoiled"] == {"count": len(spoiled.splitlines()),
                                  "sha256": hashlib.sha256(spoiled).hexdigest()}


L = 2**252 + 27742317777372353535851937790883648493


def _hs(tag: str, *parts: bytes) -> int:
    h = hashlib.sha512(_enc(tag.encode()))
    for part in parts:
        h.update(_enc(part))
    return int.from_bytes(h.digest(), "little") % L


def _schnorr_ok(tag: str, context: tuple[bytes, ...], key_hex: str, message: bytes,
                c_hex: str, s_hex: str) -> bool:
    """§3.1 with libsodium's ristretto255 operations only: R' = s·G − c·P."""
    import pysodium

    c, s = int.from_bytes(bytes.fromhex(c_hex), "little"), int.from_bytes(
        bytes.fromhex(s_hex), "little")
    key = bytes.fromhex(key_hex)
    r = pysodium.crypto_core_ristretto255_sub(
        pysodium.crypto_scalarmult_ristretto255_base(_int(s)),
        pysodium.crypto_scalarmult_ristretto255(_int(c), key))
    return _hs(tag, *context, key, r, message) == c


def test_signatures_follow_the_table_of_section_1_4():
    election = _read("election.json")
    base = bytes.fromhex(election["base_hash"])
    ballot = json.loads((RECORD / "board.jsonl").read_text().splitlines()[0])["ballot"]
    body = _cj({k: v for k, v in ballot.items() if k != "signature"})
    # the ballot signature's context is the base hash's raw bytes, not its hex text
    assert _schnorr_ok("vmre/ballot/v1", (base,), ballot["credential"], body, *ballot["signature"])
    assert not _schnorr_ok("vmre/ballot/v1", (election["base_hash"].encode(),),
                           ballot["credential"], body, *ballot["signature"])
    closing = _read("closing.json")
    statement = _cj({k: v for k, v in closing.items() if k != "signature"})
    assert _schnorr_ok("vmre/closing/v1", (), election["receipt_key"], statement,
                       *closing["signature"])
    listing = _read("credentials.json")
    signed = _cj({k: v for k, v in listing.items() if k != "signature"})
    assert _schnorr_ok("vmre/credential-list/v1", (), listing["issuer"], signed,
                       listing["signature"]["challenge"], listing["signature"]["response"])
