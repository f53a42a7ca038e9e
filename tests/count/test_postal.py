"""Postal list: one modality per voter, packages, courier events, returns and the deadline."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from count_helpers import DEADLINE, ELECTION
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.core.messages import UserError
from vmre.count import postal
from vmre.count.models import Package, VoterModality
from vmre.count.postal import PostalVoter


def _voter(i: int, entity: str = "JAL") -> PostalVoter:
    return PostalVoter(f"V{i:04d}", entity, f"Persona {i}", (f"{i} Main St", "Chicago IL 60601"),
                       "Estados Unidos")


def test_postal_and_internet_lists_are_exclusive(sessions):
    with transaction(sessions) as s:
        postal.register_postal_voter(s, ELECTION, _voter(1))
        postal.register_internet_voter(s, ELECTION, "V0002", "CDMX")
    with transaction(sessions) as s:
        with pytest.raises(UserError) as err:
            postal.register_internet_voter(s, ELECTION, "V0001", "JAL")
        assert err.value.key == "count.postal.other_modality"
        with pytest.raises(UserError) as err:
            postal.register_postal_voter(s, ELECTION, _voter(2, "CDMX"))
        assert err.value.key == "count.postal.other_modality"
        with pytest.raises(UserError) as err:
            postal.check_internet_list(s, ELECTION, ["V0002", "V0001", "V0003"])
        assert err.value.key == "count.postal.lists_overlap" and err.value.params["count"] == 1
        postal.check_internet_list(s, ELECTION, ["V0002", "V0003"])
        # The same voter may be listed in another election.
        postal.register_internet_voter(s, "otra-eleccion", "V0001", "JAL")
    # The database itself refuses a second row, whatever the code path.
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(VoterModality(election_id=ELECTION, voter_ref="V0001", entity="JAL",
                            modality="internet"))
    assert postal.exclusivity_conflicts(["a", "b"], ["b", "c"]) == {"b"}
    assert postal.exclusivity_conflicts(["a"], ["c"]) == set()


def _envelope(n: int) -> str:
    digits = f"{n:014d}"
    return "VMR" + digits + postal.check_digit(digits)


def _lnere_text(rows: list[dict], election: str = ELECTION, entity: str | None = None,
                voters: int | None = None) -> str:
    head = {"format": "vmre/postal-lnere/v1", "election_id": election, "entity": entity,
            "addendum": False, "voters": len(rows) if voters is None else voters}
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in [head, *rows])


def _row(i: int, entity: str = "JAL", **changes) -> dict:
    row = {"folio": f"SRVE-{i:010d}", "entity": entity, "full_name": f"Persona Ñandú {i}",
           "address": [f"{i} Rue de Rivoli", "Paris, 75001"], "country": "FR",
           "country_name": "Francia", "envelope": _envelope(i)}
    row.update(changes)
    return row


def test_lnere_and_shipping_manifest(sessions):
    lnere = postal.read_lnere(_lnere_text([_row(1), _row(2, "PUE")]).encode())
    assert lnere.voters[0] == PostalVoter("SRVE-0000000001", "JAL", "Persona Ñandú 1",
                                          ("1 Rue de Rivoli", "Paris, 75001"), "Francia",
                                          _envelope(1), 2)
    with transaction(sessions) as s:
        made = postal.import_lnere(s, ELECTION, lnere, random.Random(1)).packages
        text = postal.shipping_manifest_csv(s, ELECTION)
    lines = text.splitlines()
    assert len(lines) == 3 and made[0].outbound_tracking in lines[1]
    assert "1 Rue de Rivoli | Paris, 75001" in lines[1]
    assert [p.return_tracking for p in made] == [_envelope(1), _envelope(2)]
    with transaction(sessions) as s:  # the same list again: nothing new, nothing refused
        again = postal.import_lnere(s, ELECTION, lnere)
    assert (again.packages, again.already) == ([], 2)
    changed = postal.read_lnere(_lnere_text([_row(1, envelope=_envelope(9))]))
    with pytest.raises(UserError) as err, transaction(sessions) as s:
        postal.import_lnere(s, ELECTION, changed)
    assert (err.value.key, err.value.params) == ("count.lnere.envelope_changed", {"line": 2})
    taken = postal.read_lnere(_lnere_text([_row(3, envelope=_envelope(2))]))
    with pytest.raises(UserError) as err, transaction(sessions) as s:
        postal.import_lnere(s, ELECTION, taken)
    assert (err.value.key, err.value.params) == ("count.lnere.envelope_taken", {"line": 2})
    with pytest.raises(UserError) as err, transaction(sessions) as s:
        postal.import_lnere(s, ELECTION, postal.read_lnere(_lnere_text([_row(4)], "otra")))
    assert err.value.key == "count.lnere.other_election"


def _broken(case: str) -> bytes:
    good = [_row(1), _row(2)]
    text = {
        "empty": "",
        "format": _lnere_text(good).replace("postal-lnere/v1", "postal-lnere/v9"),
        "not_json": _lnere_text(good).replace('"folio": "SRVE-0000000002"', "folio: 2"),
        "nan": _lnere_text(good).replace('"voters": 2', '"voters": NaN'),
        "array": _lnere_text(good).rsplit("\n", 2)[0] + "\n[1, 2]\n",
        "missing": _lnere_text([_row(1), {k: v for k, v in _row(2).items()
                                          if k != "envelope"}]),
        "unknown": _lnere_text([_row(1), _row(2, phone="+13125550100")]),
        "odd_key": _lnere_text([_row(1), _row(2, **{"Rosa Méndez": "x"})]),
        "twice": _lnere_text([_row(1)]).replace('"country": "FR"',
                                                  '"country": "FR", "country": "US"'),
        "control": _lnere_text([_row(1), _row(2, full_name="Rosa\u0007Méndez")]),
        "mexico": _lnere_text([_row(1, country="MX")]),
        "check_digit": _lnere_text([_row(1, envelope=_envelope(1)[:-1] + "0"
                                        if _envelope(1)[-1] != "0" else _envelope(1)[:-1] + "1")]),
        "entity": _lnere_text([_row(1), _row(2, "PUE")], entity="JAL"),
        "address": _lnere_text([_row(1, address=[])]),
        "repeated": _lnere_text([_row(1), _row(2, folio="SRVE-0000000001")]),
        "truncated": _lnere_text(good, voters=3),
        "long": _lnere_text([_row(1, full_name="x" * 5000)]),
    }[case]
    return text.encode("utf-8")


@pytest.mark.parametrize(("case", "key", "params"), [
    ("empty", "count.lnere.empty", {}),
    ("format", "count.lnere.format", {"expected": "vmre/postal-lnere/v1"}),
    ("not_json", "count.lnere.not_json", {"line": 3}),
    ("nan", "count.lnere.not_json", {"line": 1}),
    ("array", "count.lnere.not_json", {"line": 3}),
    ("missing", "count.lnere.missing_column", {"line": 3, "column": "envelope"}),
    ("unknown", "count.lnere.unknown_column", {"line": 3, "column": "phone"}),
    ("odd_key", "count.lnere.unknown_column", {"line": 3, "column": "?"}),
    ("twice", "count.lnere.duplicate_column", {"line": 2, "column": "country"}),
    ("control", "count.lnere.bad_value", {"line": 3, "column": "full_name"}),
    ("mexico", "count.lnere.bad_value", {"line": 2, "column": "country"}),
    ("check_digit", "count.lnere.bad_value", {"line": 2, "column": "envelope"}),
    ("entity", "count.lnere.bad_value", {"line": 3, "column": "entity"}),
    ("address", "count.lnere.bad_value", {"line": 2, "column": "address"}),
    ("repeated", "count.lnere.repeated", {"line": 3, "column": "folio", "first": 2}),
    ("truncated", "count.lnere.count_mismatch", {"declared": 3, "found": 2}),
    ("long", "count.lnere.line_too_long", {"line": 2, "limit": 4096}),
])
def test_malformed_lnere_files_are_refused_by_the_command(tmp_path, case, key, params):
    path = tmp_path / "lnere.jsonl"
    path.write_bytes(_broken(case))
    register_parts()
    result = CliRunner().invoke(app, ["count", "packages", ELECTION, str(path), "--out",
                                      str(tmp_path / "p"), "--db",
                                      f"sqlite:///{tmp_path / 'x.sqlite'}"])
    assert isinstance(result.exception, UserError), result.output
    assert (result.exception.key, result.exception.params) == (key, params)
    assert not (tmp_path / "p").exists()


def test_malformed_lnere_gives_a_bilingual_message_without_personal_data(tmp_path):
    path = tmp_path / "lnere.jsonl"
    path.write_bytes(_lnere_text([_row(1), _row(2, full_name="Rosa\u0007Méndez")]).encode())
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(_lnere_text([_row(1)]).encode() + "{\"folio\": \"Peña\"}\n"
                      .encode("latin-1"))
    vmre = str(Path(sys.executable).with_name("vmre"))
    for file, message in ((path, "línea 3, columna «full_name»: el valor no es válido. / "
                                 "Postal LNERE, line 3, column “full_name”"),
                          (latin, "línea 3: el texto no está en UTF-8")):
        run = subprocess.run([vmre, "count", "packages", ELECTION, str(file), "--db",
                              f"sqlite:///{tmp_path / 'x.sqlite'}"], capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 2
        assert message in run.stderr and "Traceback" not in run.stderr + run.stdout
        assert "Rosa" not in run.stderr and "Peña" not in run.stderr


def test_courier_events_csv_are_idempotent(sessions):
    with transaction(sessions) as s:
        package = postal.register_postal_voter(s, ELECTION, _voter(1))
        tracking = package.outbound_tracking
    content = ("tracking,at,status,location\n"
               f"{tracking},2024-04-01T10:00:00+00:00,picked_up,Ciudad de México\n"
               f"{tracking},2024-04-05T16:30:00-05:00,delivered,Chicago\n"
               "VMS0000000000,2024-04-05T16:30:00+00:00,delivered,?\n")
    with transaction(sessions) as s:
        first = postal.import_events(s, postal.read_events_csv(content), "csv")
    with transaction(sessions) as s:
        again = postal.import_events(s, postal.read_events_csv(content), "csv")
        fresh = s.get(Package, package.id)
        stored, status = postal.events_of(s, fresh), fresh.status
    assert first == {"imported": 2, "duplicates": 0, "unknown": 1}
    assert again == {"imported": 0, "duplicates": 2, "unknown": 1}
    assert [e.status for e in stored] == ["picked_up", "delivered"] and status == "delivered"
    with pytest.raises(UserError) as err, transaction(sessions) as s:
        postal.import_events(s, [{"tracking": tracking, "at": "2024-04-01T10:00:00",
                                  "status": "delivered"}], "api")
    assert err.value.params == {"line": 1, "field": "at"}


def test_late_envelopes_are_recorded_and_never_counted(sessions):
    with transaction(sessions) as s:
        postal.set_deadline(s, ELECTION, DEADLINE)
        made = [postal.register_postal_voter(s, ELECTION, _voter(i)) for i in range(4)]
        codes = [p.return_tracking for p in made]
    with transaction(sessions) as s:
        on_time = postal.receive_envelope(s, ELECTION, codes[0], DEADLINE, "mesa")
        late = postal.receive_envelope(s, ELECTION, codes[1],
                                       DEADLINE + dt.timedelta(seconds=1), "mesa")
        postal.receive_envelope(s, ELECTION, codes[2], DEADLINE - dt.timedelta(days=3), "mesa")
        assert (on_time.late, late.late) == (False, True)
        assert late.status == "late" and late.received_at is not None
        with pytest.raises(UserError) as err:
            postal.receive_envelope(s, ELECTION, codes[1], DEADLINE, "mesa")
        assert err.value.key == "count.postal.already_received"
        with pytest.raises(UserError) as err:
            postal.receive_envelope(s, ELECTION, "VMR123", DEADLINE, "mesa")
        assert err.value.key == "count.postal.unknown_tracking"
    with transaction(sessions) as s:
        tables = postal.assign_envelopes(s, ELECTION, "JAL", per_table=1)
        assert len(tables) == 2  # two on-time envelopes, one per table; the late one waits
        assert sorted(postal.envelopes_at(s, t.id) for t in tables) == [1, 1]
        summary = postal.return_summary(s, ELECTION, "JAL")
        assert (summary["received"], summary["late"], summary["prepared"]) == (2, 1, 1)
        logged = events(s, "count.envelope_received")
        assert [e.detail for e in logged] == ["on time", "late", "on time"]
        assert all("Persona" not in e.subject + e.detail for e in logged)  # no personal data


def test_legal_deadline_is_24_hours_before_polls_open():
    deadline = postal.legal_deadline(dt.date(2024, 6, 2), "America/Mexico_City")
    assert deadline == dt.datetime(2024, 6, 1, 14, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("content", "key", "params"), [
    (b"code,received_at\n", "count.returns.header", {"expected": "envelope,received_at"}),
    (b"envelope,received_at\nVMR00000000001,2024-05-01T10:00:00\n", "count.returns.bad_value",
     {"line": 2, "column": "received_at"}),
    (b"envelope,received_at\nVMR1,2024-05-01T10:00:00-06:00\n", "count.returns.bad_value",
     {"line": 2, "column": "envelope"}),
    (b"envelope,received_at\n\nVMR00000000001,2024-05-01T10:00:00Z,x\n",
     "count.returns.row_length", {"line": 3, "found": 3, "expected": 2}),
    (b"envelope,received_at\nVMR0000000\x0000001,2024-05-01T10:00:00Z\n",
     "count.returns.bad_value", {"line": 2, "column": "envelope"}),
    (b"envelope,received_at\nVMR00000000001,2024-05-01T10:00:00Z\n\xff\n",
     "count.returns.bad_file", {"line": 3}),
])
def test_malformed_returns_files_are_refused_whole(tmp_path, content, key, params):
    path = tmp_path / "recibidos.csv"
    path.write_bytes(content)
    register_parts()
    result = CliRunner().invoke(app, ["count", "returns", ELECTION, str(path), "--db",
                                      f"sqlite:///{tmp_path / 'x.sqlite'}"])
    assert isinstance(result.exception, UserError), result.output
    assert (result.exception.key, result.exception.params) == (key, params)
