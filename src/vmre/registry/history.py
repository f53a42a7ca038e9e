"""A request's review history as people read it (docs/registry.md §3.2): one sentence per
logged step, from the catalogue, with the fields asked to be corrected named by their
labels, reasons and states in words and the supervisor's note quoted — never the log's
`key=value` text, never an id, never a person's data (the log holds none: the correction
note sent to the citizen stays out of it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vmre.core.audit import AuditEvent
from vmre.core.messages import text


@dataclass(frozen=True)
class Step:
    at: object
    actor: str
    action: str
    detail: str  # the sentence people read


def _fields(detail: str) -> dict[str, str]:
    """The log's `key=value` words; `note=` (written last) takes the rest of the line. An
    `addendum=1` that follows the note (an acceptance after the list's close) is its own."""
    values: dict[str, str] = {}
    if detail.endswith(" addendum=1") or detail == "addendum=1":
        values["addendum"] = "1"
        detail = detail[: -len("addendum=1")].rstrip()
    head, sep, note = detail.partition("note=")
    if sep:
        values["note"] = note.strip()
    for word in head.split():
        key, eq, value = word.partition("=")
        if eq:
            values[key] = value
    return values


def _word(prefix: str, value: str, lang: str) -> str:
    """A catalogue word for a logged value (a reason, an item, a field); "" if unknown."""
    try:
        return text(f"{prefix}.{value}", lang) if value else ""
    except KeyError:
        return ""


def _list(prefix: str, values: str, lang: str) -> str:
    return ", ".join(w for w in (_word(prefix, v, lang) for v in values.split(",") if v) if w)


def describe(action: str, detail: str, lang: str) -> str:
    """The sentence for one logged step of a request; "" for a step with nothing to add."""
    part, _, name = action.partition(".")
    if part != "registry":
        return ""
    values = _fields(detail)
    key = f"registry.history.{name}"
    if name == "submitted":
        return text(key, lang, modality=_word("registry.modality", values.get("modality", ""),
                                                lang) or "—")
    if name == "correction_asked":
        items = _list("registry.item", values.get("items", ""), lang) or "—"
        fields = _list("registry.form", values.get("fields", ""), lang)
        sentence = text(key, lang, items=items)
        return sentence + (" " + text("registry.history.fields", lang, fields=fields)
                           if fields else "")
    if name in ("rejected", "reversed", "reinstated"):
        sentence = text(key, lang)
        reason = _word("registry.reason", values.get("reason", ""), lang)
        if reason:
            sentence += " " + text("registry.history.reason", lang, reason=reason)
        was = _word("registry.reason", values.get("was", ""), lang)
        if was:
            sentence += " " + text("registry.history.was", lang, reason=was)
        if values.get("note"):
            sentence += " " + text("registry.history.note", lang, note=values["note"])
    elif name in ("accepted", "email_confirmed", "corrected", "change_link_sent",
                  "change_rate_limited", "document_viewed"):
        sentence = text(key, lang)
    else:
        return ""
    if values.get("addendum") and name in ("accepted", "reinstated"):
        sentence += " " + text("registry.history.addendum", lang)
    return sentence


_ACTORS = ("system", "citizen")  # who acts but is no staff account: named in words


def actor_name(actor: str, lang: str) -> str:
    return text(f"registry.history.actor.{actor}", lang) if actor in _ACTORS else actor


def of_request(session: Session, folio: str, lang: str) -> list[Step]:
    """Every logged step whose subject is the request's folio, oldest first."""
    rows = session.scalars(select(AuditEvent).where(AuditEvent.subject == folio)
                           .order_by(AuditEvent.id))
    return [Step(e.at, actor_name(e.actor, lang), e.action,
                 describe(e.action, e.detail or "", lang))
            for e in rows]
