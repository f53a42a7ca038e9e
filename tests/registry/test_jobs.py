"""The periodic jobs: run twice, nothing is sent twice; a failing job does not stop the
others; a job is not run while another runner holds it, nor before it is due."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from typer.testing import CliRunner

from vmre.core.audit import utcnow
from vmre.core.database import transaction
from vmre.registry import jobs, service
from vmre.registry.cli import registry_app
from vmre.registry.jobs import Job, JobRun
from vmre.registry.models import Outbox, Request

from .conftest import files_for, form_for, submit_direct


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_jobs_run_twice_send_every_notice_once(env, smtp_server):
    factory = env.app.state.sessions
    soon, later, unsent = env.good_records()[:3]
    folios = [submit_direct(env, r) for r in (soon, later)]
    with transaction(factory) as s:
        process = service.get_process(s, "PEL-2024")
        local = service.local_now(process)
        for folio, days in zip(folios, (1, 9), strict=True):
            service.ask_correction(s, service.request_by_folio(s, folio), "revisor",
                                   ["contact"], local + dt.timedelta(days=days))
        # A request whose confirmation mail the server never took, an hour ago.
        req, _token = service.submit(s, "PEL-2024", form_for(unsent),
                                     {k: v[1] for k, v in files_for(unsent).items()})
        s.execute(update(Request).where(Request.id == req.id)
                  .values(updated_at=utcnow() - dt.timedelta(hours=1)))
    url = env.app.state.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    first = runner.invoke(registry_app, ["jobs", "run", "--once", "--all", "--db", url])
    assert first.exit_code == 0, first.output
    assert "correction-reminders: hecho (1)" in first.output
    subjects = sorted(str(m["Subject"]) for m in smtp_server.messages)
    assert len(subjects) == 4, subjects  # two "to correct" notices, one reminder, one link
    reminders = [m for m in smtp_server.messages if "Recordatorio" in str(m["Subject"])]
    assert [str(m["To"]) for m in reminders] == [form_for(soon)["email"]]
    assert "Debe corregir" in _body(reminders[0]) and "teléfono" in _body(reminders[0])
    assert sum("/registro/confirmar/" in _body(m) for m in smtp_server.messages) == 1

    second = runner.invoke(registry_app, ["jobs", "run", "--once", "--all", "--db", url])
    assert second.exit_code == 0, second.output
    assert len(smtp_server.messages) == 4  # nothing twice
    assert "correction-reminders: hecho (0)" in second.output
    with transaction(factory) as s:
        assert s.scalar(select(Outbox.id).where(Outbox.sent_at.is_(None))) is None
        # The citizen corrects, a reviewer asks again: the new deadline is reminded, once.
        req = service.request_by_folio(s, folios[0])
        service.correct(s, req, {"phone": "+13125550199"}, {})
        service.ask_correction(s, req, "revisor", ["address"],
                               service.local_now(process) + dt.timedelta(hours=20))
    assert jobs.remind_corrections(factory) == 1
    assert jobs.remind_corrections(factory) == 0


def test_a_failing_job_is_reported_and_the_others_still_run(env):
    factory = env.app.state.sessions
    done = []

    def broken(_factory):
        raise RuntimeError("mail relay on fire")

    def counting(_factory):
        done.append(1)
        return 7

    plan = (Job("broken", 60, broken), Job("counting", 60, counting))
    outcomes = jobs.run_due(factory, plan)
    assert [(o.name, o.ok, o.count, o.error) for o in outcomes] == [
        ("broken", False, 0, "RuntimeError"), ("counting", True, 7, "")]
    with transaction(factory) as s:
        runs = jobs.last_runs(s)
        assert (runs["broken"].ok, runs["broken"].detail) == (False, "RuntimeError")
        assert (runs["counting"].ok, runs["counting"].detail) == (True, "count=7")
        assert runs["counting"].lease_until is None
    # Not due again within its period; due once it has passed.
    assert jobs.run_due(factory, plan) == []
    later = utcnow() + dt.timedelta(seconds=61)
    assert [o.name for o in jobs.run_due(factory, plan[1:], now=later)] == ["counting"]
    # Another runner holds the lease: skipped even when forced.
    with transaction(factory) as s:
        s.execute(update(JobRun).where(JobRun.name == "counting")
                  .values(lease_until=utcnow() + dt.timedelta(minutes=5)))
    assert jobs.run_due(factory, plan[1:], force=True) == []
    assert len(done) == 2


def test_cli_names_the_jobs_and_fails_on_an_unknown_one(env):
    url = env.app.state.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(registry_app, ["jobs", "run", "--once", "--job", "nope",
                                               "--db", url])
    assert result.exit_code == 2
    assert "correction-reminders" in result.output and "prune-uploads" in result.output
    status = CliRunner().invoke(registry_app, ["jobs", "status", "--db", url])
    assert status.exit_code == 0 and "notices: cada 60 s; última ejecución nunca" in status.output


def test_the_server_runner_runs_the_jobs_in_the_background_and_stops(env):
    import threading

    ran = threading.Event()

    def job(_factory):
        ran.set()
        return 1

    runner = jobs.JobRunner(env.app.state.sessions, every=0.05, jobs=[Job("bg", 0, job)])
    runner.start()
    try:
        assert ran.wait(30)  # waits for the first pass; it times nothing
    finally:
        runner.stop()
    assert not runner._thread.is_alive()
    with transaction(env.app.state.sessions) as s:
        assert jobs.last_runs(s)["bg"].detail == "count=1"


def test_jobs_status_says_when_each_ran_on_mexico_city_clock(env):
    """`vmre registry jobs status` as the operator types it (a subprocess): the last run in
    the one format people read, in both languages — never an ISO stamp."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    url = env.app.state.engine.url.render_as_string(hide_password=False)
    vmre = str(Path(sys.executable).with_name("vmre"))
    ran = subprocess.run([vmre, "registry", "jobs", "run", "--once", "--job", "notices",
                          "--db", url], capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr
    status = subprocess.run([vmre, "registry", "jobs", "status", "--db", url],
                            capture_output=True, text=True, timeout=300).stdout
    assert re.search(r"notices: cada 60 s; última ejecución \d{1,2} de [a-z]+ de \d{4}, "
                     r"\d\d:\d\d \(hora del centro de México\)", status), status
    assert re.search(r"notices: every 60 s; last run \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d "
                     r"\(Mexico City time\)", status), status
    assert not re.search(r"\d{4}-\d\d-\d\d", status)
