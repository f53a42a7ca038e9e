"""The registry's hand-over fails closed on its signature: a hand-over document whose
credential list has its signature missing, truncated, garbled or not parsable, or whose
document is not an object, is refused with the catalogue's key before any account or list
is written; the same document with its signature intact is received."""

from __future__ import annotations

import hashlib

import pytest
from sivei_setup import ELECTION, make_voters, run_ceremony
from sqlalchemy import func, select

from vmre.core.database import make_engine, migrate, session_factory
from vmre.core.messages import UserError
from vmre.crypto import credentials
from vmre.crypto.group import random_scalar
from vmre.voting import handover
from vmre.voting.accounts import VoterAccount
from vmre.voting.board import Board
from vmre.voting.credential_list import sign_credential_list


@pytest.fixture
def voting(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    migrate(engine)
    sessions = session_factory(engine)
    Board(sessions).register(run_ceremony(tmp_path / "ceremony"))
    return sessions


def _document(voters) -> dict:
    listing = sign_credential_list(ELECTION, random_scalar(), [
        (credentials.public_credential(ELECTION, v.secret), v.entity) for v in voters])
    return {"version": handover.VERSION, "election_id": ELECTION, "credential_list": listing,
            "accounts": [{"entity": v.entity, "email": v.email, "phone": v.phone,
                          "credential": credentials.public_credential(ELECTION, v.secret).hex(),
                          "activation_hash": hashlib.sha256(v.email.encode()).hexdigest()}
                         for v in voters]}


def _accounts(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(VoterAccount))


def _cut(d: dict) -> None:
    d["credential_list"]["signature"]["response"] = d["credential_list"]["signature"][
        "response"][:-2]


def _flip(d: dict) -> None:
    sig = d["credential_list"]["signature"]
    sig["response"] = sig["response"][:6] + ("0" if sig["response"][6] != "0" else "1") + \
        sig["response"][7:]


CHANGES = {
    "signature missing": (lambda d: d["credential_list"].pop("signature"),
                          "voting.credentials.malformed"),
    "signature null": (lambda d: d["credential_list"].update(signature=None),
                       "voting.credentials.malformed"),
    "signature truncated": (_cut, "voting.credentials.malformed"),
    "signature not hex": (lambda d: d["credential_list"]["signature"].update(challenge="zz"),
                          "voting.credentials.malformed"),
    "signature garbled": (_flip, "voting.credentials.bad_signature"),
    "list empty": (lambda d: d.update(credential_list=[]), "voting.credentials.malformed"),
    "list a string": (lambda d: d.update(credential_list="lista"), "sivei.handover.malformed"),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_hand_over_with_a_bad_list_signature_writes_nothing(voting, name):
    change, key = CHANGES[name]
    document = _document(make_voters(2))
    change(document)
    with pytest.raises(UserError) as err:
        handover.receive(voting, handover.Handover.from_json(document))
    assert err.value.key == key
    assert _accounts(voting) == 0
    assert Board(voting).election(ELECTION).credentials in (None, "")


def test_the_same_hand_over_with_its_signature_intact_is_received(voting):
    document = _document(make_voters(2))
    assert handover.receive(voting, handover.Handover.from_json(document)) == 2
    assert _accounts(voting) == 2
