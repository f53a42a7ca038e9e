"""The postal vote and the count in the mock election (`vmre simulacro`).

After the internet record is written: part of the voters abroad vote by post (a list kept
apart from the internet list), their packages are printed and shipped, the courier reports,
most envelopes come back (some after the deadline), the on-time ones are counted at tables
by two operators (one mismatch settled by a supervisor), the internet tally becomes the
electronic table, and the entity counts with their PDF actas go into the record.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vmre.core.database import transaction
from vmre.core.parallel import map_chunks
from vmre.core.staff import Role, StaffUser, create_user
from vmre.count import ballot_paper, entity_count, postal, service
from vmre.count.models import Package
from vmre.count.postal import PostalVoter
from vmre.count.tables import tables_of
from vmre.simulacro.population import ENTITY_WEIGHTS
from vmre.voting.manifest import Manifest

ELECTION_DAY = dt.date(2024, 6, 2)
PLACES = [("Estados Unidos", "Los Ángeles, CA 90012"), ("Estados Unidos", "Chicago, IL 60608"),
          ("Canadá", "Toronto, ON M5V 2T6"), ("España", "28013 Madrid"),
          ("Alemania", "10115 Berlin"), ("Francia", "75011 Paris")]
PER_TABLE = 8
SUPERVISOR = "supervision-simulacro"


def postal_entities(manifest: Manifest) -> list[str]:
    """The entities whose count has postal tables in the simulacro (the fingerprint's postal
    modality, docs/record.md §2.4)."""
    return [e for e in ENTITY_WEIGHTS if manifest.contests_for(e)] or list(manifest.entities)


def run_postal(record: Path, manifest: Manifest, results: dict, seed: int,
               sessions: sessionmaker[Session], share: float = 0.3) -> dict:
    """Runs the postal vote and the count; returns the summary the command line prints."""
    rng = random.Random(seed + 404)
    election_id = manifest.election_id
    out = Path(record).parent / "postal"
    out.mkdir(parents=True, exist_ok=True)
    entities = postal_entities(manifest)
    internet = _internet_refs(manifest, results)
    n_postal = max(len(entities), round(sum(len(v) for v in internet.values()) * share))

    with transaction(sessions) as s:
        for entity, refs in internet.items():
            for ref in refs:
                postal.register_internet_voter(s, election_id, ref, entity)
        postal.set_deadline(s, election_id, postal.legal_deadline(ELECTION_DAY,
                                                                  manifest.time_zone))
        for i in range(n_postal):
            entity = entities[i] if i < len(entities) else rng.choices(
                entities, [ENTITY_WEIGHTS.get(e, 1.0) for e in entities])[0]
            country, city = rng.choice(PLACES)
            postal.register_postal_voter(s, election_id, PostalVoter(
                f"SIM-P-{i + 1:05d}", entity, f"Votante postal {i + 1}",
                (f"{rng.randrange(1, 999)} Calle Simulada", city), country), rng)
        # Credentials are only for voters who are not on the postal list.
        postal.check_internet_list(s, election_id, [r for v in internet.values() for r in v])
        packs = postal.packages(s, election_id)
        per_entity = [(e, [p for p in packs if p.entity == e]) for e in entities]
        per_entity = [(e, mine) for e, mine in per_entity if mine]
        pdfs = map_chunks(ballot_paper.packages_pdf,  # one entity's PDF per core at a time
                          [(manifest, mine) for _e, mine in per_entity])
        for (entity, _mine), pdf in zip(per_entity, pdfs, strict=True):
            (out / f"paquetes-{entity}.pdf").write_bytes(pdf)
        (out / "manifiesto-envio.csv").write_text(postal.shipping_manifest_csv(s, election_id),
                                                  encoding="utf-8")
        deadline = postal.deadline_of(s, election_id)
        shipped = deadline - dt.timedelta(days=40)
        events = []
        for p in packs:
            events.append({"tracking": p.outbound_tracking, "status": "picked_up",
                           "at": shipped.isoformat(), "location": "Ciudad de México"})
            events.append({"tracking": p.outbound_tracking, "status": "delivered",
                           "at": (shipped + dt.timedelta(days=rng.randrange(4, 12))).isoformat(),
                           "location": p.country})
        imported = postal.import_events(s, events, "api")

    # Envelopes come back: most on time, a few late, some never.
    fates = {}
    with transaction(sessions) as s:
        for i, p in enumerate(postal.packages(s, election_id)):
            roll = rng.random()
            fate = "late" if i == 0 or roll < 0.1 else ("never" if roll > 0.9 else "on_time")
            fates[p.id] = fate
            if fate == "never":
                continue
            arrived = deadline + dt.timedelta(hours=rng.randrange(2, 72)) if fate == "late" \
                else deadline - dt.timedelta(hours=rng.randrange(1, 24 * 20))
            postal.receive_envelope(s, election_id, p.return_tracking, arrived, "recepcion")

    # Counting tables: each on-time envelope holds one ballot per contest of its entity.
    with transaction(sessions) as s:
        supervisor = s.scalar(select(StaffUser).where(StaffUser.username == SUPERVISOR)) or \
            create_user(s, SUPERVISOR, f"simulacro-{seed}-supervision", [Role.SUPERVISOR])
        service.import_electronic(s, manifest, results)
        first = True
        for entity in entities:
            for tbl in postal.assign_envelopes(s, election_id, entity, PER_TABLE):
                envelopes = s.scalars(select(Package).where(Package.table_id == tbl.id)).all()
                for contest in manifest.contests_for(entity):
                    counts = {o.id: 0 for o in contest.options}
                    for _ in envelopes:
                        counts[rng.choice(contest.options).id] += 1
                    n = sum(counts.values())
                    figures = {"counts": counts, "total": n, "ballots_taken": n}
                    service.capture(s, manifest, tbl.id, contest.id, "operador-1", figures)
                    if first and n:  # the second operator mistypes one row once
                        typo = {**figures, "counts": {**counts,
                                                      contest.options[0].id: counts[
                                                          contest.options[0].id] + 1}}
                        service.capture(s, manifest, tbl.id, contest.id, "operador-2", typo)
                        service.resolve(s, manifest, tbl.id, contest.id, supervisor, figures,
                                        "cifras leídas del acta en papel")
                        first = False
                    else:
                        service.capture(s, manifest, tbl.id, contest.id, "operador-2", figures)
        written = entity_count.write_actas(s, manifest, election_id, record)
        summary = _summary(s, manifest, election_id, entities)
    summary.update(imported_events=imported["imported"], files=written, folder=str(out))
    return summary


def _internet_refs(manifest: Manifest, results: dict) -> dict[str, list[str]]:
    """One synthetic voter id per internet ballot of each entity (the registry's ids)."""
    refs: dict[str, list[str]] = {}
    n = 0
    for entity in manifest.entities:
        contests = manifest.contests_for(entity)
        count = results["contests"][contests[0].id]["ballots"] if contests else 0
        refs[entity] = [f"SIM-I-{n + k + 1:05d}" for k in range(count)]
        n += count
    return refs


def _summary(s: Session, manifest: Manifest, election_id: str, entities: list[str]) -> dict:
    per_entity = {}
    for entity in entities:
        returns = postal.return_summary(s, election_id, entity)
        row = entity_count.latest_count(s, election_id, entity)
        figures = service.figures_of(row)
        per_entity[entity] = {
            "sent": returns["sent"], "received": returns["received"], "late": returns["late"],
            "tables": len(tables_of(s, election_id, entity)), "version": row.version,
            "contests": {cid: {k: d[k] for k in ("office", "candidates", "parties", "total")}
                         | {"postal": d["postal"]["ballots"],
                            "internet": d["electronic"]["ballots"]}
                         for cid, d in figures["contests"].items()},
        }
    return {"entities": per_entity}


def summary_table(summary: dict):
    """Postal and internet results per entity and contest, as a Rich table for the console."""
    from rich.table import Table

    from vmre.core.messages import text

    table = Table(title=text("count.simulacro.title"))
    for column in ("entity", "office", "sent", "received", "late", "postal", "internet",
                   "total", "leader"):
        table.add_column(text(f"count.simulacro.column.{column}"))
    for entity, data in summary.get("entities", {}).items():
        for cid, c in data["contests"].items():
            leader = max(c["candidates"], key=lambda k: c["candidates"][k])
            table.add_row(entity, cid, str(data["sent"]), str(data["received"]),
                          str(data["late"]), str(c["postal"]), str(c["internet"]),
                          str(c["total"]), f"{leader} ({c['candidates'][leader]})")
    return table
