"""Names, counts, numbers and times as people read them: grammatical counts in both languages
("1 boleta", "2 boletas"), thousands separators, one date-time format with the zone spelled
out, and the public board naming its election and its times that way."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vmre.core.clock import people_text
from vmre.core.messages import catalogue, number, plural

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "voting_web"))

from sivei_setup import ELECTION, signed_in, voting_site  # noqa: E402


@pytest.mark.parametrize(("n", "es", "en"), [(1, "1 boleta", "1 ballot"),
                                             (2, "2 boletas", "2 ballots"),
                                             (0, "0 boletas", "0 ballots"),
                                             (18425, "18,425 boletas", "18,425 ballots")])
def test_counts_are_grammatical_in_both_languages(n, es, en):
    assert plural("web.names.ballots", n, "es") == es
    assert plural("web.names.ballots", n, "en") == en


def test_every_plural_entry_has_both_forms():
    keys = catalogue()
    for key in keys:
        if key.endswith(".one"):
            assert key.removesuffix(".one") + ".other" in keys, key


def test_numbers_carry_thousands_separators():
    assert number(18425) == "18,425" and number(500) == "500" and number(1234567) == "1,234,567"


def test_one_date_time_format_with_the_zone_spelled_out():
    moment = dt.datetime(2026, 12, 7, 14, 55, tzinfo=dt.UTC)  # 08:55 in Mexico City
    assert people_text(moment, "es") == "7 de diciembre de 2026, 08:55 (hora del centro de México)"
    assert people_text(moment, "en") == "7 December 2026, 08:55 (Mexico City time)"
    assert people_text(moment.isoformat(), "es") == people_text(moment, "es")


def test_the_board_names_its_election_and_counts_and_times_as_people_read_them(tmp_path):
    from vmre.crypto import credentials
    from vmre.voting import ballot as ballots

    app, ctx, voters = voting_site(f"sqlite:///{tmp_path / 'vmre.sqlite'}", tmp_path, 1)
    voter, headers = signed_in(app, voters[0])
    headers["Content-Type"] = "application/json"
    choice = {"gob-jal": "mc", "dip-migrante-jal": "mc"}
    cast, _ = ballots.encrypt_ballot(ctx, "JAL", credentials.signing_key(
        ELECTION, voters[0].secret), choice)
    assert voter.post("/voto/emitir", headers=headers,
                      content=json.dumps({"ballot": cast})).status_code == 201
    page = TestClient(app).get(f"/tablero/{ELECTION}?lang=es").text
    heading = re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert ELECTION not in heading and "Procesos Electorales Locales" in heading
    assert "1 boleta recibida · 0 boletas verificadas" in page
    assert "(hora del centro de México)</td>" in page
    receipt = voter.get("/voto/recibo?lang=en").text
    assert "(Mexico City time)" in receipt and " UTC" not in receipt
