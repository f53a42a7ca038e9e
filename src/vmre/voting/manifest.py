"""The election manifest: parties, coalitions, contests per entity, and the options they yield.

A manifest is YAML (JSON is valid YAML), specified in docs/manifest.md. Each contest's options
are generated, in this order: every party that nominates in the contest (manifest order), every
combination of two or more parties of a coalition that nominates in the contest (by size,
then manifest order), "candidatura no registrada" and "voto nulo". A ballot selects exactly one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

from vmre.core.entities import BY_ID as ENTITIES
from vmre.core.messages import UserError
from vmre.crypto.encoding import canonical_json

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
WRITE_IN = "no-registrado"
NULL = "nulo"


@dataclass(frozen=True)
class Option:
    id: str
    kind: str  # "party", "combination", "write-in", "null"
    parties: tuple[str, ...] = ()
    candidate: str | None = None


@dataclass(frozen=True)
class Contest:
    id: str
    entity: str
    office: str
    candidates: tuple[dict, ...]
    options: tuple[Option, ...]

    def option_index(self, option_id: str) -> int:
        for i, option in enumerate(self.options):
            if option.id == option_id:
                return i
        raise KeyError(option_id)


@dataclass(frozen=True)
class Manifest:
    election_id: str
    name: str
    time_zone: str
    parties: dict[str, dict]
    coalitions: dict[str, dict]
    contests: tuple[Contest, ...]
    document: dict = field(repr=False)

    @property
    def hash_input(self) -> bytes:
        return canonical_json(self.document)

    def contests_for(self, entity: str) -> tuple[Contest, ...]:
        return tuple(c for c in self.contests if c.entity == entity)

    def contest(self, contest_id: str) -> Contest:
        for c in self.contests:
            if c.id == contest_id:
                return c
        raise KeyError(contest_id)

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.entity for c in self.contests))


class _Lines:
    """Maps a field path (('contests', 0, 'id')) to its line in the source text."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.lines: dict[tuple, int] = {}
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: yaml.Node, path: tuple) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._walk(value, (*path, key.value))
                self.lines[(*path, key.value)] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*path, i))

    def at(self, path: tuple) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def _fmt(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(raíz/root)"


class _Checker:
    def __init__(self, source: str, lines: _Lines) -> None:
        self.source, self.lines = source, lines

    def fail(self, path: tuple, key: str, **params: Any) -> UserError:
        return UserError("voting.manifest." + key, source=self.source, line=self.lines.at(path),
                         field=_fmt(path), **params)

    def get(self, obj: Any, path: tuple, name: str, kind: type = str, required: bool = True):
        if not isinstance(obj, dict):
            raise self.fail(path, "not_a_mapping")
        if name not in obj:
            if required:
                raise self.fail((*path, name), "missing")
            return None
        value = obj[name]
        if not isinstance(value, kind) or (kind is str and not value.strip()):
            raise self.fail((*path, name), "wrong_type", expected=kind.__name__)
        return value

    def ident(self, obj: Any, path: tuple, seen: set[str]) -> str:
        value = self.get(obj, path, "id")
        if not ID_PATTERN.match(value):
            raise self.fail((*path, "id"), "bad_id", value=value)
        if value in seen:
            raise self.fail((*path, "id"), "duplicate_id", value=value)
        seen.add(value)
        return value


def parse_manifest(text: str, source: str = "manifest") -> Manifest:
    """Parse and check a manifest; any inconsistency is a UserError naming line and field."""
    try:
        node = yaml.compose(text)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise UserError("voting.manifest.syntax", source=source,
                        line=(mark.line + 1) if mark else 1, reason=str(err).splitlines()[0]
                        ) from None
    chk = _Checker(source, _Lines(node))
    if not isinstance(doc, dict):
        raise chk.fail((), "not_a_mapping")
    election_id = chk.get(doc, (), "election_id")
    if not ID_PATTERN.match(election_id):
        raise chk.fail(("election_id",), "bad_id", value=election_id)
    name = chk.get(doc, (), "name")
    time_zone = chk.get(doc, (), "time_zone", required=False) or "America/Mexico_City"

    seen: set[str] = set()
    parties: dict[str, dict] = {}
    for i, party in enumerate(chk.get(doc, (), "parties", list)):
        pid = chk.ident(party, ("parties", i), seen)
        chk.get(party, ("parties", i), "name")
        color = chk.get(party, ("parties", i), "color", required=False)
        if color is not None and not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
            raise chk.fail(("parties", i, "color"), "bad_color", value=color)
        parties[pid] = party
    if not parties:
        raise chk.fail(("parties",), "empty", what="parties")

    coalitions: dict[str, dict] = {}
    for i, coalition in enumerate(chk.get(doc, (), "coalitions", list, required=False) or []):
        path = ("coalitions", i)
        cid = chk.ident(coalition, path, seen)
        chk.get(coalition, path, "name")
        members = chk.get(coalition, path, "parties", list)
        if len(members) < 2:
            raise chk.fail((*path, "parties"), "coalition_too_small")
        for k, member in enumerate(members):
            if member not in parties:
                raise chk.fail((*path, "parties", k), "unknown_party", value=member)
        if len(set(members)) != len(members):
            raise chk.fail((*path, "parties"), "duplicate_member")
        coalitions[cid] = coalition

    contests = []
    contest_ids: set[str] = set()
    for i, contest in enumerate(chk.get(doc, (), "contests", list)):
        contests.append(_contest(chk, contest, ("contests", i), contest_ids, parties, coalitions))
    if not contests:
        raise chk.fail(("contests",), "empty", what="contests")
    return Manifest(election_id, name, time_zone, parties, coalitions, tuple(contests), doc)


def _contest(chk: _Checker, contest: dict, path: tuple, seen: set[str],
             parties: dict[str, dict], coalitions: dict[str, dict]) -> Contest:
    cid = chk.ident(contest, path, seen)
    entity = chk.get(contest, path, "entity")
    if entity not in ENTITIES:
        raise chk.fail((*path, "entity"), "unknown_entity", value=entity)
    office = chk.get(contest, path, "office")
    candidates = chk.get(contest, path, "candidates", list)
    if not candidates:
        raise chk.fail((*path, "candidates"), "empty", what="candidates")
    nominating: list[str] = []  # parties in manifest order of appearance
    coalition_options: list[Option] = []
    candidate_ids: set[str] = set()
    for k, cand in enumerate(candidates):
        cpath = (*path, "candidates", k)
        cand_id = chk.ident(cand, cpath, candidate_ids)
        chk.get(cand, cpath, "name")
        party = chk.get(cand, cpath, "party", required=False)
        coalition = chk.get(cand, cpath, "coalition", required=False)
        if (party is None) == (coalition is None):
            raise chk.fail(cpath, "party_or_coalition")
        if party is not None:
            if party not in parties:
                raise chk.fail((*cpath, "party"), "unknown_party", value=party)
            members = [party]
        else:
            if coalition not in coalitions:
                raise chk.fail((*cpath, "coalition"), "unknown_coalition", value=coalition)
            members = list(coalitions[coalition]["parties"])
            for size in range(2, len(members) + 1):
                for combo in combinations(members, size):
                    coalition_options.append(
                        Option("+".join(combo), "combination", tuple(combo), cand_id))
        for member in members:
            if member in nominating:
                raise chk.fail(cpath, "party_twice", value=member)
            nominating.append(member)
    party_options = [
        Option(p, "party", (p,), _candidate_of(candidates, p, coalitions))
        for p in parties if p in nominating
    ]
    options = (*party_options, *coalition_options, Option(WRITE_IN, "write-in"),
               Option(NULL, "null"))
    return Contest(cid, entity, office, tuple(candidates), options)


def _candidate_of(candidates: list[dict], party: str, coalitions: dict[str, dict]) -> str:
    for cand in candidates:
        if cand.get("party") == party:
            return cand["id"]
        coalition = cand.get("coalition")
        if coalition and party in coalitions[coalition]["parties"]:
            return cand["id"]
    raise KeyError(party)


def load_manifest(path: str | Path) -> Manifest:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("core.file.not_found", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError("core.file.unreadable", path=str(p), reason=str(err)) from None
    return parse_manifest(text, p.name)
