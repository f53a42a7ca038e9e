"""The 32 federal entities of Mexico: one id per entity, shared by every part.

Ids are the usual abbreviations; `inegi` is the two-digit code the voter register uses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    id: str
    inegi: str
    name: str


ENTITIES: tuple[Entity, ...] = tuple(
    Entity(i, f"{n:02d}", name)
    for n, (i, name) in enumerate(
        [
            ("AGS", "Aguascalientes"), ("BC", "Baja California"), ("BCS", "Baja California Sur"),
            ("CAMP", "Campeche"), ("COAH", "Coahuila"), ("COL", "Colima"), ("CHIS", "Chiapas"),
            ("CHIH", "Chihuahua"), ("CDMX", "Ciudad de México"), ("DGO", "Durango"),
            ("GTO", "Guanajuato"), ("GRO", "Guerrero"), ("HGO", "Hidalgo"), ("JAL", "Jalisco"),
            ("MEX", "Estado de México"), ("MICH", "Michoacán"), ("MOR", "Morelos"),
            ("NAY", "Nayarit"), ("NL", "Nuevo León"), ("OAX", "Oaxaca"), ("PUE", "Puebla"),
            ("QRO", "Querétaro"), ("QROO", "Quintana Roo"), ("SLP", "San Luis Potosí"),
            ("SIN", "Sinaloa"), ("SON", "Sonora"), ("TAB", "Tabasco"), ("TAMPS", "Tamaulipas"),
            ("TLAX", "Tlaxcala"), ("VER", "Veracruz"), ("YUC", "Yucatán"), ("ZAC", "Zacatecas"),
        ],
        start=1,
    )
)

BY_ID = {e.id: e for e in ENTITIES}
BY_INEGI = {e.inegi: e for e in ENTITIES}


def entity(entity_id: str) -> Entity:
    return BY_ID[entity_id]
