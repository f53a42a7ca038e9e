"""The register port: the synthetic register (reproducible, realistic, unique keys) and the
CSV extract of a real one (header and every cell checked, errors naming the line)."""

from __future__ import annotations

import csv
import re

import pytest
from typer.testing import CliRunner

from vmre.core.database import transaction
from vmre.core.entities import BY_ID
from vmre.core.messages import UserError
from vmre.registry import service
from vmre.registry.cli import registry_app
from vmre.registry.padron import (
    CSV_COLUMNS,
    CsvPadron,
    Padron,
    SyntheticPadron,
    configured,
    fold,
    from_spec,
)
from vmre.registry.rules import ELECTOR_KEY

from .conftest import ELECTION, submit_direct


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


# ---------------------------------------------------------------- the CSV register extract


def _write(path, rows, header=CSV_COLUMNS):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _row(record, **changes):
    values = {f: getattr(record, f) for f in CSV_COLUMNS} | changes
    return [values[f] for f in CSV_COLUMNS]


def test_csv_extract_written_by_the_cli_reads_back_through_the_port(tmp_path):
    out = tmp_path / "padron.csv"
    result = CliRunner().invoke(registry_app, ["padron", "--seed", "5", "--size", "300",
                                               "--out", str(out)])
    assert result.exit_code == 0, result.output
    padron: Padron = CsvPadron(out)
    synthetic = SyntheticPadron(5, 300)
    assert len(padron) == 300
    assert all(padron.lookup(r.elector_key) == r for r in synthetic)
    assert padron.lookup(synthetic.record(7).elector_key.lower() + " ") == synthetic.record(7)
    assert padron.lookup("XXXXXX00000000H000") is None
    assert isinstance(from_spec(f"csv:{out}"), CsvPadron)


def test_csv_columns_in_any_order_and_spanish_booleans(tmp_path):
    record = SyntheticPadron(3, 5).record(2)
    header = tuple(reversed(CSV_COLUMNS))
    row = list(reversed(_row(record, issued_abroad="sí" if record.issued_abroad else "no")))
    assert CsvPadron(_write(tmp_path / "p.csv", [row], header)).lookup(
        record.elector_key) == record


def test_csv_header_is_checked(tmp_path):
    header = [c for c in CSV_COLUMNS if c != "cic"] + ["cp"]
    with pytest.raises(UserError) as err:
        CsvPadron(_write(tmp_path / "p.csv", [], header))
    assert err.value.key == "registry.padron.header"
    message = str(err.value)
    assert "faltan [cic]" in message and "missing [cic]" in message and "[cp]" in message


@pytest.mark.parametrize(("column", "value"), [
    ("birth_date", "1990-02-30"), ("elector_key", "GRCLPZ90"), ("entity_id", "XX"),
    ("issued_abroad", "quizá"), ("validity_year", "27"), ("ocr", "12ab"), ("sex", "Z"),
    ("given_names", ""),
])
def test_csv_bad_cell_names_line_and_column_but_not_the_value(tmp_path, column, value):
    records = list(SyntheticPadron(3, 3))
    rows = [_row(records[0]), _row(records[1], **{column: value}), _row(records[2])]
    with pytest.raises(UserError) as err:
        CsvPadron(_write(tmp_path / "p.csv", rows))
    assert err.value.key == "registry.padron.bad_row"
    assert err.value.params == {"path": "p.csv", "line": 3, "column": column}
    message = str(err.value)
    assert "línea 3" in message and "line 3" in message and column in message
    assert not value or value not in message


def test_csv_repeated_key_short_row_and_unknown_spec(tmp_path):
    record = SyntheticPadron(3, 1).record(0)
    with pytest.raises(UserError) as err:
        CsvPadron(_write(tmp_path / "d.csv", [_row(record), [], _row(record)]))
    assert (err.value.key, err.value.params["line"]) == ("registry.padron.duplicate", 4)
    with pytest.raises(UserError) as err:
        CsvPadron(_write(tmp_path / "s.csv", [_row(record)[:5]]))
    assert err.value.key == "registry.padron.row_length"
    with pytest.raises(UserError) as err:
        from_spec("ldap:padron.example")
    assert err.value.key == "registry.padron.spec"
    with pytest.raises(UserError) as err:
        CsvPadron(tmp_path / "missing.csv")
    assert err.value.key == "registry.padron.unreadable"


def test_configured_register_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("VMRE_PADRON", raising=False)
    monkeypatch.setenv("VMRE_PADRON_SEED", "9")
    monkeypatch.setenv("VMRE_PADRON_SIZE", "20")
    default = configured()
    assert isinstance(default, SyntheticPadron) and (default.seed, default.size) == (9, 20)
    out = _write(tmp_path / "p.csv", [_row(SyntheticPadron(1, 1).record(0))])
    monkeypatch.setenv("VMRE_PADRON", f"csv:{out}")
    assert isinstance(configured(), CsvPadron) and len(configured()) == 1


def test_first_review_against_a_csv_extract_from_the_command_line(env, tmp_path):
    known, also_known, absent = env.good_records()[:3]
    folios = [submit_direct(env, r) for r in (known, also_known, absent)]
    out = _write(tmp_path / "extracto.csv", [_row(known), _row(also_known)])
    url = env.app.state.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(registry_app, ["validate", "--election", ELECTION,
                                               "--padron", f"csv:{out}", "--db", url])
    assert result.exit_code == 0, result.output
    with transaction(env.app.state.sessions) as s:
        found = [(r.status, r.finding) for r in
                 (service.request_by_folio(s, f) for f in folios)]
    assert found == [("accepted", ""), ("accepted", ""), ("in_review", "not_in_register")]


def test_first_review_page_says_when_the_configured_register_cannot_be_opened(env, tmp_path,
                                                                            monkeypatch):
    from .test_review import _admin_csrf

    del env.app.state.registry_padron
    monkeypatch.setenv("VMRE_PADRON", f"csv:{tmp_path / 'no-such-file.csv'}")
    env.login("super")
    r = env.client.post("/admin/registry/validate", data={"election": ELECTION,
                                                          "csrf": _admin_csrf(env)})
    assert r.status_code == 503 and "no-such-file.csv" in r.text
    assert "No se puede leer" in r.text
