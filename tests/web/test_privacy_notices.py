"""Privacy notices as the LGPDPPSO asks of a public body: the simplified notice beside every
form that collects personal data (with the link to the full one), the consent checkbox that
says what the citizen consents to and links the full notice, and the operator's own texts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vmre.core import identity

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "voting_web"))
sys.path.insert(0, str(TESTS / "web"))

from sivei_setup import enrol, voting_site  # noqa: E402
from test_institution_identity import own_identity  # noqa: E402

FORMS = ("/registro/solicitud", "/registro/estado", "/cards/activate", "/voto/entrar",
         "/voto/recuperar")


@pytest.fixture
def site(tmp_path):
    app, _ctx, voters = voting_site(f"sqlite:///{tmp_path / 'vmre.sqlite'}", tmp_path, 1)
    return app, voters


def _aside(html: str) -> str:
    return html.split('<aside class="notice" id="privacy-simplified"', 1)[1].split("</aside>")[0]


def test_every_form_with_personal_data_has_the_simplified_notice(site):
    app, voters = site
    client = TestClient(app)
    token = enrol(app.state.sessions, voters[0])
    for path in (*FORMS, f"/voto/activar/{token}"):
        html = client.get(path + "?lang=es").text
        assert "<form" in html, path
        notice = _aside(html)
        assert "Aviso de privacidad simplificado" in notice, path
        assert "Autoridad Electoral de Ejemplo es responsable" in notice, path
        assert 'href="/privacidad"' in notice, path
    for path in ("/", "/tablero", "/privacidad"):  # no personal data asked: no notice
        assert 'id="privacy-simplified"' not in client.get(path).text, path


def test_the_consent_checkbox_says_what_is_consented_to_and_links_the_full_notice(site):
    client = TestClient(site[0])
    html = client.get("/registro/solicitud?lang=es").text
    label = html.split('name="consent"', 1)[1].split("</label>", 1)[0]
    assert 'aria-describedby="privacy-simplified-title"' in label
    for what in ("Autoridad Electoral de Ejemplo", "fecha de nacimiento", "Padrón Electoral",
                 "Lista Nominal de Electores Residentes en el Extranjero"):
        assert what in label
    after = html.split('name="consent"', 1)[1][:2000]
    assert 'href="/privacidad" id="consent-privacy"' in after
    english = client.get("/registro/solicitud?lang=en").text
    assert "I agree that Example Electoral Authority processes the data" in english


def test_the_notices_are_the_operators_texts(tmp_path, monkeypatch):
    path = own_identity(tmp_path)
    full = tmp_path / "privacy-full.toml"
    full.write_text(full.read_text("utf-8").replace(
        "Avenida Ejemplo 100", "Calle de la Prueba 7"), "utf-8")
    simple = tmp_path / "privacy-simplified.toml"
    simple.write_text(simple.read_text("utf-8").replace(
        "Quién trata sus datos", "Quién es responsable"), "utf-8")
    monkeypatch.setenv(identity.ENV, str(path))
    app, _ctx, _voters = voting_site(f"sqlite:///{tmp_path / 'vmre.sqlite'}", tmp_path, 1)
    client = TestClient(app)
    assert "Calle de la Prueba 7" in client.get("/privacidad?lang=es").text
    assert "Quién es responsable" in _aside(client.get("/voto/entrar?lang=es").text)
