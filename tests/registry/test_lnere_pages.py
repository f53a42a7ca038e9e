"""The LNERE's staff page as its people run it (docs/registry.md §5.1), through HTTP: a
supervisor records the parties' and the CNV's observations, answers them, declares the list
valid (refused while one is unanswered) and downloads the in-country files, which are the
CLI's files byte for byte; a party's representative and the CNV file their own observations
from the observers' page; a reviewer is told which role the page needs."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from staff_login import sign_in
from vmre.cli import app as cli_app
from vmre.cli import register_parts
from vmre.core.audit import events
from vmre.core.clock import people_day, today
from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.core.staff import Role, create_user
from vmre.registry import lists, service, validity
from vmre.web.deps import role_names

from .conftest import ELECTION, PASSWORD, csrf_of, submit_direct

PAGE = f"/admin/registry/lnere/{ELECTION}"
JAL = f"{PAGE}/JAL"
HTML = {"Accept": "text/html"}
PERSON = "María Fernanda López"  # who files for the party: never in the audit log
SUBJECT = "Registros con domicilio repetido en Guadalajara"


def _included(env, entity: str = "JAL", n: int = 2) -> list:
    """Accepted requests of `entity` (set-up, not the step under test)."""
    records = [r for r in env.good_records() if r.entity_id == entity][:n]
    with transaction(env.app.state.sessions) as s:
        for record in records:
            service.accept(s, service.request_by_folio(s, submit_direct(env, record)), "revisor")
    return records


def _close(env, entity: str = "JAL") -> None:
    with transaction(env.app.state.sessions) as s:
        lists.close(s, ELECTION, "admin", [entity])


def _post(client: TestClient, page: str, action: str, **data):
    """Fill a form of `page` (its CSRF token) and send it, as a browser does; where the page
    offers no such form, with the session's token from the staff home (a hand-made post)."""
    html = client.get(page, headers=HTML).text
    if 'name="csrf"' not in html:
        html = client.get("/admin/", headers=HTML).text
    token = csrf_of(html)
    return client.post(action, data={**data, "csrf": token}, headers=HTML)


def _observer(env, name: str, role: Role, party: str | None = None) -> TestClient:
    with transaction(env.app.state.sessions) as s:
        create_user(s, name, PASSWORD, [role], party=party)
    client = TestClient(env.app)
    answer = sign_in(client, name, PASSWORD)
    assert answer.status_code == 200 and str(answer.url).endswith("/admin/"), answer.text
    return client


def _alert(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert found, html
    return found.group(1).replace("&#39;", "'").replace("&amp;", "&")


def _cli(db: str, *args: str) -> None:
    register_parts()
    result = CliRunner().invoke(cli_app, ["registry", "lnere", *args, "--election", ELECTION,
                                          "--db", db])
    assert result.exit_code == 0, (result.output, result.exception)


def test_a_supervisor_files_answers_declares_and_downloads_what_the_cli_writes(
        env, db_url, tmp_path):
    records = _included(env)
    env.login("super")
    web = env.client
    assert f'href="{PAGE}"' in web.get(f"/admin/registry/lists?election={ELECTION}",
                                       headers=HTML).text
    listed = web.get(PAGE, headers=HTML)
    assert listed.status_code == 200 and f'href="{JAL}"' in listed.text
    with transaction(env.app.state.sessions) as s:
        modalities = service.get_process(s, ELECTION).modality_list()
    observe = {"filer_kind": "party", "filer": f"PAN ({PERSON})", "subject": SUBJECT}

    # an open list takes no observation: the page says why
    early = _post(web, JAL, f"{JAL}/observations", **observe)
    assert early.status_code == 409
    assert _alert(early.text) == text("registry.lnere.lists_open", "es", entity="JAL",
                                      modalities=", ".join(modalities))
    _close(env)

    # no CSRF token, nothing recorded
    forged = web.post(f"{JAL}/observations", data=observe, headers=HTML)
    assert forged.status_code == 403
    filed = _post(web, JAL, f"{JAL}/observations", **observe)
    assert filed.status_code == 200 and str(filed.url).endswith("?notice=filed")
    assert "Observación registrada." in filed.text and SUBJECT in filed.text
    assert "Observación 1" in filed.text and PERSON in filed.text
    _post(web, JAL, f"{JAL}/observations", filer_kind="cnv", filer="CNV",
          subject="Verificar la adenda")
    bad = _post(web, JAL, f"{JAL}/observations", filer_kind="notaria", filer="X", subject="y")
    assert bad.status_code == 422 and _alert(bad.text) == text(
        "registry.lnere.bad_filer", "es", kind="notaria", allowed="party, cnv")

    # the declaration is refused while an observation is unanswered — the exact message
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    declare = {"agreement": "INE/CG000/2027", "election_day": yesterday}
    refused = _post(web, JAL, f"{JAL}/declare", **declare)
    assert refused.status_code == 409
    assert _alert(refused.text) == "No se puede declarar válida la LNERE de JAL: hay " \
                                   "observaciones sin respuesta (1, 2)."
    assert 'value="INE/CG000/2027"' in refused.text  # what was typed is kept
    answered = _post(web, JAL, f"{JAL}/observations/1/answer", outcome="upheld",
                     answer="Dos registros verificados en campo")
    assert answered.status_code == 200 and "Respuesta registrada." in answered.text
    assert "Procedente" in answered.text
    again = _post(web, JAL, f"{JAL}/observations/1/answer", outcome="dismissed", answer="x")
    assert again.status_code == 409 and _alert(again.text) == text(
        "registry.lnere.already_answered", "es", id=1)
    still = _post(web, JAL, f"{JAL}/declare", **declare)
    assert still.status_code == 409 and _alert(still.text) == text(
        "registry.lnere.unanswered", "es", entity="JAL", ids="2")
    _post(web, JAL, f"{JAL}/observations/2/answer", outcome="dismissed",
          answer="La adenda está vacía")
    no_day = _post(web, JAL, f"{JAL}/declare", agreement="INE/CG000/2027", election_day="ayer")
    assert no_day.status_code == 422 and _alert(no_day.text) == text(
        "registry.lnere_page.bad_day", "es")
    declared = _post(web, JAL, f"{JAL}/declare", **declare)
    assert declared.status_code == 200 and "LNERE declarada válida y definitiva." in \
        declared.text and "INE/CG000/2027" in declared.text
    assert f"{JAL}/declare" not in declared.text  # no second declaration offered

    # the two files: each the CLI's, byte for byte
    for kind in ("removal", "restoration"):
        got = _post(web, JAL, f"{JAL}/in-country", kind=kind)
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        assert "attachment" in got.headers["content-disposition"]
        out = tmp_path / f"{kind}.csv"
        _cli(db_url, "in-country", "--entity", "JAL", "--kind", kind, "--out", str(out))
        assert got.content == out.read_bytes()
        assert got.text.count("\n") == 1 + len(records)
    assert sorted(line.split(",")[0] for line in got.text.splitlines()[1:]) == sorted(
        r.elector_key for r in records)

    with transaction(env.app.state.sessions) as s:
        mine = [e for e in events(s) if e.actor == "super"]
        assert [e.action for e in mine if e.action.startswith("registry.")] == [
            "registry.observation_filed", "registry.observation_filed",
            "registry.observation_answered", "registry.observation_answered",
            "registry.list_declared_valid", "registry.in_country_export",
            "registry.in_country_export"]
        logged = " ".join(f"{e.subject} {e.detail}" for e in events(s))
    assert "María" not in logged and "domicilio" not in logged and "verificados" not in logged


def test_the_files_come_only_when_the_law_allows_them(env):
    _included(env, n=1)
    _close(env)
    env.login("super")
    web = env.client
    page = web.get(JAL, headers=HTML).text
    assert f"{JAL}/in-country" not in page
    assert text("registry.lnere_page.not_yet.removal", "es") in page
    early = _post(web, JAL, f"{JAL}/in-country", kind="removal")
    assert early.status_code == 409 and _alert(early.text) == text(
        "registry.lnere.not_valid", "es", entity="JAL")
    day = (today() + dt.timedelta(days=30)).isoformat()
    _post(web, JAL, f"{JAL}/declare", agreement="INE/CG001/2027", election_day=day)
    restore = _post(web, JAL, f"{JAL}/in-country", kind="restoration")
    assert restore.status_code == 409 and _alert(restore.text) == text(
        "registry.lnere.before_election_end", "es", entity="JAL", day=people_day(day))
    assert day not in _alert(restore.text)  # the day as people read it, not ISO 8601
    assert "text/html" in restore.headers["content-type"]
    assert _post(web, JAL, f"{JAL}/in-country", kind="borrar").status_code == 422
    assert web.get(f"{PAGE}/XYZ", headers=HTML).status_code == 404
    assert web.get("/admin/registry/lnere/NO-EXISTE", headers=HTML).status_code == 404
    other = _post(web, JAL, f"{PAGE}/PUE/observations/99/answer", outcome="upheld", answer="x")
    assert other.status_code == 404 and _alert(other.text) == text(
        "registry.lnere.unknown_observation", "es", id=99)


def test_party_representatives_and_the_cnv_file_their_own_observations(env):
    _included(env, n=1)
    _close(env)
    pri = _observer(env, "rep_pri", Role.PARTY_REP, "PRI")
    home = pri.get("/admin/observacion/", headers=HTML)
    assert f'action="/admin/observacion/{ELECTION}/observaciones"' in home.text
    action = f"/admin/observacion/{ELECTION}/observaciones"
    filed = pri.post(action, headers=HTML, data={
        "entity": "JAL", "subject": "Revisar domicilios repetidos",
        "csrf": csrf_of(home.text)})
    assert filed.status_code == 200 and text(
        "registry.lnere_page.observer_filed", "es", id=1, entity="JAL") in filed.text
    refused = pri.post(action, headers=HTML, data={
        "entity": "PUE", "subject": "x", "csrf": csrf_of(home.text)})
    assert refused.status_code == 409 and _alert(refused.text).startswith(
        "La lista de PUE aún no está cerrada")
    cnv = _observer(env, "cnv_1", Role.CNV)
    page = cnv.get("/admin/observacion/", headers=HTML).text
    assert 'name="party"' not in page  # the CNV files as itself
    cnv.post(action, headers=HTML, data={"entity": "JAL", "subject": "Verificar la adenda",
                                         "party": "PAN", "csrf": csrf_of(page)})
    # other access stays read-only
    assert pri.get(JAL, headers=HTML).status_code == 403
    assert pri.post(f"{JAL}/declare", headers=HTML, data={
        "agreement": "X", "election_day": "2027-06-06",
        "csrf": csrf_of(home.text)}).status_code == 403
    auditor = _observer(env, "auditora", Role.AUDITOR)
    audit_page = auditor.get("/admin/observacion/", headers=HTML).text
    assert action not in audit_page
    denied = auditor.post(action, headers=HTML, data={
        "entity": "JAL", "party": "PAN", "subject": "x",
        "csrf": csrf_of(auditor.get("/admin/", headers=HTML).text)})
    assert denied.status_code == 403 and "text/html" in denied.headers["content-type"]
    assert text("core.staff.needs_role", "es", roles=role_names(
        (Role.PARTY_REP, Role.CNV, Role.ADMINISTRATOR), "es"), mine=role_names(
        ["auditor"], "es")) in denied.text.replace("&#39;", "'")

    with transaction(env.app.state.sessions) as s:
        notes = validity.observations(s, ELECTION, "JAL")
        assert [(o.filer_kind, o.filer, o.filed_by) for o in notes] == [
            ("party", "PRI", "rep_pri"), ("cnv", "CNV", "cnv_1")]
        log = [(e.actor, e.action) for e in events(s)]
    assert ("rep_pri", "registry.observation_filed") in log
    assert ("cnv_1", "registry.observation_filed") in log
    assert ("auditora", "forbidden") in log and ("rep_pri", "forbidden") in log
    # the observers see the answer's outcome in words
    env.login("super")
    _post(env.client, JAL, f"{JAL}/observations/1/answer", outcome="partly_upheld",
          answer="Un domicilio corregido")
    assert "Parcialmente procedente" in pri.get("/admin/observacion/", headers=HTML).text
    # the staff page shows what the observers filed
    staff = env.client.get(JAL, headers=HTML).text
    assert "Revisar domicilios repetidos" in staff and "rep_pri" in staff


def test_a_reviewer_is_told_which_role_the_page_needs(env):
    env.login("revisor")
    for path in (PAGE, JAL):
        page = env.client.get(path, headers=HTML)
        assert page.status_code == 403 and "text/html" in page.headers["content-type"]
        assert text("core.staff.needs_role", "es", roles=role_names(
            (Role.SUPERVISOR, Role.ADMINISTRATOR), "es"), mine=role_names(
            ["reviewer"], "es")) in page.text.replace("&#39;", "'")
    token = csrf_of(env.client.get("/admin/", headers=HTML).text)
    post = env.client.post(f"{JAL}/declare", headers=HTML, data={
        "agreement": "X", "election_day": "2027-06-06", "csrf": token})
    assert post.status_code == 403
    with transaction(env.app.state.sessions) as s:
        assert validity.declaration(s, ELECTION, "JAL") is None
        assert [e.subject for e in events(s, "forbidden") if e.actor == "revisor"] == [
            PAGE, JAL, f"{JAL}/declare"]


def test_an_administrator_records_observations_from_the_staff_page_not_as_an_observer(env):
    _included(env, n=1)
    _close(env)
    env.login("admin")
    token = csrf_of(env.client.get("/admin/", headers=HTML).text)
    denied = env.client.post(f"/admin/observacion/{ELECTION}/observaciones", headers=HTML,
                             data={"entity": "JAL", "party": "PAN", "subject": "x",
                                   "csrf": token})
    assert denied.status_code == 403
    assert text("core.staff.needs_role", "es", roles=role_names(
        (Role.PARTY_REP, Role.CNV), "es"), mine=role_names(
        ["administrator"], "es")) in denied.text.replace("&#39;", "'")
    filed = _post(env.client, JAL, f"{JAL}/observations", filer_kind="cnv", filer="CNV",
                  subject="Verificar la adenda")
    assert filed.status_code == 200 and "Observación 1" in filed.text
    with transaction(env.app.state.sessions) as s:
        assert [(o.filer_kind, o.filed_by) for o in validity.observations(s, ELECTION)] == [
            ("cnv", "admin")]
        assert ("admin", "forbidden") in [(e.actor, e.action) for e in events(s)]
