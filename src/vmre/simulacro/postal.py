"""The postal vote and the count in the mock election (`vmre simulacro`).

After the internet record is written: the voters on the registry's postal list (its
export of the closed postal LNERE) are kept apart from the internet list, their packages are
printed and shipped, the courier reports, most envelopes come back (some after the
deadline), the on-time ones are counted at tables by two operators (one mismatch settled by
a supervisor), the internet tally becomes the electronic table, and the entity counts with
their PDF actas go into the record.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vmre.core.database import transaction
from vmre.core.messages import UserError
from vmre.core.parallel import map_chunks
from vmre.core.staff import Role, StaffUser, create_user
from vmre.count import acta_pdf, ballot_paper, entity_count, postal, service
from vmre.count.models import Package
from vmre.count.tables import tables_of
from vmre.voting.manifest import Manifest

ELECTION_DAY = dt.date(2024, 6, 2)
PER_TABLE = 8
SUPERVISOR = "supervision-simulacro"


def postal_entities(manifest: Manifest) -> list[str]:
    """The entities whose count has postal tables in the simulacro (the fingerprint's postal
    modality, docs/record.md §2.4): every entity with a contest (each gets a postal voter)."""
    return [e for e in manifest.entities if manifest.contests_for(e)]


def run_postal(record: Path, manifest: Manifest, results: dict, seed: int,
               sessions: sessionmaker[Session], postal_list: Path,
               internet_list: Path) -> dict:
    """Runs the postal vote and the count for the voters on `postal_list` (the registry's
    postal LNERE), with `internet_list` (the registry's internet LNERE) kept apart from it;
    returns the summary the command line prints."""
    rng = random.Random(seed + 404)
    election_id = manifest.election_id
    out = Path(record).parent / "postal"
    out.mkdir(parents=True, exist_ok=True)
    entities = postal_entities(manifest)
    lnere = postal.read_lnere(postal_list.read_bytes())

    internet = postal.read_internet_lnere(internet_list.read_bytes())
    with transaction(sessions) as s:
        marked = postal.import_internet_lnere(s, election_id, internet)
        if marked.postal:  # the registry keeps one modality per voter
            raise UserError("count.postal.lists_overlap", count=len(marked.postal))
        postal.set_deadline(s, election_id, postal.legal_deadline(ELECTION_DAY,
                                                                  manifest.time_zone))
        imported = postal.import_lnere(s, election_id, lnere, rng)
        if imported.other_modality:  # the registry keeps one modality per voter
            raise UserError("count.postal.lists_overlap", count=len(imported.other_modality))
        # Credentials are only for voters who are not on the postal list.
        postal.check_internet_list(s, election_id, [v.voter_id for v in internet.voters])
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
        courier = postal.import_events(s, events, "api")

    # Envelopes come back, each with the voter's ballot for every contest of the entity:
    # most on time, a few late, some never. The reception desk scans each envelope's code,
    # which marks its voter on the LNERE; one envelope is scanned twice (refused).
    fates = {}
    ballots: dict[str, dict[str, str]] = {}
    scans: Counter = Counter()
    with transaction(sessions) as s:
        for i, p in enumerate(postal.packages(s, election_id)):
            roll = rng.random()
            fate = "late" if i == 0 or roll < 0.1 else ("never" if roll > 0.9 else "on_time")
            fates[p.id] = fate
            if fate == "never":
                continue
            ballots[p.voter_ref] = {c.id: rng.choice(c.options).id
                                    for c in manifest.contests_for(p.entity)}
            arrived = deadline + dt.timedelta(hours=rng.randrange(2, 72)) if fate == "late" \
                else deadline - dt.timedelta(hours=rng.randrange(1, 24 * 20))
            again = 2 if scans["duplicate"] == 0 and fate == "on_time" else 1
            for _ in range(again):
                scans[postal.record_return(s, election_id, p.return_tracking, arrived,
                                           "recepcion").outcome] += 1
        late = postal.late_envelopes(s, election_id)
        (out / "sobres-extemporaneos.pdf").write_bytes(acta_pdf.late_acta_pdf(
            manifest.name, deadline, late))

    # Counting tables: the on-time envelopes are opened and their ballots counted.
    chosen: dict[str, Counter] = {}
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
                    for envelope in envelopes:
                        counts[ballots[envelope.voter_ref][contest.id]] += 1
                    chosen.setdefault(contest.id, Counter()).update(
                        {k: v for k, v in counts.items() if v})
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
    fate_counts = Counter(fates.values())
    summary.update(imported_events=courier["imported"], files=written, folder=str(out),
                   listed=len(lnere.voters), packages=len(fates), on_time=fate_counts["on_time"],
                   late=fate_counts["late"], never=fate_counts["never"], chosen=chosen,
                   scans=dict(scans), late_listed=len(late))
    return summary


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


def _contest(manifest: Manifest | None, contest_id: str):
    try:
        return manifest.contest(contest_id) if manifest else None
    except KeyError:
        return None


def summary_table(summary: dict, manifest: Manifest | None = None):
    """Postal and internet results per entity and contest, as a Rich table for the console:
    entities, offices and the leading candidate by name, counts with thousands separators."""
    from rich.table import Table

    from vmre.core.entities import BY_ID
    from vmre.core.messages import number, text
    from vmre.voting import names

    table = Table(title=text("count.simulacro.title"))
    for column in ("entity", "office", "sent", "received", "late", "postal", "internet",
                   "total", "leader"):
        table.add_column(text(f"count.simulacro.column.{column}"),
                         justify="left" if column in ("entity", "office", "leader") else "right")
    for entity, data in summary.get("entities", {}).items():
        entity_name = BY_ID[entity].name if entity in BY_ID else entity
        for cid, c in data["contests"].items():
            contest = _contest(manifest, cid)
            leader = max(c["candidates"], key=lambda k: c["candidates"][k])
            leader_name = next((str(x.get("name")) for x in contest.candidates
                                if x.get("id") == leader), leader) if contest else leader
            table.add_row(entity_name, names.contest_name(contest, "es") if contest else cid,
                          number(data["sent"]), number(data["received"]), number(data["late"]),
                          number(c["postal"]), number(c["internet"]), number(c["total"]),
                          f"{leader_name} ({number(c['candidates'][leader])})")
    return table
