"""The opening ceremony run as separate steps; cheating custodians are caught and named."""

from __future__ import annotations

import json

import pytest

from vmre.core.messages import UserError
from vmre.crypto.group import base_mul
from vmre.simulacro.run import default_manifest_text, passphrase, run_ceremony
from vmre.voting.ceremony import Ceremony


def test_honest_ceremony_gives_consistent_keys(tmp_path):
    ceremony = run_ceremony(tmp_path, default_manifest_text(), 5, 3, seed=1)
    transcript = ceremony.transcript()
    assert transcript["qualified"] == [1, 2, 3, 4, 5] and transcript["disqualified"] == {}
    for j in range(1, 6):
        share = ceremony.key_share(j, passphrase(j, 1),
                                   tmp_path / "custodians" / f"custodian-{j}.secret")
        assert base_mul(share).hex() == transcript["verification_keys"][str(j)]
    secret_file = (tmp_path / "custodians" / "custodian-1.secret").read_text()
    assert "coefficients" not in secret_file  # sealed, not in clear
    assert json.loads(secret_file)["kdf"] == "argon2id"


def test_cheating_dealer_is_detected_named_and_excluded(tmp_path):
    ceremony = run_ceremony(tmp_path, default_manifest_text(), 5, 3, seed=2, cheater=4)
    transcript = ceremony.transcript()
    assert transcript["complaints"]["5"] == [4]
    assert "4" in transcript["disqualified"]
    assert "custodian 5" in transcript["disqualified"]["4"]
    assert transcript["qualified"] == [1, 2, 3, 5]
    assert {"dealer": 4, "custodian": 5, "outcome": "unanswered"} in transcript["accusations"]
    # The excluded dealer still holds a valid share of the others' key.
    share4 = ceremony.key_share(4, passphrase(4, 2),
                                tmp_path / "custodians" / "custodian-4.secret")
    assert base_mul(share4).hex() == transcript["verification_keys"]["4"]


def test_wrong_passphrase_is_refused_and_nothing_written(tmp_path):
    c = Ceremony(tmp_path / "c")
    c.init(default_manifest_text(), 3, 2)
    for i in (1, 2, 3):
        c.keygen(i, "frase-correcta", tmp_path / f"s{i}")
    with pytest.raises(UserError) as err:
        c.deal(1, "frase-equivocada", tmp_path / "s1")
    assert err.value.key == "voting.ceremony.wrong_passphrase"
    assert not (tmp_path / "c" / "shares-1.json").exists()


def test_bad_threshold_and_missing_announcements(tmp_path):
    c = Ceremony(tmp_path / "c")
    with pytest.raises(UserError) as err:
        c.init(default_manifest_text(), 3, 4)
    assert err.value.key == "voting.ceremony.bad_threshold"
    c.init(default_manifest_text(), 3, 2)
    c.keygen(1, "frase-correcta", tmp_path / "s1")
    with pytest.raises(UserError) as err:
        c.deal(1, "frase-correcta", tmp_path / "s1")
    assert err.value.key == "voting.ceremony.missing_announcements"
