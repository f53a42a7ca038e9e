"""The ceremony's verdict judges complaints by complaining custodian in increasing number
(docs/record.md §4.3), whatever the order of the transcript's keys: the record sorts them as
text ("10" before "2"), and the verifier must reach the verdict the ceremony published."""

from __future__ import annotations

from vmre.crypto import dkg
from vmre.crypto.group import scalar_bytes
from vmre.voting.ceremony import judge_transcript


def _transcript(complaints: dict) -> tuple[dict, tuple]:
    n, t = 10, 2
    context = ("e", bytes(32), n, t)
    poly = dkg.random_polynomial(t)
    ann = dkg.announce(1, poly, context)
    return {"parameters": {}, "announcements": {"1": {
        "index": 1, "box_public": "00" * 32, "commitments": [c.hex() for c in ann.commitments],
        "proofs": [[scalar_bytes(p.challenge).hex(), scalar_bytes(p.response).hex()]
                   for p in ann.proofs]}},
        "shares": {"1": {}}, "complaints": complaints, "responses": {}}, context


def test_complaints_are_judged_in_custodian_order_not_key_order():
    as_written, context = _transcript({"2": [1], "10": [1]})
    as_in_the_record = {**as_written, "complaints": {"10": [1], "2": [1]}}
    first = judge_transcript(as_written, 10, 2, context)
    again = judge_transcript(as_in_the_record, 10, 2, context)
    assert first == again
    assert first["disqualified"]["1"] == "unanswered complaint by custodian 2"
    assert first["accusations"] == [{"dealer": 1, "custodian": 2, "outcome": "unanswered"}]
    assert first["qualified"] == []
