"""A party representative's account belongs to its party (docs/registry.md §5.2): the
command refuses a representative without a party, an unknown party and a party on any
other account; an administrator sees and changes the party on /admin/personal/ or with
`vmre staff party`; the representative's observations are filed in the account's party's
name whatever the form says, the CNV's as the CNV; each change and filing is logged."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.core.parties import PARTIES
from vmre.core.staff import Role, StaffUser
from vmre.registry import lists, service

from .conftest import ELECTION, PASSWORD, csrf_of, submit_direct

VMRE = str(Path(sys.executable).with_name("vmre"))
HTML = {"Accept": "text/html"}
OBSERVERS = "/admin/observacion/"
FILE = f"/admin/observacion/{ELECTION}/observaciones"
KNOWN = ", ".join(p.id for p in PARTIES)


def vmre(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([VMRE, *args], input=f"{PASSWORD}\n", capture_output=True,
                          text=True, timeout=300)


def _plain(out: subprocess.CompletedProcess, key: str, **params: object) -> None:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert text(key, "es", **params) in out.stderr


def _alert(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert found, html
    return found.group(1).replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')


def _account_id(page: str, username: str) -> str:
    found = re.search(rf'<label for="party-(\d+)">[^<]*{re.escape(username)}</label>', page)
    assert found, page
    return found.group(1)


def _selected(page: str, account: str) -> str:
    select = re.search(rf'<select id="party-{account}" name="party">(.*?)</select>', page, re.S)
    assert select, page
    chosen = re.findall(r'<option value="([^"]*)" selected>', select.group(1))
    assert len(chosen) == 1, select.group(1)
    return chosen[0]


def _signed_in(env, username: str) -> TestClient:
    client = TestClient(env.app)
    answer = sign_in(client, username, PASSWORD)
    assert answer.status_code == 200 and str(answer.url).endswith("/admin/"), answer.text
    return client


def _closed_list(env) -> None:
    """JAL's list closed with one voter on it (set-up, not the step under test)."""
    record = next(r for r in env.good_records() if r.entity_id == "JAL")
    with transaction(env.app.state.sessions) as s:
        service.accept(s, service.request_by_folio(s, submit_direct(env, record)), "revisor")
        lists.close(s, ELECTION, "admin", ["JAL"])


def test_the_command_ties_a_representative_to_a_known_party_and_an_administrator_changes_it(
        env):
    url = env.app.state.engine.url.render_as_string(hide_password=False)
    _plain(vmre("staff", "add", "rep_sin", "--roles", "party_rep", "--db", url),
           "core.staff.party_required")
    _plain(vmre("staff", "add", "rep_x", "--roles", "party_rep", "--party", "PARTIDAZO",
                "--db", url), "core.staff.unknown_party", party="PARTIDAZO", parties=KNOWN)
    _plain(vmre("staff", "add", "rev_pan", "--roles", "reviewer", "--party", "PAN", "--db",
                url), "core.staff.party_not_for_role", party="PAN")
    made = vmre("staff", "add", "rep_pri", "--roles", "party_rep", "--party", " pri ",
                "--db", url)
    assert made.returncode == 0, made.stderr

    env.login("admin")
    page = env.client.get("/admin/personal/", headers=HTML).text
    rep = _account_id(page, "rep_pri")
    assert _selected(page, rep) == "PRI"
    assert "rev_pan" not in page and "rep_sin" not in page  # refused: never made
    changed = env.client.post(f"/admin/personal/{rep}/partido", headers=HTML,
                              data={"party": "PAN", "csrf": csrf_of(page)})
    assert changed.status_code == 200 and text(
        "core.staff.party_set", "es", username="rep_pri", party="PAN") in changed.text
    assert _selected(changed.text, rep) == "PAN"
    unknown = env.client.post(f"/admin/personal/{rep}/partido", headers=HTML,
                              data={"party": "PRIAN", "csrf": csrf_of(page)})
    assert unknown.status_code == 422 and _alert(unknown.text) == text(
        "core.staff.unknown_party", "es", party="PRIAN", parties=KNOWN)
    with transaction(env.app.state.sessions) as s:
        reviewer = s.query(StaffUser).filter_by(username="revisor").one().id
    other = env.client.post(f"/admin/personal/{reviewer}/partido", headers=HTML,
                            data={"party": "PAN", "csrf": csrf_of(page)})
    assert other.status_code == 422 and _alert(other.text) == text(
        "core.staff.party_not_for_role", "es", party="PAN")
    assert env.client.post(f"/admin/personal/{rep}/partido", headers=HTML,
                           data={"party": "MC", "csrf": "forged"}).status_code == 403

    back = vmre("staff", "party", "rep_pri", "pri", "--db", url)
    assert back.returncode == 0, back.stderr
    assert text("core.staff.party_set", "es", username="rep_pri", party="PRI") in back.stdout
    _plain(vmre("staff", "party", "revisor", "PRI", "--db", url),
           "core.staff.party_not_for_role", party="PRI")
    page = env.client.get("/admin/personal/", headers=HTML).text
    assert _selected(page, rep) == "PRI"
    # only an administrator changes it
    env.login("super")
    assert env.client.post(f"/admin/personal/{rep}/partido", headers=HTML, data={
        "party": "MC", "csrf": csrf_of(env.client.get("/admin/", headers=HTML).text)}
    ).status_code == 403
    with transaction(env.app.state.sessions) as s:
        changes = [(e.actor, e.subject, e.detail) for e in events(s, "staff_party_set")]
    assert changes == [("admin", "rep_pri", "from=PRI to=PAN"),
                       ("command", "rep_pri", "from=PAN to=PRI")]


def test_a_representative_files_in_the_name_of_its_accounts_party_whatever_the_form_says(env):
    _closed_list(env)
    url = env.app.state.engine.url.render_as_string(hide_password=False)
    for name, roles, party in (("rep_morena", "party_rep", "MORENA"), ("cnv_1", "cnv", None)):
        extra = ("--party", party) if party else ()
        assert vmre("staff", "add", name, "--roles", roles, *extra, "--db",
                    url).returncode == 0
    rep = _signed_in(env, "rep_morena")
    home = rep.get(OBSERVERS, headers=HTML).text
    assert 'name="party"' not in home  # the form no longer asks
    assert text("registry.lnere_page.filing_as", "es", filer="Morena (MORENA)") in home
    forged = rep.post(FILE, headers=HTML, data={
        "entity": "JAL", "subject": "Revisar la adenda", "party": "PAN", "filer": "PAN",
        "filer_kind": "cnv", "csrf": csrf_of(home)})
    assert forged.status_code == 200 and text(
        "registry.lnere_page.observer_filed", "es", id=1, entity="JAL") in forged.text
    assert "<td>1</td><td>JAL</td><td>MORENA</td>" in forged.text
    cnv = _signed_in(env, "cnv_1")
    page = cnv.get(OBSERVERS, headers=HTML).text
    assert text("registry.lnere_page.filing_as", "es", filer="CNV") in page
    cnv.post(FILE, headers=HTML, data={"entity": "JAL", "subject": "Verificar la adenda",
                                       "party": "PRI", "filer_kind": "party",
                                       "csrf": csrf_of(page)})
    # the supervisors' page shows both as filed, and still files for a party as before
    env.login("super")
    staff_page = f"/admin/registry/lnere/{ELECTION}/JAL"
    staff = env.client.get(staff_page, headers=HTML).text
    party = text("registry.lnere_page.filer_kind.party", "es")
    for number, kind, filer in ((1, party, "MORENA"),
                                (2, text("registry.lnere_page.filer_kind.cnv", "es"), "CNV")):
        heading = f"{text('registry.lnere_page.observation', 'es', id=number)} · {kind}: {filer}"
        assert heading in staff.replace("&#39;", "'"), heading
    by_staff = env.client.post(f"{staff_page}/observations", headers=HTML, data={
        "filer_kind": "party", "filer": "PT", "subject": "Entregada por escrito",
        "csrf": csrf_of(staff)})
    assert by_staff.status_code == 200 and f"{party}: PT" in by_staff.text
    with transaction(env.app.state.sessions) as s:
        filed = [(e.actor, e.action, e.detail) for e in events(s)
                 if e.action == "registry.observation_filed"]
    assert filed == [("rep_morena", "registry.observation_filed", "id=1 filer=party"),
                     ("cnv_1", "registry.observation_filed", "id=2 filer=cnv"),
                     ("super", "registry.observation_filed", "id=3 filer=party")]


def test_a_representative_without_a_party_is_told_to_ask_for_one_and_files_nothing(env):
    _closed_list(env)
    with transaction(env.app.state.sessions) as s:  # an account made before accounts held one
        s.add(StaffUser(username="rep_viejo", roles=Role.PARTY_REP.value, failed_logins=0,
                        password_hash=s.query(StaffUser).filter_by(
                            username="admin").one().password_hash))
    rep = _signed_in(env, "rep_viejo")
    home = rep.get(OBSERVERS, headers=HTML).text
    assert text("core.staff.party_missing", "es") in home.replace("&#34;", '"').replace(
        "&quot;", '"')
    refused = rep.post(FILE, headers=HTML, data={
        "entity": "JAL", "subject": "Revisar", "party": "PAN", "csrf": csrf_of(home)})
    assert refused.status_code == 409 and _alert(refused.text) == text(
        "core.staff.party_missing", "es")
    with transaction(env.app.state.sessions) as s:
        log = [(e.actor, e.action) for e in events(s)]
    assert ("rep_viejo", "registry.observation_refused") in log
    assert ("rep_viejo", "registry.observation_filed") not in log
