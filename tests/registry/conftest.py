"""Registry fixtures: an app on a real database with an open process, staff of every role,
the synthetic register, and helpers that fill the request form from a register record."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.entities import ENTITIES
from vmre.core.staff import Role, StaffUser, hash_password
from vmre.registry import service
from vmre.registry.padron import PadronRecord, SyntheticPadron
from vmre.web.app import create_app

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
JPEG = b"\xff\xd8\xff\xe0" + bytes(200)
PDF = b"%PDF-1.4\n" + bytes(200)
PASSWORD = "contraseña-de-prueba"
ELECTION = "PEL-2024"
SEED = 7
# Every entity but Zacatecas holds an election in the test process.
TEST_ENTITIES = [e.id for e in ENTITIES if e.id != "ZAC"]
CUTOFF_YEAR = 2024


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def make_process(session, election_id: str = ELECTION, *, open_now: bool = True,
                 review_rule: str = "findings"):
    now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=-6)))
    local = now.replace(tzinfo=None)
    if open_now:
        opens, closes = local - dt.timedelta(days=10), local + dt.timedelta(days=30)
    else:
        opens, closes = local - dt.timedelta(days=40), local - dt.timedelta(days=1)
    return service.create_process(
        session, election_id, "Proceso Electoral Local 2024", opens_at=opens, closes_at=closes,
        corrections_until=local + dt.timedelta(days=45), card_min_validity_year=CUTOFF_YEAR,
        entities=TEST_ENTITIES, timezone="America/Mexico_City",
        voting_url="https://votar.example/", review_rule=review_rule)


@dataclass
class Env:
    client: TestClient
    app: object
    padron: SyntheticPadron

    def login(self, username: str) -> None:
        r = sign_in(self.client, username, PASSWORD)
        assert r.status_code == 200, r.text
        assert str(r.url).endswith("/admin/"), r.text

    def csrf(self) -> str:
        return csrf_of(self.client.get("/registro/estado").text)

    def good_records(self, issued_abroad: bool | None = None) -> list[PadronRecord]:
        return [r for r in self.padron if r.validity_year >= CUTOFF_YEAR
                and r.entity_id in TEST_ENTITIES
                and (issued_abroad is None or r.issued_abroad == issued_abroad)]


def form_for(record: PadronRecord, **overrides) -> dict:
    data = {
        "election_id": ELECTION, "given_names": record.given_names,
        "first_surname": record.first_surname, "second_surname": record.second_surname,
        "birth_date": record.birth_date.isoformat(), "elector_key": record.elector_key,
        "ocr": "" if record.issued_abroad else record.ocr, "cic": record.cic,
        "card_issued": "abroad" if record.issued_abroad else "mexico",
        "entity_id": record.entity_id, "country": "US", "region": "Illinois",
        "city": "Chicago", "postal_code": "60601", "street": "1200 W Cermak Rd",
        "email": f"{record.elector_key.lower()}@correo.example",
        "phone": f"+1312{abs(hash(record.elector_key)) % 10**7:07d}",
        "modality": "internet", "consent": "yes",
    }
    data.update(overrides)
    return data


def files_for(record: PadronRecord, **overrides) -> dict:
    files = {"card_front": ("frente.png", PNG, "image/png"),
             "card_back": ("reverso.jpg", JPEG, "image/jpeg")}
    if not record.issued_abroad:
        files["proof"] = ("comprobante.pdf", PDF, "application/pdf")
    files.update(overrides)
    return {k: v for k, v in files.items() if v is not None}


@functools.cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; one hash serves every staff account of the suite.
    return hash_password(PASSWORD)


@pytest.fixture
def env(db_url, tmp_path, monkeypatch) -> Env:
    monkeypatch.setenv("VMRE_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("VMRE_UPLOAD_MAX_BYTES", str(64 * 1024))
    monkeypatch.setenv("VMRE_SMTP_PORT", "1")  # no server unless a test starts one
    app = create_app(db_url, secret_key="test")
    padron = SyntheticPadron(SEED, 400)
    app.state.registry_padron = padron
    with transaction(app.state.sessions) as s:
        make_process(s)
        for name, role, entity in (("admin", Role.ADMINISTRATOR, None),
                                   ("super", Role.SUPERVISOR, None),
                                   ("revisor", Role.REVIEWER, None),
                                   ("opl_jal", Role.OPL, "JAL")):
            s.add(StaffUser(username=name, password_hash=_password_hash(), roles=role.value,
                            entity=entity, failed_logins=0))
    client = TestClient(app)
    yield Env(client, app, padron)
    client.close()
    app.state.engine.dispose()


def submit_direct(env: Env, record: PadronRecord, confirmed: bool = True, lang: str = "es",
                  **overrides) -> str:
    """A request through the service (as the form would), optionally with its e-mail
    confirmed; returns the folio."""
    files = {k: v[1] for k, v in files_for(record).items()}
    with transaction(env.app.state.sessions) as s:
        req, token = service.submit(s, ELECTION, form_for(record, **overrides), files, lang=lang)
        if confirmed:
            service.confirm_email(s, token)
        return req.folio
