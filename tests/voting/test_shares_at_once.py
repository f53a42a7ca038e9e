"""Two custodians' decryption shares uploaded at the same instant to two server processes:
both are kept and the results are combined, on SQLite and PostgreSQL (neither upload
overwrites the other's)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from vmre.core.database import transaction
from vmre.simulacro.run import passphrase
from vmre.voting import closing, server_tally
from vmre.voting.ballot import encrypt_ballot

CHOICE = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}


def test_two_shares_uploaded_at_once_are_both_kept(ready, monkeypatch):
    eid = ready.ctx.election_id
    ready.board.cast(eid, encrypt_ballot(ready.ctx, "JAL", ready.key(0), CHOICE)[0])
    ready.board.close(eid)
    with transaction(ready.board.sessions) as s:
        aggregate = server_tally.aggregate(s, ready.board, eid)
    shares = {j: closing.custodian_decrypt(
        ready.ceremony, aggregate, j, passphrase(j, ready.seed),
        str(ready.folder / "custodians" / f"custodian-{j}.secret")) for j in (1, 2)}
    # both uploads have read the stored shares and checked their proofs before either
    # stores its own
    both_checked = threading.Barrier(2, timeout=60)
    check = server_tally.tally.check_share

    def checked_together(*args, **kwargs):
        outcome = check(*args, **kwargs)
        both_checked.wait()
        return outcome

    monkeypatch.setattr(server_tally.tally, "check_share", checked_together)

    def upload(j: int) -> dict | None:
        with transaction(ready.board.sessions) as s:  # one request's transaction
            return server_tally.add_share(s, ready.board, eid, shares[j])

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(upload, (1, 2)))
    assert any(a is not None for a in answers)  # the second upload completed the threshold
    with ready.board.sessions() as s:
        status = server_tally.status(s, eid)
    assert status["shares"] == [1, 2]
    assert status["results"] is not None
