"""Published results show on /resultados: an internet tally combined with the command line
(`vmre election tally`) and the entity counts built from its record, each with its page."""

from __future__ import annotations

import json
import re

from cli_election import CliElection, window_now
from fastapi.testclient import TestClient

from vmre.cli import app
from vmre.web.app import create_app


def test_cli_tally_is_listed_on_results_and_has_its_page(tmp_path, sqlite_url):
    election = CliElection(tmp_path, sqlite_url)
    election_id = election.register({"ana": "PUE", "beto": "PUE"})
    election.schedule(*window_now())
    client = TestClient(create_app(sqlite_url, secret_key="test"))

    before = client.get("/resultados")
    assert before.status_code == 200 and "Aún no hay resultados publicados." in before.text
    assert client.get(f"/resultados/internet/{election_id}").status_code == 404

    election.cast(client, 0, "PUE", {"gob-pue": "pan+pri+prd"})
    election.cast(client, 1, "PUE", {"gob-pue": "morena"})
    assert '"pan+pri+prd": 1' in election.close_and_tally()

    index = client.get("/resultados")
    assert "Aún no hay resultados publicados." not in index.text
    link = f'href="/resultados/internet/{election_id}"'
    assert link in index.text
    page = client.get(f"/resultados/internet/{election_id}")
    assert page.status_code == 200
    puebla = page.text[page.text.index("<caption>Gubernatura de Puebla"):]
    assert "2 boletas" in puebla[:200]
    counts = [int(n) for n in re.findall(r'<tr><td>[^<]+</td><td class="n">(\d+)</td></tr>',
                                          puebla[:puebla.index("</table>")])]
    assert sorted(n for n in counts if n) == [1, 1]
    # names people read: parties, coalition and candidate, never the option's id
    assert "pan+pri+prd" not in page.text
    assert ("Partido Acción Nacional + Partido Revolucionario Institucional + Partido de la "
            "Revolución Democrática (coalición ") in puebla
    assert f'href="/expediente/{election_id}.zip"' in page.text
    record = client.get(f"/expediente/{election_id}.zip")
    assert record.status_code == 200 and record.content[:2] == b"PK"
    assert f'href="/resultados/internet/{election_id}"' in client.get("/resultados/internet").text

    # The count's electronic table from the same record: the entity's count shows too.
    election.run("count", "electronic", str(tmp_path / "registro"), "--db", sqlite_url)
    index = client.get("/resultados?lang=en")
    assert link in index.text
    assert f'href="/resultados/{election_id}/PUE"' in index.text and "Puebla" in index.text
    assert client.get(f"/resultados/{election_id}/PUE").status_code == 200


def test_tally_of_another_aggregate_is_not_published(tmp_path, sqlite_url):
    """Two options' sums swapped in the closing folder: the custodian's share is valid for
    that file and combines, but those are not the board's sums, so nothing is published."""
    election = CliElection(tmp_path, sqlite_url)
    election_id = election.register({"ana": "PUE"})
    election.schedule(*window_now())
    client = TestClient(create_app(sqlite_url, secret_key="test"))
    election.cast(client, 0, "PUE", {"gob-pue": "morena"})
    closing = election.close_and_decrypt()
    document = json.loads((closing / "aggregate.json").read_text())
    options = document["contests"]["gob-pue"]["options"]
    options[0], options[1] = options[1], options[0]
    assert options[0] != options[1]
    (closing / "aggregate.json").write_text(json.dumps(document))
    refused = election.cli.invoke(app, election.tally_args(closing, election.decrypt(closing)))
    assert refused.exit_code != 0
    assert refused.exception.key == "sivei.count.other_aggregate"
    assert f"/resultados/internet/{election_id}" not in client.get("/resultados").text
    assert client.get(f"/resultados/internet/{election_id}").status_code == 404


def test_home_page_links_every_public_door(sqlite_url):
    client = TestClient(create_app(sqlite_url, secret_key="test"))
    for lang, words in (("es", "Inscribirse"), ("en", "Register to vote")):
        page = client.get(f"/?lang={lang}")
        assert page.status_code == 200 and words in page.text
        assert f'<html lang="{lang}">' in page.text
        for href in ("/registro/", "/voto/", "/tablero", "/resultados", "/actas",
                     "/integridad", "/ayuda"):
            assert f'href="{href}"' in page.text, href
            assert client.get(href).status_code < 500, href
    assert 'class="brand" href="/"' in client.get("/resultados").text
