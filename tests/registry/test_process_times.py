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
