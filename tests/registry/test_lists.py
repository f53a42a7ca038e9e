"""Closing the list per entity and modality, its figures, the addendum for reinstatements
after the close, and the CSV exports for each audience."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.count import postal
from vmre.count.acta_pdf import pdf_text
from vmre.count.postal import check_digit
from vmre.registry import lists, service
from vmre.registry.models import Closure, Request

from .conftest import ELECTION, csrf_of, files_for, form_for, submit_direct


def _accept_all(env, folios):
    with transaction(env.app.state.sessions) as s:
        for folio in folios:
            service.accept(s, service.request_by_folio(s, folio), "revisor")


def _records_in(env, entity_id, n):
    return [r for r in env.good_records() if r.entity_id == entity_id][:n]


def test_close_figures_addendum_and_exports(env, smtp_server):
    jal = _records_in(env, "JAL", 3)
    other = [r for r in env.good_records() if r.entity_id not in ("JAL",)][:2]
    f_jal = [submit_direct(env, jal[0], city="=1"),  # "=1" once passed as a number
             submit_direct(env, jal[1], modality="postal", street="=HYPERLINK(\"x\")"),
             submit_direct(env, jal[2])]
    f_other = [submit_direct(env, r, country="ES", postal_code="28001", region="Madrid",
                             city="Madrid") for r in other]
    _accept_all(env, f_jal[:2] + f_other)
    with transaction(env.app.state.sessions) as s:
        service.reject(s, service.request_by_folio(s, f_jal[2]), "revisor", "signature")

    env.login("admin")
    page = env.client.get(f"/admin/registry/lists?election={ELECTION}")
    r = env.client.post("/admin/registry/lists/close",
                        data={"election": ELECTION, "csrf": csrf_of(page.text)})
    assert r.status_code == 200
    # when each list closed, the one way people read times
    closed_at = re.findall(r"<td>([^<]*\(hora del centro de México\))</td></tr>", r.text)
    assert len(closed_at) == 31 * 2 and all(
        re.fullmatch(r"\d{1,2} de [a-z]+ de \d{4}, \d\d:\d\d \(hora del centro de México\)", t)
        for t in closed_at)
    with transaction(env.app.state.sessions) as s:
        closed = {(c.entity_id, c.modality): c.included for c in lists.closures(s, ELECTION)}
        assert closed[("JAL", "internet")] == 1 and closed[("JAL", "postal")] == 1
        assert sum(closed.values()) == 4 and len(closed) == 31 * 2
        figures = lists.figures(s, ELECTION)
        assert figures["country"] == {"ES": 2, "US": 2}
        assert figures["modality"] == {"internet": 3, "postal": 1}
        assert figures["status"] == {"included": 4, "rejected": 1}
        assert events(s, "registry.list_closed")
    # Everyone on the list heard about it.
    assert sum("Incluida en la lista nominal" in m.get_payload(decode=True).decode()
               for m in smtp_server.messages) == 4

    # Closing again changes nothing.
    again = env.client.post("/admin/registry/lists/close",
                            data={"election": ELECTION, "csrf": csrf_of(page.text)})
    assert again.status_code == 200
    # Reinstated after the close: into the addendum, kept apart and logged.
    env.client.post("/admin/logout", data={"csrf": csrf_of(page.text)})
    env.login("super")
    detail = env.client.get(f"/admin/registry/requests/{f_jal[2]}")
    env.client.post(f"/admin/registry/requests/{f_jal[2]}/decision",
                    data={"decision": "reverse", "note": "Firma verificada",
                          "csrf": csrf_of(detail.text)})
    with transaction(env.app.state.sessions) as s:
        req = s.scalar(select(Request).where(Request.folio == f_jal[2]))
        assert (req.status, req.addendum) == ("included", True)
        closure = s.get(Closure, req.closure_id)
        assert (closure.entity_id, closure.included, closure.addendum) == ("JAL", 1, 1)
        assert "addendum=1" in events(s, "registry.reinstated")[0].detail

    env.client.post("/admin/logout", data={"csrf": csrf_of(detail.text)})
    env.login("admin")
    full = env.client.get(f"/admin/registry/lists/export?election={ELECTION}&audience=full")
    rows = list(csv.DictReader(io.StringIO(full.text)))
    assert len(rows) == 5 and {"email", "phone", "street"} <= set(rows[0])
    assert sum(r["addendum"] == "True" for r in rows) == 1
    # A formula typed as an address never runs in a spreadsheet.
    assert any(r["street"] == "'=HYPERLINK(\"x\")" for r in rows)
    assert any(r["city"] == "'=1" for r in rows)
    assert all(r["phone"][:1] == "+" for r in rows)  # phones are left as they are
    opl = env.client.get(f"/admin/registry/lists/export?election={ELECTION}&audience=opl")
    opl_rows = list(csv.DictReader(io.StringIO(opl.text)))
    assert len(opl_rows) == 5
    assert not {"email", "phone", "street", "city", "postal_code", "region"} & set(opl_rows[0])
    only_addendum = env.client.get(
        f"/admin/registry/lists/export?election={ELECTION}&audience=opl&addendum=true")
    assert [r["folio"] for r in csv.DictReader(io.StringIO(only_addendum.text))] == [f_jal[2]]
    shipping = env.client.get(
        f"/admin/registry/lists/export?election={ELECTION}&audience=shipping")
    ship_rows = list(csv.DictReader(io.StringIO(shipping.text)))
    assert [r["folio"] for r in ship_rows] == [f_jal[1]] and ship_rows[0]["postal_code"]


def test_opl_sees_only_its_entity_and_no_contact_data(env):
    jal = _records_in(env, "JAL", 1)[0]
    other = next(r for r in env.good_records() if r.entity_id != "JAL")
    folios = [submit_direct(env, jal), submit_direct(env, other)]
    _accept_all(env, folios)
    with transaction(env.app.state.sessions) as s:
        lists.close(s, ELECTION, "admin")
    env.login("opl_jal")
    page = env.client.get(f"/admin/registry/lists?election={ELECTION}")
    assert page.status_code == 200 and "Cerrar la lista" not in page.text
    export = env.client.get(f"/admin/registry/lists/export?election={ELECTION}&audience=opl")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["folio"] for r in rows] == [folios[0]]
    assert env.client.get(
        f"/admin/registry/lists/export?election={ELECTION}&audience=full").status_code == 403
    assert env.client.get("/admin/registry/").status_code == 403  # no review queue
    api = env.client.get(f"/api/v1/registry/lists/{ELECTION}").json()
    assert api["figures"]["entity"] == {"JAL": 1}
    assert {c["entity_id"] for c in api["closures"]} == {"JAL"}


def test_first_review_after_close_goes_to_addendum(env, smtp_server):
    early, late = [r for r in env.good_records() if r.entity_id == "JAL"][:2]
    folio_early = submit_direct(env, early)
    with transaction(env.app.state.sessions) as s:
        service.accept(s, service.request_by_folio(s, folio_early), "revisor")
        lists.close(s, ELECTION, "admin", ["JAL"], ["internet"])
    folio_late = submit_direct(env, late)
    with transaction(env.app.state.sessions) as s:
        counts = service.run_validation(s, env.padron, ELECTION)
        assert counts == {"accepted": 0, "in_review": 0, "included": 1}
        req = service.request_by_folio(s, folio_late)
        assert (req.status, req.addendum) == ("included", True)
        closure = s.get(Closure, req.closure_id)
        assert (closure.included, closure.addendum) == (1, 1)
        assert lists.figures(s, ELECTION)["addendum"] == 1


# -- the postal LNERE, from the closed list to the count (docs/count.md §2) --------------------

PEL = "pel-2024-extranjero"  # the sample manifest's election: the registry's process id too


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory):
    from vmre.simulacro.run import default_manifest_text, run_ceremony

    folder = tmp_path_factory.mktemp("ceremony-lnere")
    run_ceremony(folder, default_manifest_text(), 3, 2, seed=7)
    return folder / "ceremony"


def _cli(db_url):
    register_parts()
    runner = CliRunner()

    def vmre(*args: str, ok: bool = True):
        result = runner.invoke(app, [*args, "--db", db_url])
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result
    return vmre


def _open_process(vmre, ceremony, entities: str) -> None:
    """On the command line: the voting side's manifest registered, and the PEL's registration
    process open since five days ago (Mexico City wall-clock times, as an operator types them)."""
    vmre("election", "register", "--dir", str(ceremony))
    local = dt.datetime.now(dt.UTC).astimezone(ZoneInfo("America/Mexico_City")).replace(
        tzinfo=None, microsecond=0, second=0)
    vmre("registry", "process-add", "--election", PEL, "--name", "PEL 2024 extranjero",
         "--opens", (local - dt.timedelta(days=5)).isoformat(),
         "--closes", (local + dt.timedelta(days=20)).isoformat(),
         "--corrections-until", (local + dt.timedelta(days=30)).isoformat(),
         "--card-min-year", "2024", "--entities", entities)


def _submit(env, record, modality: str) -> str:
    files = {k: v[1] for k, v in files_for(record).items()}
    with transaction(env.app.state.sessions) as s:
        req, token = service.submit(s, PEL, form_for(record, election_id=PEL,
                                                     modality=modality), files)
        service.confirm_email(s, token)
        return req.folio


def _lnere(path) -> tuple[dict, list[dict]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def test_postal_lnere_from_the_closed_list_to_the_count(env, db_url, tmp_path, ceremony):
    vmre = _cli(db_url)
    _open_process(vmre, ceremony, "JAL,PUE,CDMX,GTO")
    jal = [r for r in env.good_records() if r.entity_id == "JAL"][:2]
    pue = [r for r in env.good_records() if r.entity_id == "PUE"][:2]
    on_time, late = (_submit(env, r, "postal") for r in jal)
    twice, both = (_submit(env, r, "postal") for r in pue)
    internet = _submit(env, next(r for r in env.good_records() if r.entity_id == "CDMX"),
                       "internet")
    with transaction(env.app.state.sessions) as s:
        for folio in (on_time, late, twice, both, internet):
            service.accept(s, service.request_by_folio(s, folio), "revisor")
        names = {f: service.request_by_folio(s, f).full_name() for f in (on_time, late, both)}
        street = service.request_by_folio(s, late).street
        # The internet side registered `both` as an internet voter (whoever issues internet
        # credentials tells the count; docs/count.md §2.2): the registry still lists them
        # as postal, the case the count must catch.
        postal.register_internet_voter(s, PEL, both, "PUE")

    # Only a closed list is handed over.
    refused = vmre("registry", "export", "--election", PEL, "--kind", "postal-lnere",
                   "--out", str(tmp_path / "open.jsonl"), ok=False)
    assert refused.exception.key == "registry.lnere.not_closed"
    assert not (tmp_path / "open.jsonl").exists()
    vmre("registry", "close", "--election", PEL)
    vmre("registry", "export", "--election", PEL, "--kind", "postal-lnere", "--entity", "JAL",
         "--out", str(tmp_path / "jal.jsonl"))
    vmre("registry", "export", "--election", PEL, "--kind", "postal-lnere",
         "--out", str(tmp_path / "all.jsonl"))
    head, voters = _lnere(tmp_path / "all.jsonl")
    assert head == {"format": "vmre/postal-lnere/v1", "election_id": PEL, "entity": None,
                    "addendum": False, "voters": 4}
    assert [v["folio"] for v in voters] == [on_time, late, twice, both]  # JAL, then PUE
    assert internet not in {v["folio"] for v in voters}
    assert set(voters[0]) == {"folio", "entity", "full_name", "address", "country",
                              "country_name", "envelope"}
    assert voters[1]["full_name"] == names[late] and voters[1]["address"][0] == street
    envelope = {v["folio"]: v["envelope"] for v in voters}
    # The same voter keeps the same envelope in every export.
    assert [v["envelope"] for v in _lnere(tmp_path / "jal.jsonl")[1]] == \
        [envelope[on_time], envelope[late]]

    # The count reads those very files: per entity first, then the whole list.
    vmre("count", "deadline", PEL, "--day", "2024-06-02")
    first = vmre("count", "packages", PEL, str(tmp_path / "jal.jsonl"), "--out",
                 str(tmp_path / "p"))
    assert "2 paquetes nuevos" in first.output
    whole = vmre("count", "packages", PEL, str(tmp_path / "all.jsonl"), "--out",
                 str(tmp_path / "p"))
    assert "1 paquetes nuevos, 2 ya importados, 1 personas que votan por internet" \
        in " ".join(whole.output.split())
    assert f"Línea 5, folio {both}" in whole.output
    manifest_csv = (tmp_path / "p/manifiesto-envio.csv").read_text(encoding="utf-8")
    assert envelope[twice] in manifest_csv and envelope[both] not in manifest_csv
    label = pdf_text((tmp_path / "p/paquetes-JAL.pdf").read_bytes())
    assert names[late] in label and envelope[late] in label

    stranger = "VMR" + "1" * 14
    stranger += check_digit(stranger[3:])
    scans = tmp_path / "recibidos.csv"
    scans.write_text("envelope,received_at\n"
                     f"{envelope[on_time]},2024-05-20T12:00:00-06:00\n"
                     f"{envelope[late]},2024-06-01T08:00:01-06:00\n"
                     f"{envelope[twice]},2024-06-01T07:59:59-06:00\n"
                     f"{envelope[twice]},2024-05-30T10:00:00-06:00\n"
                     f"{stranger},2024-05-21T10:00:00-06:00\n"
                     f"{envelope[both]},2024-05-22T10:00:00-06:00\n", encoding="utf-8")
    returned = vmre("count", "returns", PEL, str(scans))
    out = " ".join(returned.output.split())
    assert f"Línea 3, sobre {envelope[late]}: recibido FUERA de plazo" in out
    assert f"Línea 5, sobre {envelope[twice]}: rechazado: la persona ya tiene un sobre" in out
    assert f"Línea 6, sobre {stranger}: rechazado: el sobre no corresponde" in out
    assert f"Línea 7, sobre {envelope[both]}: rechazado: la persona vota por internet" in out
    assert "Sobres: 2 en plazo, 1 fuera de plazo, 3 rechazados" in out
    # One more scan of a marked envelope, at the desk: refused, the mark unchanged.
    again = vmre("count", "receive", PEL, envelope[on_time], "--at",
                 "2024-05-25T10:00:00-06:00", ok=False)
    assert again.exit_code == 1
    assert "la persona ya tiene un sobre" in " ".join(again.output.split())

    # The LNERE shows each voter's mark.
    marks = vmre("count", "lnere", PEL).output
    rows = {line.split("│")[1].strip(): line for line in marks.splitlines()
            if "SRVE-" in line}
    zone = "(hora del centro de México)"
    assert "devuelto en plazo" in rows[on_time]
    assert f"20 de mayo de 2024, 12:00 {zone}" in rows[on_time]
    assert "devuelto fuera de plazo" in rows[late]
    assert "devuelto en plazo" in rows[twice] and f"1 de junio de 2024, 07:59 {zone}" in rows[twice]
    assert "vota por internet" in rows[both]
    listed = vmre("count", "refused", PEL).output
    assert listed.count("rechazado") == 4 and stranger in listed

    # Only the on-time envelopes reach the tables: one for each entity.
    for entity in ("JAL", "PUE"):
        assigned = vmre("count", "assign", PEL, entity).output
        assert f"{entity}-01" in assigned and ": 1 sobre." in assigned

    # The list and acta of the late envelopes names the late sender, and no one else.
    vmre("count", "late", PEL, "--out", str(tmp_path / "late.pdf"))
    acta = " ".join(pdf_text((tmp_path / "late.pdf").read_bytes()).split())
    assert names[late] in acta and envelope[late] in acta
    assert "1 de junio de 2024, 08:00 (hora del centro de México)" in acta
    assert names[on_time] not in acta and street not in acta
    assert "Jalisco 1 Total 1" in acta
    # Shown beside the entity's actas, for staff.
    env.login("super")
    page = env.client.get(f"/admin/count/{PEL}/JAL")
    assert page.status_code == 200
    assert f"/admin/count/{PEL}/JAL/extemporaneos.pdf" in page.text
    pdf = env.client.get(f"/admin/count/{PEL}/JAL/extemporaneos.pdf")
    assert pdf.status_code == 200 and names[late] in " ".join(pdf_text(pdf.content).split())
    with transaction(env.app.state.sessions) as s:
        logged = events(s, "count.envelope_refused") + events(s, "count.envelope_received")
        assert len(logged) == 7
        assert all(n not in e.subject + e.detail for e in logged for n in names.values())


def test_postal_lnere_export_closed_lists_addendum_and_kept_envelopes(env, db_url, tmp_path):
    vmre = _cli(db_url)
    jal = [r for r in env.good_records() if r.entity_id == "JAL"][:3]
    pue = next(r for r in env.good_records() if r.entity_id == "PUE")
    folios = [submit_direct(env, r, modality="postal") for r in (*jal[:2], pue)]
    _accept_all(env, folios)
    vmre("registry", "close", "--election", ELECTION, "--entity", "JAL", "--modality", "postal")

    def export(*extra: str, ok: bool = True):
        out = tmp_path / f"lnere-{len(list(tmp_path.iterdir()))}.jsonl"
        result = vmre("registry", "export", "--election", ELECTION, "--kind", "postal-lnere",
                      "--out", str(out), *extra, ok=ok)
        return result if not ok else _lnere(out)

    for extra, entities in ((("--entity", "PUE"), "PUE"), ((), None)):
        refused = export(*extra, ok=False)
        assert refused.exception.key == "registry.lnere.not_closed"
        assert entities is None or refused.exception.params == {"entities": entities}
    head, voters = export("--entity", "JAL")
    assert head["voters"] == 2 and [v["folio"] for v in voters] == folios[:2]
    codes = [v["envelope"] for v in voters]
    assert len(set(codes)) == 2
    assert all(c.startswith("VMR") and len(c) == 18 and check_digit(c[3:-1]) == c[-1]
               for c in codes)
    # Accepted after the close: the addendum, handed over on its own.
    late_folio = submit_direct(env, jal[2], modality="postal")
    _accept_all(env, [late_folio])
    head, voters = export("--entity", "JAL", "--addendum")
    assert head["addendum"] is True and [v["folio"] for v in voters] == [late_folio]
    _, again = export("--entity", "JAL")
    assert [v["envelope"] for v in again][:2] == codes and len(again) == 3
    with transaction(env.app.state.sessions) as s:
        logged = [e.detail for e in events(s, "registry.list_exported")]
    assert "audience=postal-lnere entity=JAL addendum=1 rows=1" in logged
    # From the lists page: an administrator downloads the same file, once every list is
    # closed; before, and for an unknown export, the reason (never a server error).
    env.login("admin")
    page = env.client.get(f"/admin/registry/lists?election={ELECTION}")
    assert "audience=postal-lnere" in page.text
    url = f"/admin/registry/lists/export?election={ELECTION}&audience=postal-lnere"
    early = env.client.get(url)
    assert early.status_code == 400 and "aún no está cerrada" in early.text
    bogus = env.client.get(f"/admin/registry/lists/export?election={ELECTION}&audience=x")
    assert bogus.status_code == 400 and "Exportación desconocida" in bogus.text
    with transaction(env.app.state.sessions) as s:
        lists.close(s, ELECTION, "admin")
    web = env.client.get(url)
    assert web.status_code == 200 and web.headers["content-type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in web.text.splitlines()]
    assert lines[0]["voters"] == 4 and lines[1]["envelope"] == codes[0]
