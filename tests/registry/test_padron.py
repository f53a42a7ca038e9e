"""The synthetic register: reproducible, realistic, unique keys; the port's lookup."""

from __future__ import annotations

import re

from vmre.core.entities import BY_ID
from vmre.registry.padron import Padron, SyntheticPadron, fold
from vmre.registry.rules import ELECTOR_KEY


def test_reproducible_and_well_formed():
    a, b = SyntheticPadron(11, 3000), SyntheticPadron(11, 3000)
    assert [r for r in a] == [r for r in b]
    assert [r for r in SyntheticPadron(12, 50)] != [r for r in SyntheticPadron(11, 50)]
    records = list(a)
    keys = [r.elector_key for r in records]
    assert len(set(keys)) == len(keys)
    assert all(ELECTOR_KEY.fullmatch(k) for k in keys)
    assert all(re.fullmatch(r"\d{13}", r.ocr) and re.fullmatch(r"\d{9}", r.cic)
               for r in records)
    assert all(r.entity_id in BY_ID and r.sex in "HM" for r in records)
    # The key carries the birth date and the entity's two-digit code.
    r = records[0]
    assert r.elector_key[6:12] == r.birth_date.strftime("%y%m%d")
    assert r.elector_key[12:14] == BY_ID[r.entity_id].inegi
    names = " ".join(x.given_names + x.first_surname + x.second_surname for x in records)
    assert "ñ" in names and "á" in names
    assert {r.issued_abroad for r in records} == {True, False}
    assert len({r.validity_year for r in records}) > 3


def test_lookup_through_the_port():
    padron: Padron = SyntheticPadron(5, 500)
    record = SyntheticPadron(5, 500).record(321)
    assert padron.lookup(record.elector_key.lower()) == record
    assert padron.lookup("XXXXXX00000000H000") is None


def test_large_register_keys_stay_unique():
    big = SyntheticPadron(1, 60_000)
    keys = {big.record(i).elector_key for i in range(46_000, 60_000)}
    assert len(keys) == 14_000 and all(ELECTOR_KEY.fullmatch(k) for k in keys)


def test_fold_keeps_letters():
    assert fold("  Peña   Núñez ") == "PENA NUNEZ"
