"""The institution's identity, set once by the operator in a TOML file (VMRE_IDENTITY or
`vmre --identity`): its name, emblem, colours and citizen-service contact appear in the header
and footer of every public, citizen and voter page, in every mail and in every PDF; a broken
file is refused with the catalogue's message naming the key at fault."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vmre.core import identity
from vmre.core.messages import text
from vmre.web.app import create_app

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "voting_web"))

from sivei_setup import ELECTION, csrf, enrol, voting_site  # noqa: E402

PAGES = ("/", "/registro/", "/registro/solicitud", "/registro/estado", "/cards/activate",
         "/voto/entrar", "/voto/recuperar", "/tablero", "/recibo", "/resultados",
         "/resultados/internet", "/actas", "/integridad", "/ayuda/acceso", "/privacidad")


def own_identity(folder: Path) -> Path:
    """The shipped example, copied and edited as an operator would."""
    source = identity.example_path().parent
    for name in ("example.toml", "privacy-simplified.toml", "privacy-full.toml"):
        shutil.copy(source / name, folder / name)
    (folder / "escudo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><title>Escudo de '
        'prueba</title><circle cx="4" cy="4" r="4" fill="#123456"/></svg>', "utf-8")
    toml = (folder / "example.toml").read_text("utf-8")
    toml = (toml.replace('"Autoridad Electoral de Ejemplo"', '"Instituto de Pruebas Lejanas"')
            .replace('emblem = "emblem.svg"', 'emblem = "escudo.svg"')
            .replace('primary = "#7a1f3d"', 'primary = "#004d40"')
            .replace("atencion@vmre.example", "ayuda@pruebas.example")
            .replace("+1 800 555 0100", "+1 800 555 0199"))
    path = folder / "institucion.toml"
    path.write_text(toml, "utf-8")
    return path


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv(identity.ENV, str(own_identity(tmp_path)))
    app, _ctx, _voters = voting_site(f"sqlite:///{tmp_path / 'vmre.sqlite'}", tmp_path, 1)
    return TestClient(app)


def test_every_public_page_carries_the_operators_identity_contact_and_privacy_link(client):
    for path in PAGES:
        page = client.get(path + "?lang=es")
        assert page.status_code == 200, path
        html = page.text
        header = html.split('<header class="site"', 1)[1].split("</header>", 1)[0]
        footer = html.split('<footer class="site"', 1)[1].split("</footer>", 1)[0]
        assert "Instituto de Pruebas Lejanas" in header, path
        assert 'src="/identidad/emblema.svg?v=' in header, path
        assert "+1 800 555 0199" in footer and "(llamada gratuita)" in footer, path
        assert "mailto:ayuda@pruebas.example" in footer, path
        assert "hora del centro de México" in footer, path
        assert 'href="/privacidad"' in footer, path
        assert "Autoridad Electoral de Ejemplo" not in html, path
    english = client.get("/?lang=en").text
    assert "Example Electoral Authority" in english and "(toll-free)" in english


def test_the_emblem_and_colours_are_the_operators(client):
    emblem = client.get("/identidad/emblema.svg")
    assert emblem.headers["content-type"].startswith("image/svg+xml")
    assert b"Escudo de prueba" in emblem.content
    assert "--accent: #004d40" in client.get("/identidad/estilo.css").text


def test_the_full_privacy_notice_names_responsible_data_purposes_transfers_and_arco(client):
    es = client.get("/privacidad?lang=es").text
    for heading in ("Responsable", "Datos personales que recabamos", "Finalidades",
                    "Transferencias", "Derechos ARCO"):
        assert heading in es
    en = client.get("/privacidad?lang=en").text
    assert "ARCO rights" in en and "Transfers" in en


def test_every_mail_carries_the_identity_and_the_privacy_link(tmp_path, monkeypatch,
                                                              smtp_server):
    monkeypatch.setenv(identity.ENV, str(own_identity(tmp_path)))
    monkeypatch.setenv("VMRE_PUBLIC_URL", "https://voto.pruebas.example")
    app, _ctx, voters = voting_site(f"sqlite:///{tmp_path / 'vmre.sqlite'}", tmp_path, 1)
    enrol(app.state.sessions, voters[0])
    client = TestClient(app)
    page = client.get("/voto/recuperar?lang=en")
    client.post("/voto/recuperar?lang=en", data={"email": voters[0].email,
                                                 "csrf": csrf(page.text)})
    body = smtp_server.messages[-1].get_payload(decode=True).decode("utf-8")
    assert body.startswith("Example Electoral Authority\n")  # the example's English name
    assert "Citizen service: United States: +1 800 555 0199 (toll-free)" in body
    assert "Privacy notice: https://voto.pruebas.example/privacidad?lang=en" in body
    assert "Mexico City time" in body
    assert re.search(r"/voto/activar/[\w-]+", body)  # the mail's own content is still there


def test_every_pdf_carries_the_institution(client):
    from vmre.count.acta_pdf import pdf_text

    pdf = client.get(f"/actas/{ELECTION}/inicio.pdf?lang=es")
    assert pdf.status_code == 200
    printed = pdf_text(pdf.content)
    assert "Instituto de Pruebas Lejanas" in printed
    assert "Aviso de privacidad:" in printed and "/privacidad" in printed


def test_a_broken_identity_file_is_refused_naming_the_key(tmp_path):
    path = own_identity(tmp_path)
    path.write_text(path.read_text("utf-8").replace('primary = "#004d40"', 'primary = "red"'),
                    "utf-8")
    run = subprocess.run([sys.executable, "-m", "vmre.cli", "--identity", str(path), "db",
                          "upgrade", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert text("web.identity.bad_value", "es", file=str(path), key="colours.primary") \
        in run.stderr


def test_the_shipped_example_is_complete_and_used_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv(identity.ENV, raising=False)
    org = identity.current()
    assert org.source == identity.example_path()
    assert org.name("es") == "Autoridad Electoral de Ejemplo"
    assert {p.country for p in org.phones if p.free} == {"US", "CA", "MX"}
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'd.sqlite'}"))
    assert "Autoridad Electoral de Ejemplo" in client.get("/").text


def test_a_refusal_a_browser_reaches_is_a_page_with_the_identity(client):
    browser = {"accept": "text/html,application/xhtml+xml"}
    for path in ("/tablero/no-existe?lang=es", "/no-existe?lang=es"):
        page = client.get(path, headers=browser)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "<h1>No encontrado.</h1>" in page.text, path
        assert "Instituto de Pruebas Lejanas" in page.text and 'href="/privacidad"' in page.text
    # the API and clients that do not ask for a page keep the JSON answer
    api = client.get("/api/v1/elections/no-existe", headers=browser)
    assert api.headers["content-type"].startswith("application/json")
    assert client.get("/tablero/no-existe").json() == {"detail": "No encontrado."}
