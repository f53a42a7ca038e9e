"""The names people read for a ballot's options: parties and coalitions by name, with the
candidate they stand for, never an option id (`pan+pri`) or a contest id (`gob-jal`)."""

from __future__ import annotations

from vmre.core.entities import BY_ID
from vmre.core.messages import text
from vmre.voting.manifest import Contest, Manifest, Option


def parties_name(manifest: Manifest, option: Option) -> str:
    return " + ".join(manifest.parties[p]["name"] for p in option.parties)


def candidate_name(contest: Contest, option: Option) -> str:
    for candidate in contest.candidates:
        if candidate.get("id") == option.candidate:
            return str(candidate.get("name", ""))
    return ""


def coalition_of(manifest: Manifest, option: Option) -> str:
    """The coalition whose parties hold every party of a combination."""
    for coalition in manifest.coalitions.values():
        if set(option.parties) <= set(coalition.get("parties", ())):
            return str(coalition.get("name", ""))
    return ""


def option_name(manifest: Manifest, contest: Contest, option: Option, lang: str) -> str:
    """"Partido Acción Nacional + Partido Revolucionario Institucional (coalición Fuerza y
    Corazón) — Ana Lucía Ibarra Peña"; the write-in and the null vote by their names."""
    if option.kind == "write-in":
        return text("web.names.write_in", lang)
    if option.kind == "null":
        return text("web.names.null", lang)
    name = parties_name(manifest, option)
    if option.kind == "combination":
        coalition = coalition_of(manifest, option)
        if coalition:
            name += " " + text("web.names.coalition", lang, name=coalition)
    candidate = candidate_name(contest, option)
    return f"{name} — {candidate}" if candidate else name


def contest_name(contest: Contest, lang: str) -> str:
    """The office, with its entity's name where the office does not already say it."""
    del lang
    entity = BY_ID.get(contest.entity)
    entity_name = getattr(entity, "name", None) or contest.entity
    return contest.office if entity_name in contest.office else f"{contest.office} ({entity_name})"
