"""Administration of internet voting: manifest preview, the window in the election's time
zone, closing, the opening and closing acts as PDF with integrity codes, and a practice
election (volunteers from a CSV by real e-mail, banner, questionnaire, participation)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sivei_setup import (
    ELECTION,
    MANIFEST,
    activate_totp,
    csrf,
    login,
    next_code,
    open_election,
    publish_two_audits,
    signed_in,
    voting_site,
)

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.crypto import credentials
from vmre.voting import acts, practice
from vmre.voting import ballot as ballots
from vmre.voting.board import Board
from vmre.web.app import create_app

STAFF_PASSWORD = "contraseña-de-prueba"


def staff_client(app, role: Role = Role.ADMINISTRATOR) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, role.value, STAFF_PASSWORD, [role])
    client = TestClient(app)
    sign_in(client, role.value, STAFF_PASSWORD)
    return client


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def site(db_url, tmp_path):
    return voting_site(db_url, tmp_path, 2, open_now=False)


def test_manifest_preview_and_line_precise_errors(site):
    app, _, _ = site
    client = staff_client(app)
    page = client.get("/admin/sivei/manifiesto")
    ok = client.post("/admin/sivei/manifiesto", data={"source": MANIFEST,
                                                      "csrf": csrf(page.text)})
    assert ok.status_code == 200
    assert "Entidad: JAL" in ok.text and "Entidad: PUE" in ok.text
    assert "pan+pri+prd" in ok.text and "Ana Lucía Ibarra Peña" in ok.text
    broken = MANIFEST.replace("entity: GTO", "entity: XYZ")
    bad = client.post("/admin/sivei/manifiesto", files={"upload": ("pel.yaml", broken.encode())},
                      data={"csrf": csrf(page.text)})
    line = broken.splitlines().index("    entity: XYZ") + 1
    assert bad.status_code == 400 and f"pel.yaml, línea {line}" in bad.text and "XYZ" in bad.text
    assert staff_client(app, Role.REVIEWER).get("/admin/sivei/manifiesto").status_code == 403


def test_window_in_local_time_close_and_acts(site, tmp_path):
    app, ctx, voters = site
    client = staff_client(app)
    page = client.get(f"/admin/sivei/{ELECTION}")
    assert "America/Mexico_City" in page.text
    assert re.search(r'id="closes" name="closes" type="datetime-local" value="[\d-]+T18:00"',
                     page.text)  # proposed: voting closes at 18:00 Mexico City time
    # opening act before any ballot: the board is empty, key fingerprint and integrity codes
    opening = client.get(f"/actas/{ELECTION}/inicio.pdf")
    assert opening.headers["content-type"] == "application/pdf"
    text = pdf_text(opening.content)
    assert "Acta de inicio" in text and "El tablero está vacío" in text
    assert acts.key_fingerprint(ctx.joint_key.hex())[:14] in text
    codes = acts.integrity_codes()
    assert codes["application"] in client.get("/integridad").text
    assert codes["application"][:40] in text.replace("\n", "")

    # a window tomorrow, 08:00–18:00 Mexico City time (UTC−6): not open yet, once the two
    # audits are published (docs/ceremony.md)
    publish_two_audits(app.state.sessions)
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    r = client.post(f"/admin/sivei/{ELECTION}/ventana", data={
        "opens": f"{day}T08:00", "closes": f"{day}T18:00", "csrf": csrf(page.text)})
    assert r.status_code == 200 and "Cambios guardados" in r.text
    election = Board(app.state.sessions).election(ELECTION)
    opens = election.opens_at.replace(tzinfo=election.opens_at.tzinfo or dt.UTC)
    assert opens.astimezone(dt.UTC).hour == 14
    key = credentials.signing_key(ELECTION, voters[0].secret)
    ballot, _ = ballots.encrypt_ballot(ctx, "JAL", key, {"gob-jal": "mc", "dip-migrante-jal": "mc"})
    first, first_headers = signed_in(app, voters[0])
    early = first.post(f"/api/v1/elections/{ELECTION}/ballots", json={"ballot": ballot},
                       headers=first_headers)
    assert early.status_code == 409 and early.json()["error"] == "voting.board.not_open"
    backwards = client.post(f"/admin/sivei/{ELECTION}/ventana", data={
        "opens": f"{day}T18:00", "closes": f"{day}T08:00", "csrf": csrf(page.text)})
    assert backwards.status_code == 400 and "posterior a la apertura" in backwards.text

    # open now, one ballot, close: the closing act carries the final hash and the count
    now = dt.datetime.now(dt.UTC)
    Board(app.state.sessions).schedule(ELECTION, now - dt.timedelta(minutes=5),
                                       now + dt.timedelta(hours=1))  # audited above
    receipt = first.post(f"/api/v1/elections/{ELECTION}/ballots", json={"ballot": ballot},
                         headers=first_headers).json()
    second, second_headers = signed_in(app, voters[1])
    client.post(f"/admin/sivei/{ELECTION}/cerrar", data={"csrf": csrf(page.text)})
    late, _ = ballots.encrypt_ballot(ctx, "JAL", credentials.signing_key(
        ELECTION, voters[1].secret), {"gob-jal": "mc", "dip-migrante-jal": "mc"})
    closed = second.post(f"/api/v1/elections/{ELECTION}/ballots", json={"ballot": late},
                         headers=second_headers)
    assert closed.status_code == 409 and closed.json()["error"] == "voting.board.closed"
    closing = pdf_text(client.get(f"/actas/{ELECTION}/cierre.pdf?lang=en").content)
    assert "Closing act" in closing and "1 ballot received." in closing
    assert receipt["entry_hash"][:40] in closing.replace("\n", "")
    assert "Acta de inicio" in client.get("/actas?lang=es").text


@pytest.fixture
def practice_site(db_url, tmp_path):
    """An election registered with no credential list: the practice enrolment signs it."""
    app = create_app(db_url, secret_key="test")
    open_election(app.state.sessions, tmp_path / "ceremony", None, open_now=False)
    return app


def test_practice_election_with_volunteers(practice_site, smtp_server):
    app = practice_site
    client = staff_client(app)
    page = client.get(f"/admin/sivei/{ELECTION}")
    refused = client.post(f"/admin/sivei/{ELECTION}/voluntarios", data={
        "csrf": csrf(page.text), "pasted": "email,phone,entity\na@example.org,5512345678,JAL\n"})
    assert refused.status_code == 400 and "simulacro" in refused.text
    client.post(f"/admin/sivei/{ELECTION}/simulacro", data={"csrf": csrf(page.text)})
    bad_csv = "email,phone,entity\nvol1@example.org,+52 55 1234 5678,ZZZ\n"
    bad = client.post(f"/admin/sivei/{ELECTION}/voluntarios",
                      data={"csrf": csrf(page.text), "pasted": bad_csv})
    assert bad.status_code == 400 and "línea 2" in bad.text and "ZZZ" in bad.text
    rows = "email,phone,entity\nvol1@example.org,+52 55 1234 5678,JAL\n" \
           "vol2@example.org,+1 213 555 0101,PUE\n"
    ok = client.post(f"/admin/sivei/{ELECTION}/voluntarios", data={"csrf": csrf(page.text)},
                     files={"upload": ("voluntarios.csv", rows.encode())})
    assert ok.status_code == 200 and len(smtp_server.messages) == 2
    # the enrolment signed the list with the practice issuer key, which fixed the fingerprint;
    # only then can the window be scheduled
    assert Board(app.state.sessions).election(ELECTION).fingerprint
    now = dt.datetime.now(dt.UTC)
    Board(app.state.sessions).schedule(ELECTION, now - dt.timedelta(minutes=5),
                                       now + dt.timedelta(hours=1), audit_exemption="practice")

    body = smtp_server.messages[0].get_payload(decode=True).decode("utf-8")
    token, secret = re.search(r"/voto/activar/([\w-]+)#credencial=([0-9A-Z-]+)", body).groups()
    voter = TestClient(app)
    totp = activate_totp(voter, token, "+52 55 1234 5678")
    home = login(voter, "vol1@example.org", next_code(totp))
    assert "SIMULACRO" in home.text
    assert "SIMULACRO" in voter.get("/voto/boleta").text
    ctx = Board(app.state.sessions)
    from vmre.voting.board import loaded

    context = loaded(ctx.election(ELECTION)).context
    ballot, _ = ballots.encrypt_ballot(context, "JAL", credentials.signing_key(ELECTION, secret),
                                       {"gob-jal": "pan+prd", "dip-migrante-jal": "pri"})
    token_header = re.search(r'data-csrf="([^"]+)"', voter.get("/voto/boleta").text).group(1)
    assert voter.post("/voto/emitir", json={"ballot": ballot},
                      headers={"X-CSRF-Token": token_header}).status_code == 201
    receipt = voter.get("/voto/recibo")
    assert "/voto/encuesta" in receipt.text
    survey = voter.get("/voto/encuesta")
    answers = {f"q{i}": "5" if i % 2 else "1" for i in range(1, 11)}  # the best possible
    incomplete = voter.post("/voto/encuesta", data={"csrf": csrf(survey.text), "q1": "5"})
    assert incomplete.status_code == 400 and "diez frases" in incomplete.text
    done = voter.post("/voto/encuesta", data={**answers, "comment": "Muy claro",
                                              "csrf": csrf(survey.text)})
    assert "Gracias" in done.text
    again = voter.post("/voto/encuesta", data={**answers, "csrf": csrf(survey.text)})
    assert again.status_code == 400

    stats = client.get(f"/admin/sivei/{ELECTION}").text
    assert re.search(r"<td>JAL</td><td>1</td><td>1</td><td>1</td><td>1</td><td>100.0</td>",
                     stats)
    assert re.search(r"<td>PUE</td><td>1</td><td>0</td><td>0</td><td>0</td>", stats)
    export = client.get(f"/admin/sivei/{ELECTION}/simulacro.csv").text
    assert "JAL,1,1,1,1,100.0" in export and "Muy claro" in export
    assert "vol1@example.org" not in export


def test_sus_score_formula():
    assert practice.sus_score([3] * 10) == 50.0
    assert practice.sus_score([5, 1] * 5) == 100.0
    assert practice.sus_score([1, 5] * 5) == 0.0
    assert practice.sus_score([4, 2, 4, 2, 4, 2, 4, 2, 4, 2]) == 75.0


def test_electronic_count_from_custodian_files(site, tmp_path):
    """Close, aggregate, a custodian's partial decryption uploaded, results published."""
    from vmre.crypto.group import point_from_hex
    from vmre.voting import tally
    from vmre.voting.ceremony import Ceremony

    app, ctx, voters = site
    now = dt.datetime.now(dt.UTC)
    board = Board(app.state.sessions)
    board.schedule(ELECTION, now - dt.timedelta(minutes=5), now + dt.timedelta(hours=1),
                   audit_exemption="simulacro")
    client = staff_client(app)
    for voter, choice in zip(voters, ("pan+pri", "mc"), strict=True):
        key = credentials.signing_key(ELECTION, voter.secret)
        ballot, _ = ballots.encrypt_ballot(ctx, "JAL", key, {"gob-jal": choice,
                                                              "dip-migrante-jal": "nulo"})
        voter_client, headers = signed_in(app, voter)
        assert voter_client.post(f"/api/v1/elections/{ELECTION}/ballots", json={"ballot": ballot},
                                 headers=headers).status_code == 201
    early = client.get(f"/api/v1/elections/{ELECTION}/aggregate")
    assert early.status_code == 422 and early.json()["error"] == "sivei.count.not_closed"
    page = client.get(f"/admin/sivei/{ELECTION}")
    client.post(f"/admin/sivei/{ELECTION}/cerrar", data={"csrf": csrf(page.text)})
    aggregate = client.get(f"/api/v1/elections/{ELECTION}/aggregate").json()
    assert aggregate["contests"]["gob-jal"]["ballots"] == 2

    # the custodian, offline: its key share from its sealed file, then the partial decryption
    ceremony = Ceremony(tmp_path / "ceremony")
    secret = ceremony.key_share(1, "frase de paso de prueba",
                                tmp_path / "ceremony" / "custodian-1.secret")
    verification = point_from_hex(ceremony.transcript()["verification_keys"]["1"])
    share = tally.decrypt_share(ctx, aggregate, 1, secret, verification)
    count_page = client.get(f"/admin/sivei/{ELECTION}/computo")
    forged = json.loads(json.dumps(share))
    forged["contests"]["gob-jal"][0][1] = "00" * 32
    bad = client.post(f"/admin/sivei/{ELECTION}/computo", data={"csrf": csrf(count_page.text)},
                      files={"upload": ("share.json", json.dumps(forged).encode())})
    assert bad.status_code == 400 and "no es válida (gob-jal[0])" in bad.text
    assert "se publican aquí después" in client.get("/resultados/internet?lang=es").text
    ok = client.post(f"/admin/sivei/{ELECTION}/computo", data={"csrf": csrf(count_page.text)},
                     files={"upload": ("share.json", json.dumps(share).encode())})
    assert ok.status_code == 200 and "Cómputo terminado" in ok.text
    results = client.get("/resultados/internet?lang=es").text
    # names people read: parties, the coalition and the candidate (never `pan+pri`)
    pan_pri = re.search(r"Partido Acción Nacional \+ Partido Revolucionario Institucional "
                        r"\(coalición Fuerza y Corazón\) — Ana Lucía Ibarra Peña</td>"
                        r'<td class="n">(\d+)</td>', results)
    assert pan_pri and pan_pri.group(1) == "1"
    assert re.search(r'Movimiento Ciudadano — [^<]+</td><td class="n">1</td>', results)
    assert re.search(r'Votos nulos</td><td class="n">2</td>', results)
    index = client.get("/resultados?lang=es").text  # the index of every published result
    assert "Aún no hay resultados" not in index
    assert f'href="/resultados/internet/{ELECTION}"' in index
    assert re.search(r'Movimiento Ciudadano — [^<]+</td><td class="n">1</td>',
                     client.get(f"/resultados/internet/{ELECTION}").text)
    # anyone downloads the election record and checks it independently
    download = client.get(f"/expediente/{ELECTION}.zip")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    (tmp_path / "expediente.zip").write_bytes(download.content)
    from vmre.record.verifier import verify_record

    report = verify_record(tmp_path / "expediente.zip")
    assert report.ok, report.failures
    assert report.ballots == 2 and report.results["contests"]["gob-jal"]["ballots"] == 2
