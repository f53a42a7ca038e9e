"""The mock election's citizens: people of the synthetic voter register living abroad, each
with what they will type in the registration form and how they will behave.

Most ask once with the data on their card. Some mistype their name (the first review finds
a mismatch and a reviewer asks them to correct it; most do, a few never answer), some hold a
card that expired, some give an elector key the register does not know, and some send the
same request a second time. Everything is drawn from the seed, so a run can be repeated.
"""

from __future__ import annotations

import io
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from vmre.registry.padron import PadronRecord, SyntheticPadron

# Share of citizens per behaviour; the rest ask once, correctly.
BEHAVIOURS = (("typo", 0.05), ("silent", 0.015), ("expired", 0.03), ("unknown", 0.02),
              ("twice", 0.03))
# Where they live: country, region, city, postal code (formats the form accepts).
PLACES = (("US", "California", "Los Ángeles", "90012"), ("US", "Illinois", "Chicago", "60608"),
          ("US", "Texas", "Houston", "77002"), ("CA", "Ontario", "Toronto", "M5V 2T6"),
          ("ES", "Madrid", "Madrid", "28013"), ("DE", "Berlin", "Berlin", "10115"),
          ("FR", "Île-de-France", "Paris", "75011"))
STREETS = ("Main St", "Calle Mayor", "Rue de la Paix", "Hauptstraße", "Queen St W", "Elm Ave")


@dataclass(frozen=True)
class Citizen:
    index: int
    card: PadronRecord  # what is printed on the person's card
    modality: str  # "internet" or "postal"
    behaviour: str  # "clean", or one of BEHAVIOURS
    place: tuple[str, str, str, str]
    street: str

    @property
    def email(self) -> str:
        return f"ciudadano{self.index}@correo.example"

    @property
    def phone(self) -> str:
        return f"+1555{self.index:07d}"

    def form(self, election_id: str) -> dict[str, str]:
        """The registration form as this person fills it in."""
        card = self.card
        country, region, city, postal_code = self.place
        first_surname = card.first_surname
        if self.behaviour in ("typo", "silent"):  # two letters swapped
            first_surname = first_surname[0] + first_surname[2] + first_surname[1] \
                + first_surname[3:]
        key = card.elector_key
        if self.behaviour == "unknown":  # the register's keys never carry sex X
            key = key[:14] + "X" + key[15:]
        return {
            "election_id": election_id, "given_names": card.given_names,
            "first_surname": first_surname, "second_surname": card.second_surname,
            "birth_date": card.birth_date.isoformat(), "elector_key": key,
            "ocr": "" if card.issued_abroad else card.ocr, "cic": card.cic,
            "card_issued": "abroad" if card.issued_abroad else "mexico",
            "entity_id": card.entity_id, "country": country, "region": region, "city": city,
            "postal_code": postal_code, "street": self.street, "email": self.email,
            "phone": self.phone, "modality": self.modality, "consent": "yes",
        }

    def second_form(self, election_id: str) -> dict[str, str]:
        """The same request sent again, from another address."""
        return {**self.form(election_id), "email": f"ciudadano{self.index}.otra@correo.example",
                "phone": f"+1556{self.index:07d}"}

    def correction(self) -> dict[str, str]:
        """The identity fields as the card shows them (the answer to a correction request)."""
        card = self.card
        return {"given_names": card.given_names, "first_surname": card.first_surname,
                "second_surname": card.second_surname, "ocr": "" if card.issued_abroad
                else card.ocr, "cic": card.cic}

    def files(self) -> dict[str, bytes]:
        """Photos of both sides of the card and, for a card issued in Mexico, a proof of
        address abroad."""
        front, back, proof = _documents()
        return {"card_front": front, "card_back": back} | (
            {} if self.card.issued_abroad else {"proof": proof})


@lru_cache(maxsize=1)
def _documents() -> tuple[bytes, bytes, bytes]:
    # Small real images (the registry checks the bytes, not the name); stored once by hash.
    from PIL import Image

    out = []
    for colour in ((196, 170, 120), (150, 160, 175), (240, 240, 235)):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 40), colour).save(buffer, "JPEG")
        out.append(buffer.getvalue())
    return out[0], out[1], out[2]


class RegisterExtract:
    """The records of the synthetic register the citizens were drawn from, answering the
    registry's one question (`Padron.lookup`) as the whole register would for any key they
    type: a key it holds, or one it never issued."""

    def __init__(self) -> None:
        self._records: dict[str, PadronRecord] = {}

    def add(self, record: PadronRecord) -> None:
        self._records[record.elector_key] = record

    def lookup(self, elector_key: str) -> PadronRecord | None:
        return self._records.get(elector_key.strip().upper())


def draw(n: int, seed: int, entities: list[str], min_validity_year: int,
         postal_share: float) -> tuple[list[Citizen], RegisterExtract]:
    """`n` citizens from the entities holding elections, in the register's order."""
    rng = random.Random(seed + 7)
    records = _records(seed, set(entities))
    waiting: dict[bool, deque[PadronRecord]] = {True: deque(), False: deque()}
    extract = RegisterExtract()
    citizens = []
    for i in range(n):
        roll, behaviour = rng.random(), "clean"
        for name, share in BEHAVIOURS:
            if roll < share:
                behaviour = name
                break
            roll -= share
        expired = behaviour == "expired"
        while not waiting[expired]:  # read the register until a card of the kind needed
            record = next(records)
            extract.add(record)
            waiting[record.validity_year < min_validity_year].append(record)
        card = waiting[expired].popleft()
        modality = "postal" if rng.random() < postal_share else "internet"
        citizens.append(Citizen(i + 1, card, modality, behaviour, rng.choice(PLACES),
                                f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}"))
    if postal_share > 0:  # every entity counts postal votes, even in a small run
        for entity in entities:
            mine = [c for c in citizens if c.card.entity_id == entity]
            if mine and all(c.modality == "internet" for c in mine):
                first = next((c for c in mine if c.behaviour == "clean"), mine[0])
                citizens[first.index - 1] = replace(first, modality="postal")
    return citizens, extract


def _records(seed: int, entities: set[str]) -> Iterator[PadronRecord]:
    padron = SyntheticPadron(seed, size=2**31)  # records are made one index at a time
    i = 0
    while True:
        record = padron.record(i)
        i += 1
        if record.entity_id in entities:
            yield record
