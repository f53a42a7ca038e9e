"""The mails a citizen gets about a correction show its deadline the one way people read
times — "9 de diciembre de 2026, 23:59 (hora del centro de México)" — never an ISO stamp or a
zone's database name."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from vmre.core.database import transaction
from vmre.registry import service
from vmre.registry.cli import registry_app

from .conftest import submit_direct

MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_correction_notice_and_reminder_show_the_deadline_for_people(env, smtp_server):
    factory = env.app.state.sessions
    folio = submit_direct(env, env.good_records()[0])
    with transaction(factory) as s:
        local = service.local_now(service.get_process(s, "PEL-2024"))
        deadline = (local + dt.timedelta(days=1)).replace(hour=23, minute=59, second=0,
                                                          microsecond=0)
        service.ask_correction(s, service.request_by_folio(s, folio), "revisor", ["contact"],
                               deadline)
    url = env.app.state.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(registry_app, ["jobs", "run", "--once", "--all", "--db", url])
    assert result.exit_code == 0, result.output
    expected = (f"{deadline.day} de {MONTHS[deadline.month - 1]} de {deadline.year}, 23:59 "
                "(hora del centro de México)")
    bodies = [" ".join(_body(m).split()) for m in smtp_server.messages
              if "Debe corregir" in _body(m)]
    assert len(bodies) == 2  # the notice and the reminder
    for body in bodies:
        assert expected in body
        assert f"{deadline:%Y-%m-%d}" not in body and "America/Mexico_City" not in body
