"""Write tests/vectors/ballot-v1.json: ballots from fixed inputs that Python and the browser's
JavaScript must both reproduce byte for byte (docs/sivei.md, "Shared test vectors").

Run: python tests/vectors/make_vectors.py   (the Python test checks the file is current)
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from vmre.crypto import credentials
from vmre.crypto.encoding import canonical_json
from vmre.crypto.group import base_mul, hash_parts, hash_to_scalar, scalar_bytes
from vmre.voting import ballot as ballots
from vmre.voting.context import ElectionContext
from vmre.voting.manifest import parse_manifest

PATH = Path(__file__).with_name("ballot-v1.json")

# Small but complete: a coalition of three (four combinations), a party alone, accents and
# a non-Latin-1 character in names so that canonical JSON's UTF-8 is exercised.
MANIFEST = {
    "election_id": "vectores-2024",
    "name": "Vectores de prueba — elección ficticia",
    "time_zone": "America/Mexico_City",
    "parties": [
        {"id": "pan", "name": "Partido Acción Nacional", "color": "#06338E"},
        {"id": "pri", "name": "Partido Revolucionario Institucional", "color": "#E10019"},
        {"id": "prd", "name": "Partido de la Revolución Democrática", "color": "#FFCB01"},
        {"id": "mc", "name": "Movimiento Ciudadano ✓", "color": "#FF8300"},
        {"id": "morena", "name": "Morena", "color": "#A6192E"},
    ],
    "coalitions": [{"id": "fyc", "name": "Fuerza y Corazón", "parties": ["pan", "pri", "prd"]}],
    "contests": [
        {"id": "gob-jal", "entity": "JAL", "office": "Gubernatura de Jalisco",
         "candidates": [{"id": "jal-a", "name": "Ana Lucía Ibarra", "coalition": "fyc"},
                        {"id": "jal-c", "name": "María Fernanda Villaseñor", "party": "mc"},
                        {"id": "jal-m", "name": "Héctor Ávila", "party": "morena"}]},
        {"id": "dip-jal", "entity": "JAL", "office": "Diputación migrante de Jalisco",
         "candidates": [{"id": "d-pan", "name": "Rocío Cárdenas", "party": "pan"},
                        {"id": "d-mc", "name": "Itzel Zúñiga", "party": "mc"}]},
        {"id": "gob-pue", "entity": "PUE", "office": "Gubernatura de Puebla",
         "candidates": [{"id": "pue-a", "name": "Gabriela Solís", "coalition": "fyc"},
                        {"id": "pue-b", "name": "Arturo Benítez", "party": "morena"}]},
    ],
}

CASES = [
    {"name": "coalition-mix-and-null", "entity": "JAL",
     "credential_secret": "7K2QM-9TX4B-HC3VN-8PW6R-ZD5FA",
     "selections": {"gob-jal": "pan+prd", "dip-jal": "nulo"}, "seed": "vector-1"},
    {"name": "write-in-and-party", "entity": "JAL",
     "credential_secret": "ab1cd-ef2gh-jk3mn-pq4rs-tv5wx",  # lower case: normalised
     "selections": {"gob-jal": "no-registrado", "dip-jal": "mc"}, "seed": "vector-2"},
    {"name": "three-party-combination", "entity": "PUE",
     "credential_secret": "00000-11111-22222-33333-44444",
     "selections": {"gob-pue": "pan+pri+prd"}, "seed": "vector-3"},
]


def context() -> ElectionContext:
    manifest = parse_manifest(json.dumps(MANIFEST, ensure_ascii=False), "vectors")
    joint = base_mul(hash_to_scalar("vmre/test-vector/joint-key", "vectores-2024"))
    transcript = hashlib.sha256(b"vectores-2024 transcript").digest()
    return ElectionContext(manifest, joint, 5, 3, transcript)


def build() -> dict:
    ctx = context()
    cases = []
    for case in CASES:
        key = credentials.signing_key(ctx.election_id, case["credential_secret"])
        ballot, randomness = ballots.encrypt_ballot(
            ctx, case["entity"], key, case["selections"],
            ballots.deterministic_nonces(case["seed"]))
        cases.append({**case, "signing_key": scalar_bytes(key).hex(),
                      "credential": base_mul(key).hex(), "ballot": ballot,
                      "ballot_canonical_json": canonical_json(ballot).decode("utf-8"),
                      "tracking_code": ballots.tracking_code(ballot),
                      "reveal": ballots.reveal(ballot, case["selections"], randomness)})
    primitives = {
        "hash_parts": [
            {"tag": "t", "parts": ["abc", {"bytes": "00ff"}, 7, ["x", 1]],
             "sha512": hash_parts("t", "abc", bytes.fromhex("00ff"), 7, ["x", 1]).hex()},
        ],
        "deterministic_nonces": {"seed": "vector-1", "first": [
            scalar_bytes(n).hex() for n in _take(ballots.deterministic_nonces("vector-1"), 3)]},
    }
    return {"version": 1, "manifest": MANIFEST, "context": ctx.to_json(),
            "options": {c.id: [o.id for o in c.options] for c in ctx.manifest.contests},
            "primitives": primitives, "cases": cases}


def _take(nonce, n: int) -> list[int]:
    return [nonce() for _ in range(n)]


def render(vectors: dict) -> str:
    return json.dumps(vectors, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    PATH.write_text(render(build()), encoding="utf-8")
    sys.stdout.write(f"{PATH}\n")
