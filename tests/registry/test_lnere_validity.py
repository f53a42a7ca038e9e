"""The LNERE as the law has it (docs/registry.md §5.1): observations of the parties and the
CNV, each answered with an outcome before the entity's list is declared valid; the temporary
removal of those on it from the in-country list, and their restoration after the election —
all through `vmre registry lnere`."""

from __future__ import annotations

import csv
import datetime as dt

from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.audit import events
from vmre.core.clock import today
from vmre.core.database import transaction
from vmre.core.messages import UserError
from vmre.registry import service

from .conftest import ELECTION, submit_direct


def _cli(db: str, *args: str):
    register_parts()
    return CliRunner().invoke(app, ["registry", *args, "--election", ELECTION, "--db", db])


def _refused(result, key: str) -> None:
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, UserError) and result.exception.key == key, \
        (result.output, result.exception)


def _ok(result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_observations_answered_then_validity_then_the_in_country_files(
        env, db_url, tmp_path, smtp_server):
    jal = [r for r in env.good_records() if r.entity_id == "JAL"][:2]
    folios = [submit_direct(env, r) for r in jal]
    with transaction(env.app.state.sessions) as s:
        for folio in folios:
            service.accept(s, service.request_by_folio(s, folio), "revisor")
    observe = ("lnere", "observe", "--entity", "JAL", "--filer-kind", "party", "--filer",
               "PAN", "--subject", "Registros con domicilio repetido")
    _refused(_cli(db_url, *observe), "registry.lnere.lists_open")  # the list is not closed
    _ok(_cli(db_url, "close", "--entity", "JAL"))

    assert "Observación 1" in _ok(_cli(db_url, *observe))
    _refused(_cli(db_url, "lnere", "observe", "--entity", "JAL", "--filer-kind", "notaria",
                  "--filer", "X", "--subject", "y"), "registry.lnere.bad_filer")
    _ok(_cli(db_url, "lnere", "observe", "--entity", "JAL", "--filer-kind", "cnv", "--filer",
             "CNV", "--subject", "Verificar la adenda"))
    day = today() + dt.timedelta(days=30)
    declare = ("lnere", "declare-valid", "--entity", "JAL", "--agreement",
               "INE/CG000/2027", "--election-day", day.isoformat())
    unanswered = _cli(db_url, *declare)
    _refused(unanswered, "registry.lnere.unanswered")
    assert "(1, 2)" in str(unanswered.exception)
    _refused(_cli(db_url, "lnere", "in-country", "--entity", "JAL", "--kind", "removal",
                  "--out", str(tmp_path / "early.csv")), "registry.lnere.not_valid")
    assert not (tmp_path / "early.csv").exists()

    _ok(_cli(db_url, "lnere", "answer", "1", "--outcome", "upheld", "--answer",
             "Dos registros verificados en campo"))
    _refused(_cli(db_url, "lnere", "answer", "1", "--outcome", "dismissed", "--answer", "x"),
             "registry.lnere.already_answered")
    _refused(_cli(db_url, "lnere", "answer", "2", "--outcome", "quizá", "--answer", "x"),
             "registry.lnere.bad_outcome")
    _refused(_cli(db_url, *declare), "registry.lnere.unanswered")  # one still pending
    _ok(_cli(db_url, "lnere", "answer", "2", "--outcome", "dismissed", "--answer",
             "La adenda está vacía"))
    listed = _ok(_cli(db_url, "lnere", "observations"))
    assert "party:PAN\tupheld" in listed and "cnv:CNV\tdismissed" in listed

    assert "2 personas" in _ok(_cli(db_url, *declare))
    _refused(_cli(db_url, *observe), "registry.lnere.already_valid")
    _refused(_cli(db_url, *declare), "registry.lnere.already_valid")

    restore = ("lnere", "in-country", "--entity", "JAL", "--kind", "restoration", "--out",
               str(tmp_path / "reincorporacion.csv"))
    after = (day + dt.timedelta(days=1)).isoformat()
    _refused(_cli(db_url, *restore, "--today", day.isoformat()),
             "registry.lnere.before_election_end")
    _refused(_cli(db_url, *restore, "--today", after), "registry.lnere.never_removed")
    _ok(_cli(db_url, "lnere", "in-country", "--entity", "JAL", "--kind", "removal", "--out",
             str(tmp_path / "baja.csv")))
    _ok(_cli(db_url, *restore, "--today", after))
    keys = sorted(r.elector_key for r in jal)
    for name, movement in (("baja.csv", "baja_temporal"),
                           ("reincorporacion.csv", "reincorporacion")):
        rows = list(csv.DictReader((tmp_path / name).open(encoding="utf-8")))
        assert [r["elector_key"] for r in rows] == keys
        assert {r["movement"] for r in rows} == {movement} and {r["entity_id"] for r in rows} \
            == {"JAL"} and sorted(r["folio"] for r in rows) == sorted(folios)
    with transaction(env.app.state.sessions) as s:
        assert [e.action for e in events(s) if e.action.startswith(
            ("registry.observation", "registry.list_declared", "registry.in_country"))] == [
            "registry.observation_filed", "registry.observation_filed",
            "registry.observation_answered", "registry.observation_answered",
            "registry.list_declared_valid", "registry.in_country_export",
            "registry.in_country_export"]
