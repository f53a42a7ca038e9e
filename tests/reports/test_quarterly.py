"""The quarterly report reproduces the seed's figures from individual rows."""

from __future__ import annotations

import datetime as dt
import re

import pypdf
from sqlalchemy import func, select
from typer.testing import CliRunner

from vmre.cards.models import Notice
from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.reports.quarterly import gather
from vmre.reports.sample import load_sample
from vmre.service.models import Contact
from vmre.service.periods import Period

QUARTER = Period(dt.date(2019, 12, 1), dt.date(2020, 2, 29))

# Figures as the seed prints them (section, then the numbers that must appear).
SEED_FIGURES = [
    "19,407", "18,436", "492", "479",  # contacts by origin
    "18,425", "500", "232", "197", "52",  # by channel (and 1 in person)
    "60", "69", "19,278",  # by topic
    "14,104", "1,179", "15,283",  # outbound campaign
    "5,047", "1,215", "6,262", "365", "377",  # December 2019
    "4,876", "3,288", "8,164", "459", "504",  # January 2020
    "2,919", "1,518", "4,437", "294", "295",  # February 2020
    "18,863", "1,176", "297",  # civic totals (50 publications)
    "30,962", "1,168", "2,734", "4,442", "572", "316",  # linkage accounts
    "185,090", "1,581", "78,929", "80,230", "1,842",  # institute accounts
    "110",  # media notes
]


def _loaded(url: str):
    engine = make_engine(url)
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as session:
        load_sample(session)
    return factory


def test_sample_figures_from_rows(db_url):
    factory = _loaded(db_url)
    with factory() as session:
        # Individual rows, not stored totals.
        assert session.scalar(select(func.count()).select_from(Contact)) == 19407
        assert session.scalar(select(func.count()).select_from(Notice)) == 15283
        data = gather(session, QUARTER)
        # A period outside the quarter sees none of it.
        empty = gather(session, Period(dt.date(2020, 3, 1), dt.date(2020, 5, 31)))
    c = data.contacts
    assert c.total == 19407
    assert c.by_origin == {"us": 18436, "other": 492, "mexico": 479}
    assert c.by_channel == {"phone": 18425, "voicemail": 500, "email": 232, "facebook": 197,
                            "twitter": 52, "in_person": 1}
    assert c.by_topic == {"consulates": 60, "registration": 69, "card": 19278,
                          "vote_abroad": 0}
    assert sum(c.by_month.values()) == 19407 and len(c.by_month) == 3
    by_call, by_mail = data.campaigns  # one campaign per channel, as the report ran them
    assert (by_call.channel, by_call.by_channel["call"], by_call.total) == ("call", 14104, 14104)
    assert (by_mail.channel, by_mail.by_channel["email"], by_mail.total) == ("email", 1179, 1179)
    civic = data.social["civic"]
    assert [t.total("impressions") for t in civic.tables] == [6262, 8164, 4437]
    assert [t.total("publications") for t in civic.tables] == [18, 20, 12]
    assert civic.totals["publications"] == 50 and civic.totals["reproductions"] == 1176
    assert data.media_total == 110
    assert len(data.bulletins) == 3 and len(data.materials) == 5
    assert data.social["institute"].previous == {"twitter": 1842}
    assert empty.contacts.total == 0 and empty.campaigns == [] and empty.media_total == 0


def test_quarterly_command_writes_pdf_with_seed_figures(sqlite_url, tmp_path):
    from vmre.reports.cli import app

    out = tmp_path / "informe"
    result = CliRunner().invoke(app, [
        "quarterly", "--from", "2019-12-01", "--to", "2020-02-29",
        "--out", str(out), "--sample", "--db", sqlite_url,
    ])
    assert result.exit_code == 0, result.output
    html = (out / "informe-trimestral.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "<script" not in html
    text = "\n".join(page.extract_text() for page in
                     pypdf.PdfReader(out / "informe-trimestral.pdf").pages)
    tokens = set(re.findall(r"\d[\d,]*", text))
    missing = [figure for figure in SEED_FIGURES if figure not in tokens]
    assert not missing, missing
    for heading in ("1. Presentación", "2.2.1. Atención ciudadana", "2.2.1.1. Servicios de Salida",
                    "2.2.4.1. Materiales digitales", "2.2.5.4. Monitoreo de medios",
                    "2.4. Organización del VMRE por medios electrónicos", "3. Anexos",
                    "DICIEMBRE 2019", "ENERO 2020", "FEBRERO 2020"):
        assert heading in text, heading
    assert "Avisos de llamada automatizada de salida 14,104" in text
    assert "Avisos vía correo electrónico 1,179" in text
    # Loading the sample twice is refused: figures would double.
    again = CliRunner().invoke(app, [
        "quarterly", "--from", "2019-12-01", "--to", "2020-02-29",
        "--out", str(out), "--sample", "--db", sqlite_url,
    ])
    assert again.exit_code != 0
