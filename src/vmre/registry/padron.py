"""The federal voter register (padrón electoral) as a port, and two implementations.

The registry only asks the register one question: "who holds this elector key?". A register
plugs in by implementing `Padron`. `SyntheticPadron` is seeded and reproducible: record `i`
of seed `s` is always the same person, so the demo and the tests agree. `CsvPadron` reads
an extract of the real register from a CSV file (docs/registry.md §7). `configured()` picks
one from `VMRE_PADRON` (`synthetic`, `synthetic:SEED:SIZE` or `csv:PATH`).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from vmre.core.entities import BY_ID, ENTITIES
from vmre.core.messages import UserError


@dataclass(frozen=True, slots=True)
class PadronRecord:
    elector_key: str  # clave de elector, 18 characters
    given_names: str
    first_surname: str
    second_surname: str
    birth_date: dt.date
    sex: str  # "H" or "M", as printed on the card
    entity_id: str  # entity of origin (vmre.core.entities id)
    ocr: str  # 13 digits, on the back of cards issued in Mexico
    cic: str  # 9 digits, credential identification code
    issued_abroad: bool  # card issued at a consulate (CPVE) or in Mexico
    validity_year: int  # the card is valid until the end of this year (vigencia)


class Padron(Protocol):
    def lookup(self, elector_key: str) -> PadronRecord | None: ...


GIVEN_H = ("José", "Juan", "Luis", "Jesús", "Miguel Ángel", "Héctor", "Raúl", "Andrés",
           "Martín", "Ramón", "Fernando", "Sebastián", "Tomás", "Adrián", "Joaquín", "Iñaki",
           "Julián", "Efraín", "Germán", "Rubén", "Óscar", "Ángel", "Nicolás", "Emiliano")
GIVEN_M = ("María", "Guadalupe", "Verónica", "Mónica", "Begoña", "Ximena", "Sofía", "Inés",
           "Lucía", "Beatriz", "Araceli", "Citlalli", "Itzel", "María José", "Noemí", "Raquel",
           "Leticia", "Rocío", "Yolanda", "Dolores", "Natalia", "Anahí", "Azucena", "Ruth")
SURNAMES = ("Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez",
            "Sánchez", "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Jiménez",
            "Reyes", "Díaz", "Torres", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz",
            "Castillo", "Muñoz", "Peña", "Núñez", "Ibarra", "Zúñiga", "Acuña", "Cañedo",
            "Ordóñez", "Xicoténcatl", "Cuauhtémoc", "Yáñez", "Villaseñor", "De la Fuente")

_CONSONANTS = set("BCDFGHJKLMNPQRSTVWXYZ")


@lru_cache(maxsize=65536)  # names repeat a lot: fold each spelling once
def fold(value: str) -> str:
    """Uppercase without accents (Ñ kept as N, as the elector key does), single spaces."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.upper().split())


def _letters(word: str, n: int) -> str:
    letters = "".join(ch for ch in fold(word) if ch.isalpha())
    return (letters + "XXXX")[:n]


def _first_consonant(word: str) -> str:
    letters = "".join(ch for ch in fold(word) if ch.isalpha())
    for ch in letters[1:]:
        if ch in _CONSONANTS:
            return ch
    return "X"


@lru_cache(maxsize=65536)
def _name_letters(given: str, first: str, second: str) -> str:
    first_word = fold(first).split(" ")[-1]
    return (_letters(first_word, 1) + _first_consonant(first_word)
            + _letters(second or "X", 1) + _first_consonant(second or "X")
            + _letters(given, 1) + _first_consonant(given))


def elector_key(given: str, first: str, second: str, birth: dt.date, entity_inegi: str,
                sex: str, homoclave: str) -> str:
    """6 letters from the names, YYMMDD, the entity's two-digit code, sex, 3-char homoclave."""
    return f"{_name_letters(given, first, second)}{birth:%y%m%d}{entity_inegi}{sex}{homoclave}"


class SyntheticPadron:
    """A reproducible register of `size` people; lookups by elector key after one build."""

    def __init__(self, seed: int = 2024, size: int = 10_000) -> None:
        self.seed = seed
        self.size = size
        self._index: dict[str, int] | None = None

    def record(self, i: int) -> PadronRecord:
        if not 0 <= i < self.size:
            raise IndexError(i)
        rng = random.Random(self.seed * 1_000_003 + i)
        sex = rng.choice("HM")
        given = rng.choice(GIVEN_H if sex == "H" else GIVEN_M)
        first, second = rng.choice(SURNAMES), rng.choice(SURNAMES)
        if rng.random() < 0.03:
            second = ""  # some people carry one surname only
        birth = dt.date(1945, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 61))
        ent = ENTITIES[rng.randrange(len(ENTITIES))]
        # The homoclave starts with the index in base 36: keys never collide in one register.
        homoclave = _base36(i, 3) if i < 36**3 else _base36(i % 36**3, 3)
        key = elector_key(given, first, second, birth, ent.inegi, sex, homoclave)
        if i >= 36**3:  # large registers: spend the name letters on uniqueness too
            key = _base26(i // 36**3, 6) + key[6:]
        issued_abroad = rng.random() < 0.35
        return PadronRecord(
            elector_key=key,
            given_names=given,
            first_surname=first,
            second_surname=second,
            birth_date=birth,
            sex=sex,
            entity_id=ent.id,
            ocr=f"{rng.randrange(10**13):013d}",
            cic=f"{rng.randrange(10**9):09d}",
            issued_abroad=issued_abroad,
            validity_year=rng.choice((2019, 2021, 2023, 2024, 2025, 2027, 2029, 2031, 2033)),
        )

    def __iter__(self):
        return (self.record(i) for i in range(self.size))

    def _build(self) -> dict[str, int]:
        if self._index is None:
            self._index = {self.record(i).elector_key: i for i in range(self.size)}
        return self._index

    def lookup(self, elector_key: str) -> PadronRecord | None:
        i = self._build().get(elector_key.strip().upper())
        return None if i is None else self.record(i)


def _base36(n: int, width: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(width):
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def _base26(n: int, width: int) -> str:
    out = ""
    for _ in range(width):
        n, r = divmod(n, 26)
        out = chr(ord("A") + r) + out
    return out


def entity_exists(entity_id: str) -> bool:
    return entity_id in BY_ID


# ---------------------------------------------------------------- a register extract in CSV

CSV_COLUMNS = tuple(PadronRecord.__dataclass_fields__)  # the header, in any order
_KEY = re.compile(r"[A-Z]{6}\d{8}[HMX][0-9A-Z]{3}")
_TRUE, _FALSE = ("true", "1", "si", "sí", "yes"), ("false", "0", "no")


def _field(column: str, value: str):
    """The typed value of one cell, or None when it breaks the column's rule."""
    if column == "elector_key":
        return value if _KEY.fullmatch(value) else None
    if column in ("given_names", "first_surname"):
        return value or None
    if column == "second_surname":
        return value
    if column == "birth_date":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    if column == "sex":
        return value if value in ("H", "M", "X") else None
    if column == "entity_id":
        return value if value in BY_ID else None
    if column == "ocr":
        return value if re.fullmatch(r"(\d{13})?", value) else None
    if column == "cic":
        return value if re.fullmatch(r"(\d{9})?", value) else None
    if column == "issued_abroad":
        low = value.lower()
        return True if low in _TRUE else False if low in _FALSE else None
    if column == "validity_year":
        return int(value) if re.fullmatch(r"(19|20)\d\d", value) else None
    raise AssertionError(column)


class CsvPadron:
    """A register extract from a UTF-8 CSV file: a header naming exactly the columns of
    `PadronRecord` (in any order), then one person per line. The whole file is checked and
    indexed when it is opened: a bad header, a bad cell or a repeated elector key raises a
    UserError naming the file, the line and the column (never the value: it is personal
    data)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._records: dict[str, PadronRecord] = {}
        name = self.path.name
        try:
            handle = self.path.open(encoding="utf-8-sig", newline="")
        except OSError:
            raise UserError("registry.padron.unreadable", path=name) from None
        with handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in CSV_COLUMNS if c not in header]
            unknown = [h for h in header if h not in CSV_COLUMNS]
            if missing or unknown or len(set(header)) != len(header):
                raise UserError("registry.padron.header", path=name,
                                missing=", ".join(missing) or "-",
                                unknown=", ".join(unknown) or "-",
                                expected=", ".join(CSV_COLUMNS))
            order = [header.index(c) for c in CSV_COLUMNS]
            try:
                for row in reader:
                    self._add(name, reader.line_num, row, order)
            except (csv.Error, UnicodeDecodeError):
                raise UserError("registry.padron.bad_file", path=name,
                                line=reader.line_num + 1) from None

    def _add(self, name: str, line: int, row: list[str], order: list[int]) -> None:
        if not any(cell.strip() for cell in row):
            return  # blank lines are allowed
        if len(row) != len(order):
            raise UserError("registry.padron.row_length", path=name, line=line,
                            found=len(row), expected=len(order))
        values = {}
        for column, index in zip(CSV_COLUMNS, order, strict=True):
            value = _field(column, row[index].strip())
            if value is None:
                raise UserError("registry.padron.bad_row", path=name, line=line, column=column)
            values[column] = value
        record = PadronRecord(**values)
        if record.elector_key in self._records:
            raise UserError("registry.padron.duplicate", path=name, line=line)
        self._records[record.elector_key] = record

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self):
        return iter(self._records.values())

    def lookup(self, elector_key: str) -> PadronRecord | None:
        return self._records.get(elector_key.strip().upper())


def from_spec(spec: str) -> Padron:
    """`synthetic`, `synthetic:SEED:SIZE` or `csv:PATH` (the form of VMRE_PADRON and of the
    command line's --padron)."""
    kind, _, rest = spec.strip().partition(":")
    if kind == "csv" and rest:
        return CsvPadron(rest)
    if kind == "synthetic":
        seed, _, size = rest.partition(":")
        try:
            return SyntheticPadron(int(seed or os.environ.get("VMRE_PADRON_SEED", "2024")),
                                   int(size or os.environ.get("VMRE_PADRON_SIZE", "100000")))
        except ValueError:
            pass
    raise UserError("registry.padron.spec", spec=spec[:200])


def configured() -> Padron:
    """The register the deployment names in VMRE_PADRON (default: the synthetic one, with
    VMRE_PADRON_SEED and VMRE_PADRON_SIZE)."""
    return from_spec(os.environ.get("VMRE_PADRON", "synthetic"))
