"""Registration deadlines are wall-clock times of the process's zone (Mexico City by
default): a time given with another offset is turned into that zone's clock."""

from __future__ import annotations


def test_process_window_given_with_an_offset_is_kept_in_the_process_zone(env, db_url):
    """`vmre registry process-add` with -05:00 (Bogotá): midnight there is 23:00 of the day
    before in Mexico City, the zone every registry deadline is kept and shown in."""
    from typer.testing import CliRunner

    from vmre.cli import app, register_parts

    from .test_api import _json_request

    register_parts()
    out = CliRunner().invoke(app, [
        "registry", "process-add", "--election", "PEL-2099", "--name", "Proceso futuro",
        "--opens", "2099-01-10T00:00:00-05:00", "--closes", "2099-02-10T00:00:00-05:00",
        "--corrections-until", "2099-03-01T00:00:00-05:00", "--card-min-year", "2024",
        "--entities", "JAL", "--db", db_url])
    assert out.exit_code == 0, (out.output, out.exception)
    early = env.client.post("/api/v1/registry/requests",
                            json={**_json_request(env.good_records()[8]),
                                  "election_id": "PEL-2099"})
    assert early.status_code == 400
    # 05:00 UTC on the 10th is still the 9th in Mexico City, said the one way people read it
    assert early.json()["error"] == ("El periodo de inscripción abre el 9 de enero de 2099, "
                                     "23:00 (hora del centro de México).")


def test_the_request_detail_shows_the_birth_date_and_history_in_peoples_format(env,
                                                                               smtp_server):
    """The reviewer's page of a request: the birth date as a day people read, each event of
    its history at Mexico City's time with the zone spelled out — no ISO stamp."""
    import re

    from .conftest import csrf_of, files_for, form_for

    record = env.good_records()[3]
    form = env.client.get("/registro/solicitud?lang=es").text
    sent = env.client.post("/registro/solicitud?lang=es", files=files_for(record),
                           data={**form_for(record), "csrf": csrf_of(form)})
    assert sent.status_code == 200
    folio = re.search(r"SRVE-[0-9A-Z]{10}", sent.text).group(0)
    env.login("revisor")
    page = env.client.get(f"/admin/registry/requests/{folio}?lang=es").text
    born = record.birth_date
    months = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")
    assert f"<dd>{born.day} de {months[born.month - 1]} de {born.year}</dd>" in page
    assert born.isoformat() not in page
    history = page.split("<tbody>")[-1]
    assert re.search(r"<td>\d{1,2} de [a-z]+ de \d{4}, \d\d:\d\d \(hora del centro de "
                     r"México\)</td>", history)
    assert not re.search(r"<td>\d{4}-\d\d-\d\d", history)
