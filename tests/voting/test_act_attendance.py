"""Who was there (docs/ceremony.md, "Who was there"): the opening and closing acts name each
custodian present or absent, the staff who ran the ceremony, the party representatives and
the Oficialía Electoral officer, each with a signature line; recorded once through
`vmre ceremony attendance`; the opening act, first downloaded after ballots were cast, still
speaks only of the board as it was when voting opened."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.messages import UserError
from vmre.voting.ballot import encrypt_ballot
from vmre.web.app import create_app

JAL = {"gob-jal": "pan+pri", "dip-migrante-jal": "mc"}


def _cli(*args: str):
    register_parts()
    return CliRunner().invoke(app, list(args))


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
                    .split())


def test_acts_name_who_was_there_and_the_opening_act_ignores_later_ballots(
        ready_sqlite, sqlite_url):
    eid = ready_sqlite.ctx.election_id
    base = ("ceremony", "attendance", eid, "--db", sqlite_url)
    opening = (*base, "--act", "inicio", "--custodian", "1=Ana Ruiz", "--custodian",
               "2=Pedro Gil", "--absent", "3=Luis Mora", "--staff", "Rosa Vela",
               "--party", "pan=Jorge Diaz", "--party", "MORENA=Eva Sol",
               "--oficialia", "Lic. Marta Cano")
    missing = _cli(*base, "--act", "inicio", "--custodian", "1=Ana Ruiz", "--staff", "R",
                   "--oficialia", "M")
    assert isinstance(missing.exception, UserError)
    assert missing.exception.key == "voting.attendance.custodians"
    no_officer = _cli(*base, "--act", "inicio", "--custodian", "1=A", "--custodian", "2=B",
                      "--custodian", "3=C", "--staff", "R")
    assert no_officer.exception.key == "voting.attendance.no_oficialia"
    done = _cli(*opening)
    assert done.exit_code == 0, (done.output, done.exception)
    again = _cli(*opening)
    assert again.exception.key == "voting.attendance.fixed"

    for i in (0, 2):  # ballots cast (the JAL voters) before anyone downloads the opening act
        ready_sqlite.board.cast(eid, encrypt_ballot(ready_sqlite.ctx, "JAL",
                                                    ready_sqlite.key(i), JAL)[0])
    web = TestClient(create_app(sqlite_url, secret_key="test"))
    first = web.get(f"/actas/{eid}/inicio.pdf")
    assert first.status_code == 200
    act = _text(first.content)
    for expected in ("Asistencia y firmas", "Custodio de llave 1 Ana Ruiz Presente",
                     "Custodio de llave 2 Pedro Gil Presente",
                     "Custodio de llave 3 Luis Mora Ausente",
                     "Personal que condujo la ceremonia Rosa Vela Presente",
                     "Representación del partido PAN Jorge Diaz",
                     "Representación del partido MORENA Eva Sol",
                     "Oficialía Electoral (da fe) Lic. Marta Cano", "Nombre y firma",
                     "El tablero está vacío al abrir la votación"):
        assert expected in act, expected
    assert "2 boletas" not in act and "ya contiene" not in act
    assert web.get(f"/actas/{eid}/inicio.pdf").content == first.content  # fixed

    ready_sqlite.board.close(eid)
    pending = _text(web.get(f"/actas/{eid}/cierre.pdf").content)
    assert "no se ha registrado" in pending
    closing = _cli(*base, "--act", "cierre", "--custodian", "1=Ana Ruiz", "--absent",
                   "2=Pedro Gil", "--custodian", "3=Luis Mora", "--staff", "Rosa Vela",
                   "--oficialia", "Lic. Jose Paz")
    assert closing.exit_code == 0, (closing.output, closing.exception)
    act = _text(web.get(f"/actas/{eid}/cierre.pdf").content)
    assert "Custodio de llave 2 Pedro Gil Ausente" in act
    assert "Oficialía Electoral (da fe) Lic. Jose Paz" in act and "Marta Cano" not in act
