"""The board's inner checks, each reached alone: every tampered ballot here is re-signed by its
own voter (tests/support/resign.py), so the signature and the tracking code hold and only the
check named can refuse it. Each case names the exact refusal and leaves the board unchanged."""

from __future__ import annotations

import pytest

from support.resign import one_hot, options, sign_ballot, with_contest
from vmre.core.messages import UserError
from vmre.crypto.group import L
from vmre.simulacro.election import ReadyElection, open_election
from vmre.voting.ballot import encrypt_ballot, reveal, tracking_code

JAL = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}


def _refused(ready: ReadyElection, document: dict, key: str, **params) -> None:
    eid = ready.ctx.election_id
    before = ready.board.election(eid)
    with pytest.raises(UserError) as err:
        ready.board.cast(eid, document)
    assert (err.value.key, err.value.params) == (key, params), err.value
    after = ready.board.election(eid)
    assert (after.head_hash, after.ballot_count) == (before.head_hash, before.ballot_count)


def _honest(ready: ReadyElection, voter: int = 0, selections=JAL) -> dict:
    return encrypt_ballot(ready.ctx, "JAL", ready.key(voter), selections)[0]


def test_a_re_signed_honest_ballot_is_accepted(ready: ReadyElection):
    """The helper itself: re-signing an untouched ballot leaves a ballot the board takes, so
    every refusal below comes from the change, not from the re-signing."""
    doc = sign_ballot(ready.ctx, ready.key(0), _honest(ready))
    assert ready.board.cast(ready.ctx.election_id, doc)["position"] == 1


def test_contest_ids_swapped_are_refused(ready: ReadyElection):
    """Each contest keeps its ciphertexts and proofs but carries the other's id: without the
    check, the governor vote would be added to the deputy contest's tally."""
    doc = _honest(ready)
    doc["contests"][0]["id"], doc["contests"][1]["id"] = "dip-migrante-jal", "gob-jal"
    _refused(ready, sign_ballot(ready.ctx, ready.key(0), doc), "voting.ballot.wrong_contests")


def test_contest_relabelled_as_another_entitys_is_refused(ready: ReadyElection):
    """A Jalisco voter labels the governor contest as Guanajuato's (same number of options):
    the vote would land in another entity's tally."""
    doc = _honest(ready)
    assert options(ready.ctx, "gob-jal") == options(ready.ctx, "gob-gto")
    doc["contests"][0]["id"] = "gob-gto"
    _refused(ready, sign_ballot(ready.ctx, ready.key(0), doc), "voting.ballot.wrong_contests")


def test_credential_of_another_entity_is_refused(ready: ReadyElection):
    """Voter 1 votes in Mexico City: an honest, well-proved ballot for Jalisco's contests."""
    doc = encrypt_ballot(ready.ctx, "JAL", ready.key(1), JAL)[0]
    assert ready.voters[1][1] == "CDMX"
    _refused(ready, doc, "voting.ballot.wrong_contests")


@pytest.mark.parametrize("change", [-1, +1])
def test_an_option_missing_or_extra_is_refused(ready: ReadyElection, change: int):
    """Every 0/1 proof and the sum proof hold for the options present; only the count of
    options differs from the manifest's."""
    n = options(ready.ctx, "gob-jal") + change
    doc = with_contest(ready.ctx, ready.key(0), _honest(ready), 0, one_hot(n))
    _refused(ready, doc, "voting.ballot.wrong_option_count", contest="gob-jal")


def test_broken_bit_proof_is_refused(ready: ReadyElection):
    """Option 0 encrypts 2 and option 1 encrypts −1: the sum is 1 and its proof holds, so only
    the 0/1 proof stands between this ballot and two votes for one option."""
    n = options(ready.ctx, "gob-jal")
    doc = with_contest(ready.ctx, ready.key(0), _honest(ready), 0, [2, -1] + [0] * (n - 2))
    _refused(ready, doc, "voting.ballot.bad_option_proof", contest="gob-jal", option=0)


@pytest.mark.parametrize("marks", [[1, 1], [0, 0]], ids=["two marks", "blank"])
def test_broken_sum_proof_is_refused(ready: ReadyElection, marks: list[int]):
    """Every option is a proved 0 or 1, but the contest holds two marks (or none)."""
    n = options(ready.ctx, "dip-migrante-jal")
    doc = with_contest(ready.ctx, ready.key(0), _honest(ready), 1, marks + [0] * (n - 2))
    _refused(ready, doc, "voting.ballot.bad_sum_proof", contest="dip-migrante-jal")


def _top_bit(text: str) -> str:
    raw = bytearray.fromhex(text)
    raw[31] |= 0x80
    return raw.hex()


def _unreduced(text: str) -> str:
    return (int.from_bytes(bytes.fromhex(text), "little") + L).to_bytes(32, "little").hex()


@pytest.mark.parametrize(("change", "reason"), [
    ("top bit", "not a valid ristretto255 point"),
    ("identity", "identity point not allowed here"),
    ("unreduced scalar", "scalar is not reduced"),
])
def test_second_spellings_in_a_re_signed_ballot_are_refused(ready: ReadyElection, change,
                                                            reason):
    """The same point or scalar written another way (or the identity, r = 0: the vote in
    clear), signed by the voter: refused on decoding, never hashed."""
    doc = _honest(ready)
    choice = doc["contests"][0]["choices"][0]
    if change == "top bit":
        choice["alpha"] = _top_bit(choice["alpha"])
    elif change == "identity":
        choice["alpha"] = "00" * 32
    else:
        choice["proof"][3] = _unreduced(choice["proof"][3])
    _refused(ready, sign_ballot(ready.ctx, ready.key(0), doc), "voting.ballot.invalid_point",
             reason=reason)


def test_second_ballot_of_a_voter_refused_in_one_append_batch(ready: ReadyElection):
    """Two ballots of one credential in one bulk intake: the second is refused even though
    the first is not yet committed when it is judged."""
    eid = ready.ctx.election_id
    first, second = _honest(ready), _honest(ready, selections={"gob-jal": "morena",
                                                               "dip-migrante-jal": "nulo"})
    out = ready.board.cast_many(eid, [first, second])
    assert out[0]["tracking_code"] == tracking_code(first)
    assert isinstance(out[1], UserError)
    assert (out[1].key, out[1].params) == ("voting.ballot.already_voted", {})
    assert ready.board.election(eid).ballot_count == 1


def test_second_ballot_of_a_voter_refused_after_the_first_committed(ready: ReadyElection):
    eid = ready.ctx.election_id
    ready.board.cast(eid, _honest(ready))
    _refused(ready, _honest(ready), "voting.ballot.already_voted")


def test_audited_ballot_cannot_be_cast_alone_or_in_a_batch(ready: ReadyElection):
    eid = ready.ctx.election_id
    doc, nonces = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    assert ready.board.spoil(eid, doc, reveal(doc, JAL, nonces)) == tracking_code(doc)
    _refused(ready, doc, "voting.ballot.audited")
    out = ready.board.cast_many(eid, [doc])
    assert isinstance(out[0], UserError) and out[0].key == "voting.ballot.audited"
    assert ready.board.election(eid).ballot_count == 0


def test_cast_ballot_cannot_then_be_audited(ready: ReadyElection):
    """Its nonces would then be public: the vote of a counted ballot would be revealed."""
    eid = ready.ctx.election_id
    doc, nonces = encrypt_ballot(ready.ctx, "JAL", ready.key(0), JAL)
    ready.board.cast(eid, doc)
    with pytest.raises(UserError) as err:
        ready.board.spoil(eid, doc, reveal(doc, JAL, nonces))
    assert err.value.key == "voting.ballot.replay"
    assert ready.board.spoiled_count(eid) == 0


def test_last_policy_takes_a_second_ballot(tmp_path, sqlite_url, ceremony_done):
    """The double-vote refusal belongs to the `single` policy only."""
    ready = open_election(tmp_path, sqlite_url, policy="last", reuse_ceremony=ceremony_done)
    eid = ready.ctx.election_id
    out = ready.board.cast_many(eid, [_honest(ready), _honest(ready)])
    assert [o["position"] for o in out] == [1, 2]
