"""The printable postal package of each voter (docs/count.md §2.2): shipping label,
instructions, return envelope label, and one ballot per contest of the voter's entity with
the coalition layout of the paper ballot (every party in its own box, a coalition's parties
framed together, the candidate's name under each; marking several boxes of one coalition is
a vote for its candidate). In Spanish, as printed."""

from __future__ import annotations

from collections.abc import Sequence

from vmre.core.entities import BY_ID as ENTITIES
from vmre.count.acta_pdf import html_to_pdf, render_html
from vmre.count.models import Package
from vmre.voting.manifest import Contest, Manifest

RETURN_ADDRESS = ("Instituto Nacional Electoral", "Voto de las y los mexicanos residentes en el "
                  "extranjero", "Apartado postal del voto desde el extranjero",
                  "Ciudad de México, México")


def ballot_layout(manifest: Manifest, contest: Contest) -> list[dict]:
    """Blocks in ballot order: {"coalition": name or None, "boxes": [{party, short, color,
    candidate}]}; parties of one coalition share a block, in the manifest's party order."""
    names = {c["id"]: c["name"] for c in contest.candidates}
    blocks: list[dict] = []
    seen: dict[str, dict] = {}
    for option in contest.options:
        if option.kind != "party":
            continue
        party_id = option.parties[0]
        party = manifest.parties[party_id]
        candidate = next(c for c in contest.candidates if c["id"] == option.candidate)
        box = {"party": party_id, "short": party.get("short", party_id.upper()),
               "name": party["name"], "color": party.get("color", "#777777"),
               "candidate": names[option.candidate]}
        coalition = candidate.get("coalition")
        if coalition:
            if coalition not in seen:
                seen[coalition] = {"coalition": manifest.coalitions[coalition]["name"],
                                   "boxes": []}
                blocks.append(seen[coalition])
            seen[coalition]["boxes"].append(box)
        else:
            blocks.append({"coalition": None, "boxes": [box]})
    return blocks


def packages_pdf(manifest: Manifest, packages: Sequence[Package]) -> bytes:
    """One PDF holding the packages of `packages`, each starting on a new page."""
    items = []
    for p in packages:
        contests = [{"office": c.office, "id": c.id, "blocks": ballot_layout(manifest, c)}
                    for c in manifest.contests_for(p.entity)]
        items.append({"package": p, "address": p.address.split("\n"),
                      "entity_name": ENTITIES[p.entity].name, "contests": contests})
    html = render_html("paquete_postal.html", manifest=manifest, items=items,
                       return_address=RETURN_ADDRESS)
    return html_to_pdf(html)
