"""The entity count's acta PDF shows what people read — the contest's office, parties and
coalitions by name with their candidates, the entity's name, counts with thousands separators —
never an id (`(gob-jal)`, `pan+pri`, `jal-a`, `JAL`); and the verifier (§12.6) still ties each
contest's printed totals to that contest's section."""

from __future__ import annotations

import hashlib
import json

from vmre.count import acta_pdf
from vmre.count.actas import electronic_acta, entity_figures, figures_hash
from vmre.count.verification import _check_pdf


def _figures(manifest) -> dict:
    contests = {}
    for contest in manifest.contests:
        counts = {o.id: 0 for o in contest.options}
        counts.update({"pan": 1234, "pan+pri": 1, "morena": 20000, "nulo": 2})
        counts = {k: v for k, v in counts.items() if k in {o.id for o in contest.options}}
        contests[contest.id] = {"ballots": sum(counts.values()), "counts": counts}
    electronic = electronic_acta(manifest, {"contests": contests})
    return entity_figures(manifest, "JAL", electronic, [], 1)


def _flat(pdf: bytes) -> str:
    return "".join(acta_pdf.pdf_text(pdf).split())


def test_the_acta_shows_names_and_grouped_numbers_never_ids(manifest):
    figures = _figures(manifest)
    flat = _flat(acta_pdf.entity_acta_pdf(manifest, figures, figures_hash(figures)))
    for cid in ("gob-jal", "dip-migrante-jal"):
        assert f"({cid})" not in flat
    for id_ in ("pan+pri", "PAN+PRI", "jal-a", "djal-pan", "(JAL)", "electronica"):
        assert id_ not in flat
    assert "GubernaturadeJalisco" in flat and "DiputaciónmigrantedeJalisco" in flat
    assert "Jalisco" in flat
    assert ("PartidoAcciónNacional+PartidoRevolucionarioInstitucional(coaliciónFuerzayCorazón)"
            "—AnaLucíaIbarraPeña") in flat
    assert "PartidoAcciónNacional" in flat and "MovimientoCiudadano" in flat
    gob = figures["contests"]["gob-jal"]
    assert gob["total"] == 21237
    assert "Votacióntotalemitida021,23721,237" in flat  # postal, internet, total
    assert "1,234" in flat and "20,000" in flat
    assert "Mesa electrónica".replace(" ", "") in flat


def test_the_verifier_ties_named_sections_with_grouped_figures(manifest, tmp_path):
    figures = _figures(manifest)
    pdf = acta_pdf.entity_acta_pdf(manifest, figures, figures_hash(figures))
    (tmp_path / "actas/computo").mkdir(parents=True)
    (tmp_path / "actas/computo/JAL.pdf").write_bytes(pdf)
    doc = {"figures": figures, "figures_sha256": figures_hash(figures),
           "pdf": "actas/computo/JAL.pdf", "pdf_sha256": hashlib.sha256(pdf).hexdigest()}
    order = manifest.contests_for("JAL")
    failures: list[tuple] = []

    def fail(*f):
        failures.append(f)

    _check_pdf(tmp_path, doc, "actas/computo/JAL.json", fail, order)
    assert failures == []
    # the same PDF read against other totals for one contest: that contest is named
    changed = json.loads(json.dumps(doc))
    changed["figures"]["contests"]["dip-migrante-jal"]["total"] += 1
    _check_pdf(tmp_path, changed, "actas/computo/JAL.json", fail, order)
    assert failures == [("12.6", "acta PDF figures", "actas/computo/JAL.pdf:dip-migrante-jal",
                         "the printed totals differ from the figures")]


def test_the_late_envelopes_acta_shows_entity_names_and_the_one_date_format():
    import datetime as dt

    from vmre.count.models import Package

    deadline = dt.datetime(2024, 6, 1, 14, 0, tzinfo=dt.UTC)
    late = [Package(entity="JAL", return_tracking="RT1", name="Ana Pérez",
                    received_at=dt.datetime(2024, 6, 2, 15, 5, tzinfo=dt.UTC))]
    flat = _flat(acta_pdf.late_acta_pdf("Elección", deadline, late, "JAL"))
    assert "1dejuniode2024,08:00(horadelcentrodeMéxico)" in flat
    assert "2dejuniode2024,09:05(horadelcentrodeMéxico)" in flat
    assert "EntidadfederativaJalisco" in flat and "Jalisco1Total1" in flat
    assert "JAL" not in flat and "2024-06-01" not in flat
