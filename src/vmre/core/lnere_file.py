"""The LNERE hand-over files (docs/count.md §2.1 and §2.2): the registry writes a closed list
as JSON Lines, a header line then one object per voter, and the count reads it back. The
postal LNERE (`vmre/postal-lnere/v1`) and the internet LNERE (`vmre/internet-lnere/v1`)
share this envelope: the same encoding, header, limits and refusals; each format names its
own voter columns and checks their values.

The reader checks the whole file before anything is stored and stops at the first fault,
naming the line and the column, never the value (it is personal data).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from vmre.core.entities import BY_ID as ENTITIES
from vmre.core.messages import UserError

HEADER = ("addendum", "election_id", "entity", "format", "voters")
MAX_LINE = 4096
ELECTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,47}")
FOLIO = re.compile(r"[A-Z0-9][A-Z0-9-]{0,63}")
_NAME_OF_COLUMN = re.compile(r"[A-Za-z_]{1,40}")

T = TypeVar("T")


@dataclass(frozen=True)
class LnereFile(Generic[T]):
    election_id: str
    entity: str | None  # None: every entity of the election
    addendum: bool
    voters: list[T] = field(default_factory=list)


# -- writing ----------------------------------------------------------------------------------

def line(obj: dict) -> str:
    """One line as the registry writes it: keys sorted, no spaces, UTF-8 kept."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def header(fmt: str, election_id: str, entity: str | None, addendum: bool, voters: int) -> str:
    return line({"format": fmt, "election_id": election_id, "entity": entity,
                 "addendum": addendum, "voters": int(voters)})


# -- reading ----------------------------------------------------------------------------------

class _Duplicate(ValueError):
    pass


def _no_constant(name: str) -> object:
    raise ValueError(name)  # NaN and Infinity are not JSON


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def column_label(key: object) -> str:
    """A column name is echoed only if it looks like one: a stray value is never repeated."""
    return key if isinstance(key, str) and _NAME_OF_COLUMN.fullmatch(key) else "?"


def json_object(text: str, line_no: int, expected: tuple[str, ...], keys: str) -> dict:
    """One line: a JSON object with exactly the `expected` keys (`keys` is the catalogue
    prefix of the refusals, e.g. `count.lnere`)."""
    if len(text) > MAX_LINE:
        raise UserError(f"{keys}.line_too_long", line=line_no, limit=MAX_LINE)
    try:
        obj = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except _Duplicate as dup:
        raise UserError(f"{keys}.duplicate_column", line=line_no,
                        column=column_label(str(dup))) from None
    except (ValueError, RecursionError):
        raise UserError(f"{keys}.not_json", line=line_no) from None
    if not isinstance(obj, dict):
        raise UserError(f"{keys}.not_json", line=line_no)
    for key in expected:
        if key not in obj:
            raise UserError(f"{keys}.missing_column", line=line_no, column=key)
    for key in obj:
        if key not in expected:
            raise UserError(f"{keys}.unknown_column", line=line_no, column=column_label(key))
    return obj


def read(content: str | bytes, fmt: str, columns: tuple[str, ...],
         parse: Callable[[dict, int, str | None], T],
         unique: Callable[[T], Iterable[tuple[str, object]]], keys: str) -> LnereFile[T]:
    """Reads and checks a whole LNERE file of format `fmt`: the header, then each voter line
    with exactly `columns`, turned into a voter by `parse(row, line, header_entity)` (which
    refuses a bad value), no two voters sharing a value named by `unique(voter)`, and as many
    voter lines as the header declares."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as err:
            raise UserError(f"{keys}.not_utf8",
                            line=content[:err.start].count(b"\n") + 1) from None
    content = content.removeprefix("\ufeff")
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    if not lines:
        raise UserError(f"{keys}.empty")
    head = json_object(lines[0].removesuffix("\r"), 1, HEADER, keys)
    if head["format"] != fmt:
        raise UserError(f"{keys}.format", expected=fmt)
    entity = head["entity"]
    checks = {"election_id": isinstance(head["election_id"], str)
              and bool(ELECTION_ID.fullmatch(head["election_id"])),
              "entity": entity is None or (isinstance(entity, str) and entity in ENTITIES),
              "addendum": isinstance(head["addendum"], bool),
              "voters": isinstance(head["voters"], int) and not isinstance(head["voters"], bool)
              and head["voters"] >= 0}
    for column, ok in checks.items():
        if not ok:
            raise UserError(f"{keys}.bad_value", line=1, column=column)
    voters: list[T] = []
    seen: dict[tuple[str, object], int] = {}
    for number, raw in enumerate(lines[1:], start=2):
        voter = parse(json_object(raw.removesuffix("\r"), number, columns, keys), number, entity)
        for column, value in unique(voter):
            if (column, value) in seen:
                raise UserError(f"{keys}.repeated", line=number, column=column,
                                first=seen[column, value])
            seen[column, value] = number
        voters.append(voter)
    if len(voters) != head["voters"]:
        raise UserError(f"{keys}.count_mismatch", declared=head["voters"], found=len(voters))
    return LnereFile(head["election_id"], entity, head["addendum"], voters)
