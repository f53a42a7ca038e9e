"""The quarterly report says when it is made of sample data, on every page, and the sample
invents nothing that reads as fact; it has the sections the source has (docs/reports.md);
its charts are on a linear scale with every figure written on its bar."""

from __future__ import annotations

import datetime as dt

import pypdf
from typer.testing import CliRunner

from vmre.reports import charts
from vmre.reports.cli import app


def _report(out, db: str, start: str, end: str, *extra: str) -> tuple[str, list[str]]:
    done = CliRunner().invoke(app, ["quarterly", "--from", start, "--to", end, "--out",
                                    str(out), "--db", db, *extra])
    assert done.exit_code == 0, (done.output, done.exception)
    pages = [" ".join(p.extract_text().split())
             for p in pypdf.PdfReader(out / "informe-trimestral.pdf").pages]
    return (out / "informe-trimestral.html").read_text(encoding="utf-8"), pages


def test_a_sample_report_is_marked_on_every_page_and_invents_no_fact(tmp_path, sqlite_url):
    html, pages = _report(tmp_path / "muestra", sqlite_url, "2019-12-01", "2020-02-29",
                          "--sample")
    assert len(pages) > 5
    assert all("DATOS DE MUESTRA" in page for page in pages)
    assert "DATOS DE MUESTRA" in html and "sample-banner" in html
    text = " ".join(pages)
    # no outlet, summary or link the source does not give; no outlet in the wrong medium
    for invented in ("La Jornada", "El Universal", "Milenio", "Excélsior", "Radio Fórmula",
                     "Avances del voto electrónico por internet desde el extranjero",
                     "Consejeros refrendan el compromiso"):
        assert invented not in text, invented
    assert "la fuente informa 110 notas sin su desglose" in text
    assert "el reparto por medio es ilustrativo" in text
    assert text.count("ilustrativo: el informe no da su título ni su fecha") == 3  # bulletins
    # the sections the source has
    for expected in ("INE/CG1305/2018", "INE/CG407/2019", "14 de noviembre de 2018",
                     "Baja California Sur, Colima, Chihuahua, Ciudad de México, Guanajuato, "
                     "Guerrero, Jalisco, Michoacán, Nayarit, Querétaro, San Luis Potosí y "
                     "Zacatecas", "6 de junio de 2021", "reportes quincenales",
                     "2.2.6.1. Elaboración de infografías", "10 infografías",
                     "Multiculturalismo y democracia", "Ciudadanía trasnacional",
                     "casi 12 millones de mexicanas y mexicanos", "F112510",
                     "Servicios Integrales de la Infraestructura de Cómputo",
                     "2.4.1.3. Auditorías al SIVEI", "dos empresas de prestigio internacional"):
        assert expected in text, expected


def test_a_report_of_real_data_is_not_marked_and_counts_the_biweekly_reports(
        tmp_path, sqlite_url):
    today = dt.date.today()
    done = CliRunner().invoke(app, ["biweekly", "--to", today.isoformat(), "--out",
                                    str(tmp_path / "q"), "--db", sqlite_url])
    assert done.exit_code == 0, done.output
    html, pages = _report(tmp_path / "real", sqlite_url, today.replace(day=1).isoformat(),
                          today.isoformat())
    assert not any("DATOS DE MUESTRA" in page for page in pages)
    assert "DATOS DE MUESTRA" not in html
    assert "Reportes quincenales de credencialización generados para los OPL en el periodo: 1" \
        in " ".join(pages)


def test_charts_are_linear_with_every_figure_written():
    fig = charts.bars_figure(["Teléfono", "Correo", "Presencial"], [18425, 232, 1], "Canales")
    (ax,) = fig.axes
    assert ax.get_xscale() == "linear"
    assert sorted(a.get_text() for a in ax.texts) == ["1", "18,425", "232"]
    fig = charts.grouped_figure(["Dic", "Ene"], {"Twitter": [5047, 4876], "Facebook": [1215, 3288]},
                                "Impresiones")
    (ax,) = fig.axes
    assert ax.get_yscale() == "linear"
    assert sorted(a.get_text() for a in ax.texts) == ["1,215", "3,288", "4,876", "5,047"]
