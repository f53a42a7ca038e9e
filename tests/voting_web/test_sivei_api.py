"""The /api/v1 surface over a real board: cast, board list and lookup, receipts, spoiling,
public election data, errors in the request's language; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sivei_setup import ELECTION, make_voters, open_election, signed_in

from vmre.crypto import credentials
from vmre.voting import ballot as ballots
from vmre.web.app import create_app


@pytest.fixture
def setup(db_url, tmp_path):
    app = create_app(db_url, secret_key="test")
    voters = make_voters(3)
    ctx = open_election(app.state.sessions, tmp_path / "ceremony", voters)
    return TestClient(app), ctx, voters, app


def _post(browser, ballot, query=""):
    """A ballot cast by a signed-in voter's browser (client, CSRF header)."""
    client, headers = browser
    return client.post(f"/api/v1/elections/{ELECTION}/ballots{query}", json={"ballot": ballot},
                       headers=headers)


def _ballot(ctx, voter, choice=("pan+pri", "nulo")):
    key = credentials.signing_key(ELECTION, voter.secret)
    selections = {"gob-jal": choice[0], "dip-migrante-jal": choice[1]}
    ballot, randomness = ballots.encrypt_ballot(ctx, voter.entity, key, selections)
    return ballot, ballots.reveal(ballot, selections, randomness)


def test_cast_receipt_board_and_lookup(setup):
    client, ctx, voters, app = setup
    info = client.get(f"/api/v1/elections/{ELECTION}").json()
    assert info["context"]["base_hash"] == ctx.base_hash.hex() and info["state"] == "scheduled"
    gob = next(c for c in info["contests"] if c["id"] == "gob-jal")
    assert [o["id"] for o in gob["options"]][:3] == ["pan", "pri", "prd"] and any(
        o["id"] == "pan+pri+prd" for o in gob["options"])

    ballot, _ = _ballot(ctx, voters[0])
    cast = _post(signed_in(app, voters[0]), ballot)
    assert cast.status_code == 201, cast.text
    receipt = cast.json()
    assert receipt["position"] == 1 and receipt["tracking_code"] == ballots.tracking_code(ballot)

    check = client.post("/api/v1/receipts/check", json=receipt).json()
    assert check["signature_valid"] and check["on_board"] and check["entry_matches"]
    forged = {**receipt, "position": 2}
    bad = client.post("/api/v1/receipts/check?lang=en", json=forged).json()
    assert not bad["signature_valid"] and "not valid" in bad["message"]

    page = client.get(f"/api/v1/elections/{ELECTION}/board?limit=10").json()
    assert page["total"] == 1 and page["entries"][0]["tracking_code"] == receipt["tracking_code"]
    assert page["head_hash"] == receipt["entry_hash"]
    entry = client.get(f"/api/v1/elections/{ELECTION}/board/{receipt['tracking_code']}")
    assert entry.status_code == 200 and entry.json()["ballot"] == ballot
    assert client.get(f"/api/v1/elections/{ELECTION}/board/{'0' * 64}").status_code == 404

    cred = credentials.public_credential(ELECTION, voters[1].secret).hex()
    assert client.get(f"/api/v1/elections/{ELECTION}/credentials/{cred}").json()["eligible"]
    assert not client.get(f"/api/v1/elections/{ELECTION}/credentials/{'1' * 64}").json()[
        "eligible"]


def test_second_vote_and_bad_ballots_refused_in_both_languages(setup):
    client, ctx, voters, app = setup
    first_voter = signed_in(app, voters[0])
    first, _ = _ballot(ctx, voters[0])
    assert _post(first_voter, first).status_code == 201
    again, _ = _ballot(ctx, voters[0], ("mc", "mc"))
    voter_client, headers = first_voter
    es = voter_client.post(f"/api/v1/elections/{ELECTION}/ballots", json={"ballot": again},
                           headers={**headers, "Accept-Language": "es-MX"})
    assert es.status_code == 409 and es.json()["error"] == "voting.ballot.already_voted"
    assert "Ya se registró un voto" in es.json()["message"]
    en = _post(first_voter, again, "?lang=en")
    assert "only one vote per person" in en.json()["message"]

    tampered, _ = _ballot(ctx, voters[1])
    tampered["contests"][0]["choices"][0]["proof"][0] = "00" * 32
    bad = _post(signed_in(app, voters[1]), tampered)
    assert bad.status_code == 422 and bad.json()["error"].startswith("voting.ballot.")
    stranger = make_voters(1)[0]  # an account bound to a credential the list does not hold
    stranger.email = "ajeno@example.org"
    ballot, _ = _ballot(ctx, stranger)
    refused = _post(signed_in(app, stranger), ballot)
    assert refused.status_code == 403 and refused.json()["error"] == "voting.ballot.not_eligible"
    missing = client.get("/api/v1/elections/no-such-election")
    assert missing.status_code == 404


def test_spoil_then_cast_fresh(setup):
    client, ctx, voters, app = setup
    challenged, disclosure = _ballot(ctx, voters[2])
    spoiled = client.post(f"/api/v1/elections/{ELECTION}/spoiled",
                          json={"ballot": challenged, "disclosure": disclosure})
    assert spoiled.status_code == 201
    tracking = spoiled.json()["tracking_code"]
    shown = client.get(f"/api/v1/elections/{ELECTION}/spoiled/{tracking}").json()
    assert shown["consistent"] and shown["disclosure"]["selections"]["gob-jal"] == "pan+pri"
    # the spoiled ballot itself can never be counted
    third = signed_in(app, voters[2])
    replay = _post(third, challenged)
    assert replay.status_code == 409 and replay.json()["error"] == "voting.ballot.audited"
    fresh, _ = _ballot(ctx, voters[2])
    assert _post(third, fresh).status_code == 201
    # a disclosure that lies about the choice is refused
    other, disc = _ballot(ctx, voters[1])
    lie = {**disc, "selections": {**disc["selections"], "gob-jal": "mc"}}
    assert client.post(f"/api/v1/elections/{ELECTION}/spoiled",
                       json={"ballot": other, "disclosure": lie}).status_code == 422


def test_openapi_lists_the_voting_api(setup):
    client, _, _, _ = setup
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/elections/{election_id}", "/api/v1/elections/{election_id}/ballots",
                 "/api/v1/elections/{election_id}/board",
                 "/api/v1/elections/{election_id}/board/{tracking_code}",
                 "/api/v1/elections/{election_id}/spoiled", "/api/v1/receipts/check"):
        assert path in paths
    assert not any(p.startswith("/voto") for p in paths)  # pages are not API
