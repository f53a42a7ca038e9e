"""Server statements and the credential list fail closed where they are read.

A receipt or closing statement whose signature is missing, truncated, garbled, of the wrong
shape or not a canonical scalar is not valid (`verify_server_statement` answers False, never
an exception that a caller might take for "no problem"), and the readers built on it refuse
it: the verifier's `--receipt` (§7.6), its closing statement check (§7.4). The signed
credential list refuses a missing or unparsable signature as malformed and a wrong one as
a bad signature, directly and inside the record (§5.2)."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.messages import UserError
from vmre.crypto.encoding import canonical_json
from vmre.crypto.group import L, base_mul, hash_to_scalar, random_scalar, scalar_bytes
from vmre.record import layout
from vmre.record.verifier import verify_record
from vmre.voting.board import (
    CLOSING_TAG,
    RECEIPT_TAG,
    server_sign,
    verify_receipt,
    verify_server_statement,
)
from vmre.voting.credential_list import sign_credential_list, verify_credential_list

SECRET = 0x1234567
KEY = base_mul(SECRET)


def _statement() -> dict:
    return server_sign(RECEIPT_TAG, SECRET, {"election_id": "e", "tracking_code": "ab" * 32,
                                             "position": 3, "entry_hash": "cd" * 32,
                                             "received_at": "2024-06-02T10:00:00Z"})


def _bad_signatures(sig: list[str]) -> dict[str, object]:
    c, s = sig
    flipped = s[:10] + ("0" if s[10] != "0" else "1") + s[11:]
    high = scalar_bytes(0).hex()  # replaced below by s + L (same value mod L, other bytes)
    s_plus_l = (int.from_bytes(bytes.fromhex(s), "little") + L).to_bytes(32, "little").hex()
    assert s_plus_l != high
    return {
        "missing": ..., "null": None, "empty string": "", "empty list": [],
        "challenge only": [c], "three parts": [c, s, s], "as a dict": {"c": c, "s": s},
        "as a string": c + s, "integers": [int(c, 16), int(s, 16)],
        "truncated": [c, s[:-2]], "half": [c[:32], s[:32]], "lengthened": [c, s + "00"],
        "not hex": [c, "zz" + s[2:]], "upper-case hex": [c.upper(), s.upper()],
        "garbled": [c, flipped], "swapped": [s, c], "zero": [c, "00" * 32],
        "response + L": [c, s_plus_l],
    }


def test_a_statement_with_a_missing_or_unparsable_signature_is_not_valid():
    good = _statement()
    assert verify_server_statement(RECEIPT_TAG, good, KEY) is True  # the check is reached
    assert verify_receipt(good, KEY) is True
    for name, sig in _bad_signatures(good["signature"]).items():
        bad = {k: v for k, v in good.items() if k != "signature"}
        if sig is not ...:
            bad["signature"] = sig
        assert verify_server_statement(RECEIPT_TAG, bad, KEY) is False, name
        assert verify_receipt(bad, KEY) is False, name


def test_a_statement_signed_for_another_purpose_or_key_is_not_valid():
    good = _statement()
    assert verify_server_statement(CLOSING_TAG, good, KEY) is False  # a receipt is no closing
    assert verify_server_statement(RECEIPT_TAG, good, base_mul(SECRET + 1)) is False
    assert verify_server_statement(RECEIPT_TAG, {**good, "position": 4}, KEY) is False


# -- the credential list ----------------------------------------------------------------------

def _listing() -> dict:
    issuer = random_scalar()
    return sign_credential_list("e", issuer, [(base_mul(random_scalar()), "JAL"),
                                              (base_mul(random_scalar()), "ZAC")])


def _refused_as(document: object, key: str, name: str) -> None:
    with pytest.raises(UserError) as err:
        verify_credential_list(document)
    assert err.value.key == key, name


def test_a_credential_list_with_a_missing_or_unparsable_signature_is_malformed():
    good = _listing()
    assert len(verify_credential_list(good).entries) == 2  # the check is reached
    c, s = good["signature"]["challenge"], good["signature"]["response"]
    for name, sig in {"missing": ..., "null": None, "empty": {}, "a list": [c, s],
                      "no response": {"challenge": c}, "truncated": {"challenge": c,
                                                                     "response": s[:-2]},
                      "not hex": {"challenge": c, "response": "zz" + s[2:]},
                      "lengthened": {"challenge": c, "response": s + "00"}}.items():
        bad = {k: v for k, v in good.items() if k != "signature"}
        if sig is not ...:
            bad["signature"] = sig
        _refused_as(bad, "voting.credentials.malformed", name)
    for name, document in {"not an object": [good], "a string": json.dumps(good),
                           "no issuer": {k: v for k, v in good.items() if k != "issuer"},
                           "issuer not a point": {**good, "issuer": "00" * 31 + "01"}}.items():
        _refused_as(document, "voting.credentials.malformed", name)


def test_a_credential_list_with_a_wrong_signature_is_refused():
    good = _listing()
    sig = good["signature"]
    flipped = sig["response"][:10] + ("0" if sig["response"][10] != "0" else "1") + \
        sig["response"][11:]
    _refused_as({**good, "signature": {**sig, "response": flipped}},
                "voting.credentials.bad_signature", "garbled")
    _refused_as({**good, "signature": {"challenge": sig["response"],
                                       "response": sig["challenge"]}},
                "voting.credentials.bad_signature", "swapped")
    _refused_as({**good, "credentials": good["credentials"][:1]},
                "voting.credentials.bad_signature", "a row dropped")


# -- the same statements read from a record ---------------------------------------------------

def _cli(*args: str):
    register_parts()
    return CliRunner().invoke(app, ["verify", *args])


def _sections(record) -> set[tuple[str, str]]:
    return {(f.section, f.check) for f in verify_record(record).failures}


def _rewrite(path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(layout.file_text(data), encoding="utf-8")


@pytest.mark.parametrize("signature", [..., None, [], ["00" * 32], "x"],
                         ids=["missing", "null", "empty", "one-part", "a-string"])
def test_a_closing_statement_without_a_valid_signature_fails_the_record(record_copy,
                                                                        signature):
    def change(closing):
        if signature is ...:
            del closing["signature"]
        else:
            closing["signature"] = signature
    _rewrite(record_copy / layout.CLOSING, change)
    assert ("7.4", "closing statement") in _sections(record_copy)


def test_a_credential_list_without_a_valid_signature_fails_the_record(record_copy,
                                                                     tmp_path):
    for name, change in {"missing": lambda d: d.pop("signature"),
                         "truncated": lambda d: d["signature"].update(
                             response=d["signature"]["response"][:-2])}.items():
        folder = tmp_path / name
        shutil.copytree(record_copy, folder)
        _rewrite(folder / layout.CREDENTIALS, change)
        assert ("5.2", "credential list signature") in _sections(folder), name


@pytest.mark.parametrize("signature", [..., None, "", ["00" * 32]],
                         ids=["missing", "null", "empty", "one-part"])
def test_a_receipt_without_a_valid_signature_fails_verify(record_copy, tmp_path, signature):
    entry = json.loads((record_copy / layout.BOARD).read_text().splitlines()[0])
    receipt = {"election_id": entry["ballot"]["election_id"],
               "tracking_code": entry["tracking_code"], "position": entry["position"],
               "entry_hash": entry["entry_hash"], "received_at": entry["received_at"]}
    if signature is not ...:
        receipt["signature"] = signature
    path = tmp_path / "recibo.json"
    path.write_text(json.dumps(receipt))
    result = _cli(str(record_copy), "--receipt", str(path))
    assert result.exit_code == 1 and "FAIL §7.6 receipt signature" in result.output


def test_a_server_statement_signature_is_deterministic_and_bound_to_tag_and_message():
    """The nonce is derived from the key, the tag and the statement (docs/record.md §7): the
    same statement always gets the same signature, another tag or statement another nonce."""
    statement = {"election_id": "e", "position": 1}
    one = server_sign(RECEIPT_TAG, SECRET, statement)
    assert one == server_sign(RECEIPT_TAG, SECRET, statement)

    def nonce_point(signed: dict) -> object:
        c, s = (int.from_bytes(bytes.fromhex(x), "little") for x in signed["signature"])
        return base_mul(s) - KEY * c

    message = canonical_json(statement)
    expected = hash_to_scalar("vmre/server-nonce/v1", scalar_bytes(SECRET), RECEIPT_TAG, message)
    assert nonce_point(one) == base_mul(expected)
    assert nonce_point(server_sign(CLOSING_TAG, SECRET, statement)) != nonce_point(one)
    assert nonce_point(server_sign(RECEIPT_TAG, SECRET, {**statement, "position": 2})) != \
        nonce_point(one)
