"""The political parties a representative's account may belong to: one short name per party,
shared by the staff accounts and the observations they file on the lists.

They are the parties the project's manifests name (docs/examples/manifest.yaml and the
simulacro's): a party's id here is the manifest's `short`, its name the manifest's `name`.
A test keeps both in step, so an account can only speak for a party a ballot can carry.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmre.core.messages import UserError


@dataclass(frozen=True)
class Party:
    id: str  # the short name people use: "PAN"
    name: str


PARTIES: tuple[Party, ...] = (
    Party("PAN", "Partido Acción Nacional"),
    Party("PRI", "Partido Revolucionario Institucional"),
    Party("PRD", "Partido de la Revolución Democrática"),
    Party("PVEM", "Partido Verde Ecologista de México"),
    Party("PT", "Partido del Trabajo"),
    Party("MC", "Movimiento Ciudadano"),
    Party("MORENA", "Morena"),
)

BY_ID = {p.id: p for p in PARTIES}


def party(value: str) -> Party:
    """The party named by its short name (any case, spaces around ignored), else the
    catalogue's message listing the parties the project knows."""
    found = BY_ID.get(value.strip().upper())
    if found is None:
        raise UserError("core.staff.unknown_party", party=value.strip()[:40],
                        parties=", ".join(p.id for p in PARTIES))
    return found
