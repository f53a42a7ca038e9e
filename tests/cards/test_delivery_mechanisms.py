"""The four delivery mechanisms of INE/CG61/2020 and the process's delivery rules (docs/cards.md,
"Delivery mechanisms" and "Delivery rules"), walked through `vmre cards` as the consulates'
and the courier's files arrive."""

from __future__ import annotations

from typer.testing import CliRunner

from vmre.cards.cli import app as cards
from vmre.cards.rules import MOCE_SOURCE
from vmre.core.database import make_engine, session_factory
from vmre.core.messages import text

HEADER = ("request_id,consulate,country,appointment_date,entity,mechanism,"
          "third_party_consent\n")


def _run(tmp_path, db: str, *args: str, csv: str | None = None):
    if csv is not None:
        path = tmp_path / f"f{abs(hash(csv))}.csv"
        path.write_text(csv, encoding="utf-8")
        args = (*args, str(path))
    return CliRunner().invoke(cards, [*args, "--db", db])


def _shipped(tmp_path, db: str, rows: str) -> None:
    done = _run(tmp_path, db, "import-requests", csv=HEADER + rows)
    assert done.exit_code == 0, done.output
    ids = [line.split(",")[0] for line in rows.strip().splitlines()]
    assert _run(tmp_path, db, "batch", "L1", "2020-03-01", *ids).exit_code == 0
    for ref in ids:
        assert _run(tmp_path, db, "ship", ref, f"T-{ref}", "2020-03-02").exit_code == 0


def _events(tmp_path, db: str, rows: str):
    return _run(tmp_path, db, "import-events",
                csv="tracking,event,occurred_at,third_party\n" + rows)


def _status(db: str, tracking: str) -> tuple[str, int]:
    from sqlalchemy import select

    from vmre.cards.models import Shipment

    with session_factory(make_engine(db))() as s:
        row = s.scalar(select(Shipment).where(Shipment.tracking == tracking))
        return row.status, row.attempts


def test_ocurre_is_not_chosen_on_the_request(tmp_path, sqlite_url):
    refused = _run(tmp_path, sqlite_url, "import-requests",
                   csv=HEADER + "A1,Chicago,US,2020-02-03,JAL,home,\n"
                                "A2,Madrid,ES,2020-02-03,ZAC,ocurre,\n")
    assert refused.exit_code == 1
    assert "Línea 3" in refused.output
    assert text("cards.error.ocurre_not_choosable", "es")[:40] in refused.output


def test_a_third_person_receives_at_home_or_the_alternate_address_with_express_consent(
        tmp_path, sqlite_url):
    db = sqlite_url
    box = _run(tmp_path, db, "import-requests",
               csv=HEADER + "B9,Phoenix,US,2020-02-03,JAL,po_box,sí\n")
    assert box.exit_code == 1 and text("cards.error.consent_address_only", "es")[:40] \
        in box.output  # a P.O. Box has no third person to receive it
    _shipped(tmp_path, db, "B1,Dallas,US,2020-02-03,JAL,alternate,sí\n"
                           "B2,Dallas,US,2020-02-03,JAL,alternate,\n"
                           "B3,Chicago,US,2020-02-03,MICH,home,sí\n")
    no_consent = _events(tmp_path, db, "T-B2,picked_up,2020-03-03T09:00:00-06:00,\n"
                                       "T-B2,delivered,2020-03-04T09:00:00-06:00,sí\n")
    assert no_consent.exit_code == 1 and text("cards.error.no_consent", "es") in no_consent.output
    done = _events(tmp_path, db, "T-B1,picked_up,2020-03-03T09:00:00-06:00,\n"
                                 "T-B1,delivered,2020-03-04T09:00:00-06:00,sí\n"
                                 "T-B3,picked_up,2020-03-03T09:00:00-06:00,\n"
                                 "T-B3,delivered,2020-03-04T09:00:00-06:00,sí\n")
    assert done.exit_code == 0, done.output
    assert _status(db, "T-B1")[0] == _status(db, "T-B3")[0] == "delivered"


def test_ocurre_only_after_delivery_at_the_address_failed(tmp_path, sqlite_url):
    db = sqlite_url
    _shipped(tmp_path, db, "C1,Chicago,US,2020-02-03,JAL,home,\n"
                           "C2,Chicago,US,2020-02-03,JAL,po_box,\n")
    early = _events(tmp_path, db, "T-C1,picked_up,2020-03-03T09:00:00-06:00,\n"
                                  "T-C1,arrived_ocurre,2020-03-04T09:00:00-06:00,\n")
    assert early.exit_code == 1
    assert text("cards.error.ocurre_fallback_only", "es") in early.output
    assert _events(tmp_path, db, "T-C1,picked_up,2020-03-03T09:00:00-06:00,\n"
                                 "T-C1,attempt_failed,2020-03-04T09:00:00-06:00,\n"
                                 "T-C1,arrived_ocurre,2020-03-05T09:00:00-06:00,\n"
                   ).exit_code == 0
    assert _status(db, "T-C1") == ("at_ocurre", 1)
    # the source names Ocurre as the fallback of a) and b) only: a P.O. Box card goes back
    box = _events(tmp_path, db, "T-C2,picked_up,2020-03-03T09:00:00-06:00,\n"
                                "T-C2,attempt_failed,2020-03-04T09:00:00-06:00,\n"
                                "T-C2,arrived_ocurre,2020-03-05T09:00:00-06:00,\n")
    assert box.exit_code == 1 and text("cards.error.ocurre_fallback_only", "es") in box.output
    assert _events(tmp_path, db, "".join(
        f"T-C2,{e},2020-03-0{d}T09:00:00-06:00,\n" for d, e in (
            (3, "picked_up"), (4, "attempt_failed"), (5, "attempt_failed"),
            (6, "attempt_failed")))).exit_code == 0
    assert _status(db, "T-C2") == ("returning", 3)


def test_attempts_and_the_ocurre_hold_are_rules_with_their_source(tmp_path, sqlite_url):
    db = sqlite_url
    shown = _run(tmp_path, db, "rules", "show")
    assert shown.exit_code == 0 and "Intentos de entrega antes de Ocurre: 3" in shown.output
    assert "días en Ocurre antes de la devolución: 30" in shown.output
    assert MOCE_SOURCE in shown.output and "INE/CG61/2020" in MOCE_SOURCE
    no_source = _run(tmp_path, db, "rules", "set", "--attempts", "2", "--ocurre-days", "15",
                     "--source", "  ", "--by", "admin")
    assert no_source.exit_code != 0 and no_source.exception.key == "cards.error.rule_source"
    bad = _run(tmp_path, db, "rules", "set", "--attempts", "0", "--ocurre-days", "15",
               "--source", "x", "--by", "admin")
    assert bad.exception.key == "cards.error.rule_attempts"
    changed = _run(tmp_path, db, "rules", "set", "--attempts", "2", "--ocurre-days", "15",
                   "--source", "Acuerdo de prueba CNV/01/2026", "--by", "admin")
    assert changed.exit_code == 0 and "Acuerdo de prueba CNV/01/2026" in changed.output
    assert "Acuerdo de prueba" in _run(tmp_path, db, "rules", "show").output
    _shipped(tmp_path, db, "D1,Chicago,US,2020-02-03,JAL,home,\n")
    assert _events(tmp_path, db, "T-D1,picked_up,2020-03-03T09:00:00-06:00,\n"
                                 "T-D1,attempt_failed,2020-03-04T09:00:00-06:00,\n"
                                 "T-D1,attempt_failed,2020-03-05T09:00:00-06:00,\n"
                   ).exit_code == 0
    assert _status(db, "T-D1") == ("at_ocurre", 2)  # two attempts, as now ruled
    held = _run(tmp_path, db, "expire-ocurre", "--today", "2020-03-19")
    assert held.exit_code == 0 and ": 0" in held.output
    back = _run(tmp_path, db, "expire-ocurre", "--today", "2020-03-20")
    assert back.exit_code == 0 and ": 1" in back.output  # 15 days, not 30
    assert _status(db, "T-D1")[0] == "returning"
