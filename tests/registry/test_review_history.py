"""A request's review history reads as sentences (docs/registry.md §3.2): each kind of step
the log holds for a request — received, e-mail confirmed, correction asked (the fields by
their labels), link sent, links limited, corrected, document viewed, rejected (the reason
in words), reinstated and reversed (the supervisor's note), accepted into the addendum —
shows the catalogue's sentence in the page's language, never the log's `key=value` text
nor a person's data; the system and the applicant are named in words too."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.registry import lists
from vmre.registry.models import Request

from .conftest import ELECTION, csrf_of, submit_direct

HTML = {"Accept": "text/html"}
NOTE_BACK = "La firma sí coincide con la credencial."
NOTE_AGAIN = "Credencial vencida según el padrón."


def _decide(env, folio: str, **data):
    page = env.client.get(f"/admin/registry/requests/{folio}", headers=HTML).text
    answer = env.client.post(f"/admin/registry/requests/{folio}/decision", headers=HTML,
                             data={**data, "csrf": csrf_of(page)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer


def _history(env, folio: str, lang: str = "es") -> list[tuple[str, str, str]]:
    page = env.client.get(f"/admin/registry/requests/{folio}?lang={lang}", headers=HTML).text
    table = page[page.index(text("registry.review.history", lang)):]
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
                      table)
    return [tuple(html.unescape(cell) for cell in row) for row in rows]


def _expected(lang: str) -> list[tuple[str, str, str]]:
    def t(key: str, **params) -> str:
        return text(f"registry.{key}", lang, **params)

    reason = t("history.reason", reason=t("reason.signature"))
    system, citizen = t("history.actor.system"), t("history.actor.citizen")
    return [
        (system, t("action.submitted"),
         t("history.submitted", modality=t("modality.internet"))),
        (system, t("action.email_confirmed"), t("history.email_confirmed")),
        ("revisor", t("action.correction_asked"),
         t("history.correction_asked", items=t("item.address")) + " "
         + t("history.fields", fields=f"{t('form.city')}, {t('form.street')}")),
        *[(system, t("action.change_link_sent"), t("history.change_link_sent"))] * 3,
        (citizen, t("action.change_rate_limited"), t("history.change_rate_limited")),
        (system, t("action.corrected"), t("history.corrected")),
        ("revisor", t("action.document_viewed"), t("history.document_viewed")),
        ("revisor", t("action.rejected"), t("history.rejected") + " " + reason),
        ("super", t("action.reinstated"), " ".join((
            t("history.reinstated"), t("history.was", reason=t("reason.signature")),
            t("history.note", note=NOTE_BACK)))),
        ("super", t("action.reversed"), " ".join((
            t("history.reversed"), t("history.reason", reason=t("reason.card_expired")),
            t("history.note", note=NOTE_AGAIN)))),
        ("super", t("action.reinstated"), " ".join((
            t("history.reinstated"), t("history.was", reason=t("reason.card_expired")),
            t("history.note", note=NOTE_BACK), t("history.addendum")))),
    ]


def test_each_step_of_a_requests_history_reads_as_a_sentence(env, smtp_server):
    record = env.good_records()[0]
    folio = submit_direct(env, record)
    birth = record.birth_date.isoformat()
    env.login("revisor")
    _decide(env, folio, decision="correct", fields=["city", "street"],
            note=f"Escriba la calle completa, {record.given_names}")
    for _ in range(4):  # three links, then the limit
        env.client.post("/registro/corregir", headers=HTML, data={
            "folio": folio, "birth_date": birth, "csrf": env.csrf()})
    bodies = [m.get_payload(decode=True).decode() for m in smtp_server.messages]
    token = re.findall(r"/registro/corregir/([A-Za-z0-9_-]+)", bodies[-1])[-1]
    form = env.client.get(f"/registro/corregir/{token}")
    assert env.client.post(f"/registro/corregir/{token}", data={
        "csrf": csrf_of(form.text), "street": "742 Evergreen Terrace", "city": "Springfield",
        "region": "Oregón", "postal_code": "97403", "country": "US"}).status_code == 200
    env.login("revisor")
    detail = env.client.get(f"/admin/registry/requests/{folio}", headers=HTML).text
    document = re.search(r'href="(/admin/registry/documents/[0-9a-f]+)"', detail).group(1)
    assert env.client.get(document).status_code == 200
    _decide(env, folio, decision="reject", reason="signature")
    env.login("super")
    _decide(env, folio, decision="reverse", note=NOTE_BACK)
    _decide(env, folio, decision="reverse", reason="card_expired", note=NOTE_AGAIN)
    with transaction(env.app.state.sessions) as s:  # the list's closing is not under test
        lists.close(s, ELECTION, "admin", [record.entity_id])
    _decide(env, folio, decision="reverse", note=NOTE_BACK)

    for lang in ("es", "en"):
        shown = _history(env, folio, lang)
        assert shown == _expected(lang), lang
        cells = " ".join(detail for _, _, detail in shown)
        assert "=" not in cells and "{" not in cells and folio not in cells
    with transaction(env.app.state.sessions) as s:
        row = s.scalar(select(Request).where(Request.folio == folio))
    page = html.unescape(env.client.get(f"/admin/registry/requests/{folio}?lang=es",
                                        headers=HTML).text)
    history = page[page.index(text("registry.review.history", "es")):]
    for personal in (record.given_names, row.email, row.street, "Springfield", birth,
                     record.elector_key):
        assert personal not in history, personal


def test_an_acceptance_after_the_close_says_it_joins_the_addendum(env):
    record = env.good_records()[1]
    folio = submit_direct(env, record)
    with transaction(env.app.state.sessions) as s:  # set-up: the list closes first
        lists.close(s, ELECTION, "admin", [record.entity_id])
    env.login("revisor")
    _decide(env, folio, decision="accept")
    assert _history(env, folio)[-1] == (
        "revisor", text("registry.action.accepted", "es"),
        f"{text('registry.history.accepted', 'es')} {text('registry.history.addendum', 'es')}")
