"""Counting tables: consistency checks, double capture, supervisor resolution, re-capture with
history and versioned entity counts, and the acta PDF read back."""

from __future__ import annotations

import json

import pytest
from count_helpers import DEADLINE, ELECTION

from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.core.messages import UserError, text
from vmre.core.staff import Role, create_user
from vmre.count import acta_pdf, entity_count, postal, service, tables
from vmre.count.actas import check_figures, figures_hash
from vmre.count.postal import PostalVoter


def results_for(manifest, picks: dict[str, dict[str, int]]) -> dict:
    contests = {}
    for contest in manifest.contests:
        counts = {o.id: 0 for o in contest.options}
        counts.update(picks.get(contest.id, {}))
        contests[contest.id] = {"ballots": sum(counts.values()), "counts": counts}
    return {"election_id": ELECTION, "custodians_used": [1, 2], "contests": contests}


def figures(manifest, contest_id: str, picks: dict[str, int], total: int | None = None,
            taken: int | None = None) -> dict:
    counts = {o.id: 0 for o in manifest.contest(contest_id).options}
    counts.update(picks)
    n = sum(counts.values())
    return {"counts": counts, "total": n if total is None else total,
            "ballots_taken": n if taken is None else taken}


@pytest.fixture
def table_jal(sessions, manifest):
    """One JAL table holding four on-time envelopes; internet results imported."""
    with transaction(sessions) as s:
        postal.set_deadline(s, ELECTION, DEADLINE)
        for i in range(5):
            p = postal.register_postal_voter(s, ELECTION, PostalVoter(
                f"V{i}", "JAL", f"P{i}", ("Addr",), "Canadá"))
            late = i == 4
            postal.receive_envelope(s, ELECTION, p.return_tracking,
                                    DEADLINE.replace(day=2 if late else 1), "recepcion")
        (tbl,) = postal.assign_envelopes(s, ELECTION, "JAL")
        service.import_electronic(s, manifest, results_for(manifest, {
            "gob-jal": {"pan": 3, "pan+pri": 2, "morena": 4, "mc": 1, "nulo": 1}}))
        create_user(s, "supervisora", "contraseña-larga-1", [Role.SUPERVISOR])
        create_user(s, "revisor", "contraseña-larga-2", [Role.REVIEWER])
    return tbl.id


def test_consistency_checks_name_the_reason(manifest):
    contest = manifest.contest("gob-gto")
    good = figures(manifest, "gob-gto", {"pan": 2, "nulo": 1})
    assert check_figures(contest, good, envelopes=3) == []
    assert check_figures(contest, good, envelopes=None) == []
    assert check_figures(contest, figures(manifest, "gob-gto", {"pan": 2}, total=3), 5) == [
        ("count.acta.sum_mismatch", {"rows": 2, "total": 3}),
        ("count.acta.ballots_mismatch", {"ballots": 2, "total": 3})]
    assert check_figures(contest, good, envelopes=2) == [
        ("count.acta.exceeds_envelopes", {"total": 3, "envelopes": 2})]
    bad = figures(manifest, "gob-gto", {"pan": -1})
    assert ("count.acta.not_a_count", {"field": "pan"}) in check_figures(contest, bad, 5)
    extra = figures(manifest, "gob-gto", {"pvem+pan": 1})
    assert ("count.acta.unknown_option", {"option": "pvem+pan"}) in \
        check_figures(contest, extra, 5)
    missing = figures(manifest, "gob-gto", {})
    del missing["counts"]["mc"]
    assert check_figures(contest, missing, 5)[0] == ("count.acta.missing_option",
                                                     {"option": "mc"})
    message = text("count.acta.exceeds_envelopes", "es", total=3, envelopes=2)
    assert "3 votos" in message and "2 sobres" in message


def test_double_capture_mismatch_needs_a_supervisor(sessions, manifest, table_jal):
    one = figures(manifest, "gob-jal", {"pan": 2, "pan+pri+prd": 1, "nulo": 1})
    two = figures(manifest, "gob-jal", {"pan": 1, "pri": 1, "pan+pri+prd": 1, "nulo": 1})
    with transaction(sessions) as s:
        assert service.capture(s, manifest, table_jal, "gob-jal", "op1", one).status == "open"
        with pytest.raises(UserError) as err:
            service.capture(s, manifest, table_jal, "gob-jal", "op1", one)
        assert err.value.key == "count.capture.same_operator"
        acta = service.capture(s, manifest, table_jal, "gob-jal", "op2", two)
        assert acta.status == "mismatch"
        assert json.loads(acta.reason_params) == {"fields": "counts.pan, counts.pri"}
        with pytest.raises(UserError) as err:
            service.capture(s, manifest, table_jal, "gob-jal", "op3", one)
        assert err.value.key == "count.capture.awaiting_supervisor"
        with pytest.raises(UserError) as err:
            service.resolve(s, manifest, table_jal, "gob-jal",
                            s.scalars(_user("revisor")).one(), one, "leído del acta")
        assert err.value.key == "count.capture.supervisor_only"
        supervisor = s.scalars(_user("supervisora")).one()
        with pytest.raises(UserError) as err:
            service.resolve(s, manifest, table_jal, "gob-jal", supervisor, one, " ")
        assert err.value.key == "count.capture.reason_required"
        acta = service.resolve(s, manifest, table_jal, "gob-jal", supervisor, one,
                               "cifras leídas del acta en papel")
        assert acta.status == "valid" and acta.decided_by == "supervisora"
        assert [e.action for e in events(s) if e.action.startswith("count.capture")] == [
            "count.capture", "count.capture", "count.capture_mismatch",
            "count.capture_resolved"]
        count = entity_count.latest_count(s, ELECTION, "JAL")
        data = json.loads(count.figures)["contests"]["gob-jal"]
        # internet 3 pan + 2 pan+pri + 4 morena + 1 mc + 1 nulo; postal 2 pan + 1 of 3 + 1 nulo
        assert data["counts"]["pan"] == 5 and data["postal"]["ballots"] == 4
        assert data["candidates"] == {"jal-a": 8, "jal-b": 4, "jal-c": 1}
        # pan+pri 2 → 1/1; pan+pri+prd 1 → remainder to PAN (5 own votes)
        assert data["parties"]["pan"] == 5 + 1 + 1 and data["parties"]["pri"] == 1
        assert data["pending"] == [] and data["total"] == 15


def _user(name):
    from sqlalchemy import select

    from vmre.core.staff import StaffUser

    return select(StaffUser).where(StaffUser.username == name)


def test_inconsistent_acta_is_blocked_and_recaptured_with_history(sessions, manifest,
                                                                  table_jal):
    ok = figures(manifest, "dip-migrante-jal", {"pan": 2, "mc": 2})
    with transaction(sessions) as s:
        # Five votes from a table that received four envelopes on time (the late one is out).
        five = figures(manifest, "dip-migrante-jal", {"pan": 3, "mc": 2})
        service.capture(s, manifest, table_jal, "dip-migrante-jal", "op1", five)
        acta = service.capture(s, manifest, table_jal, "dip-migrante-jal", "op2", five)
        assert (acta.status, acta.reason) == ("blocked", "count.acta.exceeds_envelopes")
        assert json.loads(acta.reason_params) == {"total": 5, "envelopes": 4}
        with pytest.raises(UserError) as err:
            service.capture(s, manifest, table_jal, "dip-migrante-jal", "op3", ok)
        assert err.value.key == "count.capture.closed"
        with pytest.raises(UserError) as err:
            service.recapture(s, table_jal, "dip-migrante-jal", "op1", "")
        assert err.value.key == "count.capture.reason_required"
        service.recapture(s, table_jal, "dip-migrante-jal", "op1", "error de captura")
        service.capture(s, manifest, table_jal, "dip-migrante-jal", "op1", ok)
        assert service.capture(s, manifest, table_jal, "dip-migrante-jal", "op3",
                               ok).status == "valid"
        first = entity_count.latest_count(s, ELECTION, "JAL")
        # A recount finds one more MC vote in place of a PAN vote: version 3 of the acta.
        service.recapture(s, table_jal, "dip-migrante-jal", "supervisora", "recuento de la mesa")
        tbl = tables.table(s, table_jal)
        assert tables.table_document(s, manifest, tbl)["contests"]["dip-migrante-jal"][
            "version"] == 2  # the previous valid version stays in force meanwhile
        recount = figures(manifest, "dip-migrante-jal", {"pan": 1, "mc": 3})
        service.capture(s, manifest, table_jal, "dip-migrante-jal", "op1", recount)
        service.capture(s, manifest, table_jal, "dip-migrante-jal", "op2", recount)
        history = tables.history(s, table_jal, "dip-migrante-jal")
        assert [(a.version, a.status) for a in history] == [(1, "blocked"), (2, "valid"),
                                                             (3, "valid")]
        assert history[2].recapture_reason == "recuento de la mesa"
        second = entity_count.latest_count(s, ELECTION, "JAL")
        assert second.version == first.version + 1
        figs = json.loads(second.figures)
        assert figs["contests"]["dip-migrante-jal"]["sources"] == {"JAL-01": 3}
        assert figs["contests"]["dip-migrante-jal"]["postal"]["counts"]["mc"] == 3
        assert [e.action for e in events(s, "count.recapture")] == ["count.recapture"] * 2


def test_acta_pdf_text_matches_the_figures(sessions, manifest, table_jal, tmp_path):
    picks = figures(manifest, "gob-jal", {"pan": 1, "pvem+pt+morena": 2, "no-registrado": 1})
    with transaction(sessions) as s:
        service.capture(s, manifest, table_jal, "gob-jal", "op1", picks)
        service.capture(s, manifest, table_jal, "gob-jal", "op2", picks)
        written = entity_count.write_actas(s, manifest, ELECTION, tmp_path)
        row = entity_count.latest_count(s, ELECTION, "JAL")
    assert "actas/computo/JAL.pdf" in written and "actas/mesas/JAL-01.json" in written
    doc = json.loads((tmp_path / "actas/computo/JAL.json").read_text())
    assert doc["figures_sha256"] == figures_hash(doc["figures"]) == row.figures_sha256
    pdf = (tmp_path / "actas/computo/JAL.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    content = acta_pdf.pdf_text(pdf)
    flat = "".join(content.split())
    assert "ActadeCómputodeEntidadFederativa" in flat and "EntidadfederativaJalisco" in flat
    assert doc["figures_sha256"] in flat
    gob = doc["figures"]["contests"]["gob-jal"]
    # jal-b: internet 4 morena + postal 2 for PVEM+PT+MORENA → 6
    assert gob["candidates"]["jal-b"] == 6
    for cid, data in doc["figures"]["contests"].items():
        office = manifest.contest(cid).office
        assert "".join(office.split()) in flat
        for cand in manifest.contest(cid).candidates:
            assert f"{''.join(cand['name'].split())}{data['candidates'][cand['id']]}" in flat
        assert f"Votacióntotalemitida{data['postal']['ballots']}" \
               f"{data['electronic']['ballots']}{data['total']}" in flat
    sums = (tmp_path / "SHA256SUMS").read_text().splitlines()
    assert sorted(line.split("  ")[1] for line in sums) == written
