"""The help centre answers before people call: the questions the citizen-service centre
receives most (registration, the voter card, voting from abroad) in both languages, found by a
plain `?q=` search that needs no script, each under an anchor that the page where the question
arises links to; every multi-step flow says which step this is and how long the rest takes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from vmre.core.messages import plural
from vmre.web.help_centre import TOPICS

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "voting_web"))

from sivei_setup import enrol, signed_in, voting_site  # noqa: E402

ALL = [qid for _, ids in TOPICS for qid in ids]


@pytest.fixture
def site(tmp_path):
    app, _ctx, voters = voting_site(f"sqlite:///{tmp_path / 'vmre.sqlite'}", tmp_path, 2)
    return app, voters


def anchors(html: str) -> list[str]:
    return re.findall(r'<article id="([\w-]+)" class="faq">', html)


def test_every_question_in_both_languages_under_its_anchor(site):
    client = TestClient(site[0])
    es = client.get("/ayuda?lang=es").text
    en = client.get("/ayuda?lang=en").text
    assert anchors(es) == ALL and anchors(en) == ALL
    assert "¿Cómo me inscribo para votar desde el extranjero?" in es
    assert "How do I register to vote from abroad?" in en
    for topic in ("Inscribirse para votar", "La credencial para votar", "Cómo votar desde"):
        assert topic in es


def test_the_search_works_without_script_and_ignores_accents_and_case(site):
    client = TestClient(site[0])
    found = client.get("/ayuda", params={"q": "ACTIVO credencial", "lang": "es"}).text
    assert anchors(found) == ["activar-credencial"]
    assert plural("help.results", 1, "es", q="ACTIVO credencial") in found
    several = client.get("/ayuda", params={"q": "VIGENTE mexico", "lang": "es"}).text
    assert "quien-puede" in anchors(several)  # "México" found as "mexico"
    none = client.get("/ayuda", params={"q": "zzzz", "lang": "en"})
    assert none.status_code == 200 and anchors(none.text) == []
    assert "No answer contains" in none.text
    hostile = client.get("/ayuda", params={"q": "<script>x</script>" + "a" * 5000})
    assert hostile.status_code == 200 and "<script>x" not in hostile.text


def test_each_page_links_the_answer_to_its_question(site):
    app, voters = site
    client = TestClient(app)
    token = enrol(app.state.sessions, voters[0])
    expected = {"/registro/": "quien-puede", "/registro/solicitud": "documentos",
                "/registro/estado": "corregir", "/cards/activate": "activar-credencial",
                f"/voto/activar/{token}": "activar-cuenta", "/voto/entrar": "como-votar",
                "/tablero": "recibo", "/recibo": "recibo"}
    help_page = client.get("/ayuda").text
    for path, qid in expected.items():
        assert f'href="/ayuda#{qid}"' in client.get(path).text, path
        assert f'<article id="{qid}"' in help_page


def test_multi_step_flows_say_the_step_and_the_time_left(site):
    app, voters = site
    client = TestClient(app)
    form = client.get("/registro/solicitud?lang=es").text
    assert "Paso 1 de 3" in form and "faltan cerca de 10 minutos" in form
    token = enrol(app.state.sessions, voters[0])
    activation = client.get(f"/voto/activar/{token}?lang=en").text
    assert "Step 1 of 3" in activation and "about 5 minutes to go" in activation
    voter, _ = signed_in(app, voters[1])
    ballot = voter.get("/voto/boleta?lang=es").text
    assert "Paso 1 de 3" in ballot and "Paso 3 de 3" in ballot
    assert "falta cerca de 1 minuto" in ballot  # the review: one minute, in the singular
