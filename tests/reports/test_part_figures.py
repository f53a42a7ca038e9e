"""The quarterly report's electronic-voting section counts the registry's and the board's
activity in the period, from the parts' own tables."""

from __future__ import annotations

import datetime as dt

from vmre.core.database import transaction
from vmre.crypto.group import random_scalar
from vmre.registry.issuance import enrol_synthetic_voters, signed_list
from vmre.reports.quarterly import gather
from vmre.service.periods import Period
from vmre.simulacro.election import open_election
from vmre.voting.ballot import encrypt_ballot


def test_registry_and_voting_figures_in_the_period(tmp_path, sqlite_url):
    ready = open_election(tmp_path, sqlite_url, entities=("JAL",))
    sessions = ready.board.sessions
    with transaction(sessions) as s:
        enrolled = enrol_synthetic_voters(s, ready.ctx.election_id, 3, seed=9,
                                          entities=["JAL"])
        signed_list(s, ready.ctx.election_id, random_scalar(), "prueba")
    doc, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(0),
                            {"gob-jal": "mc", "dip-migrante-jal": "nulo"})
    ready.board.cast(ready.ctx.election_id, doc)
    today = dt.datetime.now(dt.UTC).date()
    with sessions() as s:
        now = dict(gather(s, Period(today - dt.timedelta(days=1), today + dt.timedelta(days=1)))
                   .provided["electronic_voting"])
        before = dict(gather(s, Period(dt.date(2019, 12, 1), dt.date(2020, 2, 29)))
                      .provided["electronic_voting"])
    assert now["registry.fig.received"] == len(enrolled) == 3
    assert now["registry.fig.internet"] == 3 and now["registry.fig.accepted"] == 3
    assert now["voting.fig.ballots_cast"] == 1
    assert before["registry.fig.received"] == 0 and before["voting.fig.ballots_cast"] == 0
