"""The help centre (/ayuda): the questions the citizen-service centre receives most, in the
catalogue (catalog/help.toml), grouped by topic, each under its own anchor so the page where
a question arises links straight to its answer; searchable with `?q=` (no script needed)."""

from __future__ import annotations

import unicodedata

from fastapi import APIRouter, Request

from vmre.core.messages import plural, text
from vmre.web.security import language
from vmre.web.templating import render

router = APIRouter(include_in_schema=False)

# topic -> question ids, in the order people go through them
TOPICS = (
    ("registro", ("quien-puede", "como-inscribirse", "documentos", "no-llega-correo",
                  "estado-solicitud", "corregir")),
    ("credencial", ("consulados", "estado-credencial", "activar-credencial")),
    ("votar", ("modalidades", "activar-cuenta", "como-votar", "recibo", "paquete-postal")),
)
MAX_QUERY = 100


def fold(value: str) -> str:
    """Lower case without accents: "Credencial" finds "credencial", "inscripcion" finds
    "inscripción"."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", value.casefold())
                   if not unicodedata.combining(ch))


def questions(lang: str) -> list[dict]:
    return [{"id": qid, "topic": topic,
             "question": text(f"help.q.{qid}.question", lang),
             "answer": text(f"help.q.{qid}.answer", lang)}
            for topic, ids in TOPICS for qid in ids]


def search(lang: str, query: str) -> list[dict]:
    """Questions whose question or answer holds every word of `query`."""
    words = fold(query).split()
    return [q for q in questions(lang)
            if all(w in fold(q["question"] + " " + q["answer"]) for w in words)]


@router.get("/ayuda")
def help_centre(request: Request, q: str = ""):
    lang = language(request)
    query = " ".join(q.split())[:MAX_QUERY]
    found = search(lang, query) if query else questions(lang)
    summary = None
    if query:
        summary = (plural("help.results", len(found), lang, q=query) if found
                   else text("help.no_results", lang, q=query))
    topics = [{"id": topic, "questions": [x for x in found if x["topic"] == topic]}
              for topic, _ in TOPICS]
    return render(request, "help_centre.html", query=query, summary=summary,
                  topics=[t for t in topics if t["questions"]])
