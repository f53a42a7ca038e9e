"""`vmre simulacro`: ceremony, credentials, voters casting, closing, record, verification."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.core.messages import UserError
from vmre.core.parallel import chunked, map_chunks
from vmre.crypto import credentials as creds
from vmre.crypto.group import base_mul, random_scalar
from vmre.record.verifier import Report, verify_record
from vmre.record.writer import archive, write_record
from vmre.registry.issuance import enrol_synthetic_voters, signed_list
from vmre.simulacro.postal import postal_entities, run_postal
from vmre.voting import closing
from vmre.voting.ballot import encrypt_ballot, reveal
from vmre.voting.board import Board
from vmre.voting.ceremony import Ceremony
from vmre.voting.manifest import Manifest


@dataclass
class Outcome:
    out: Path
    record: Path
    archive: Path
    election_id: str
    voters: int
    cast: int = 0
    challenged: int = 0
    second_attempts_refused: int = 0
    absent: list[int] = field(default_factory=list)
    disqualified: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    report: Report | None = None
    manifest: Manifest | None = None
    postal: dict = field(default_factory=dict)
    fingerprint: str = ""


def default_manifest_text() -> str:
    return (resources.files("vmre.simulacro") / "manifest-pel.yaml").read_text(encoding="utf-8")


def passphrase(index: int, seed: int) -> str:
    return f"simulacro-{seed}-custodio-{index}"


def run_ceremony(folder: Path, manifest_text: str, n: int, t: int, seed: int,
                 cheater: int | None = None) -> Ceremony:
    """Every custodian's steps, in the order a real ceremony runs them."""
    ceremony = Ceremony(folder / "ceremony")
    ceremony.init(manifest_text, n, t)
    secrets = folder / "custodians"
    secrets.mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        ceremony.keygen(i, passphrase(i, seed), secrets / f"custodian-{i}.secret")
    for i in range(1, n + 1):
        victim = (i % n) + 1 if i == cheater else None
        ceremony.deal(i, passphrase(i, seed), secrets / f"custodian-{i}.secret", victim)
    for i in range(1, n + 1):
        ceremony.check(i, passphrase(i, seed), secrets / f"custodian-{i}.secret")
    for i in range(1, n + 1):
        if ceremony.complainants(i) and i != cheater:  # a cheater does not defend itself
            ceremony.respond(i, passphrase(i, seed), secrets / f"custodian-{i}.secret")
    ceremony.finalize()
    return ceremony


def _voter_plan(manifest: Manifest, entities: list[str], seed: int
                ) -> list[tuple[str, dict, str]]:
    """(entity, selections, behaviour) per voter; reproducible from the seed."""
    rng = random.Random(seed)
    plan = []
    for entity in entities:
        selections = {c.id: rng.choice(c.options).id for c in manifest.contests_for(entity)}
        roll = rng.random()
        behaviour = "challenge" if roll < 0.05 else ("twice" if roll < 0.08 else "plain")
        plan.append((entity, selections, behaviour))
    return plan


def _encrypt_batch(manifest_json: str, election_json: str,
                   items: list[tuple[str, str, dict, str]]) -> list[tuple]:
    """Voters' devices: each encrypts (and maybe audits) its own ballot."""
    from vmre.voting.batch import context_of

    ctx = context_of(manifest_json, election_json)
    out = []
    for secret, entity, selections, behaviour in items:
        key = creds.signing_key(ctx.election_id, secret)
        audited = None
        if behaviour == "challenge":
            doc, rs = encrypt_ballot(ctx, entity, key, selections)
            audited = (doc, reveal(doc, selections, rs))
        doc, _rs = encrypt_ballot(ctx, entity, key, selections)
        # a second ballot of its own (the very same one sent again only gets its receipt back)
        second = encrypt_ballot(ctx, entity, key, selections)[0] if behaviour == "twice" \
            else None
        out.append((doc, audited, second))
    return out


def run(voters: int, out: str | Path, custodians: int = 5, threshold: int = 3, absent: int = 2,
        database: str | None = None, seed: int = 2024, manifest_text: str | None = None,
        cheater: int | None = None, scheduler: str | None = None,
        say=lambda _msg: None, postal_share: float = 0.3) -> Outcome:
    if absent > custodians - threshold:
        raise UserError("simulacro.too_many_absent", absent=absent, n=custodians, t=threshold)
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    say("ceremony")
    ceremony = run_ceremony(out, manifest_text or default_manifest_text(), custodians, threshold,
                            seed, cheater)
    ctx = ceremony.context()
    transcript = ceremony.transcript()

    engine = make_engine(database or f"sqlite:///{out / 'simulacro.sqlite'}")
    migrate(engine)
    sessions = session_factory(engine)
    board = Board(sessions)
    election_id = board.register(ceremony, postal=postal_entities(ctx.manifest))

    say("credentials")
    # The registry acts as credential authority: it enrols voters from the (synthetic) federal
    # register, keeps only their public credentials, and signs the list the voting server gets.
    issuer = random_scalar()
    with transaction(sessions) as s:
        enrolled = enrol_synthetic_voters(s, election_id, voters, seed,
                                          entities=list(ctx.manifest.entities))
        credential_list = signed_list(s, election_id, issuer, "simulacro")
    board.load_credentials(election_id, credential_list, issuer=base_mul(issuer))
    outcome_fingerprint, _inputs = board.fingerprint(election_id)  # fixed before the window
    plan = _voter_plan(ctx.manifest, [v.entity_id for v in enrolled], seed)
    now = dt.datetime.now(dt.UTC)
    board.schedule(election_id, now - dt.timedelta(minutes=1), now + dt.timedelta(days=1))

    say("voting")
    outcome = Outcome(out, out / "record", out / "record.zip", election_id, voters,
                      manifest=ctx.manifest, fingerprint=outcome_fingerprint)
    election = board.election(election_id)
    items = [(v.secret, entity, sel, behaviour)
             for v, (entity, sel, behaviour) in zip(enrolled, plan, strict=True)]
    encrypted = map_chunks(_encrypt_batch, [(election.manifest, election.context, batch)
                                            for batch in chunked(items, 100)], scheduler)
    rows = [row for batch in encrypted for row in batch]
    for _doc, audited, _second in rows:
        if audited:  # audited first: that ballot is spoiled, the voter casts a fresh one
            board.spoil(election_id, *audited)
            outcome.challenged += 1
    receipts = board.cast_many(election_id, [doc for doc, _a, _s in rows], scheduler)
    failed = [r for r in receipts if isinstance(r, UserError)]
    if failed:
        raise failed[0]
    outcome.cast = len(receipts)
    again = board.cast_many(election_id, [second for _d, _a, second in rows if second],
                            scheduler)
    outcome.second_attempts_refused = sum(isinstance(r, UserError) for r in again)

    say("closing")
    closing_doc = board.close(election_id)
    aggregate_doc = closing.aggregate(board, election_id, scheduler)
    present = list(range(1, custodians + 1))
    rng = random.Random(seed + 1)
    outcome.absent = sorted(rng.sample(present, absent))
    shares = [closing.custodian_decrypt(ceremony, aggregate_doc, j, passphrase(j, seed),
                                        str(out / "custodians" / f"custodian-{j}.secret"))
              for j in present if j not in outcome.absent]
    results, valid, _rejected = closing.combine(ctx, transcript, aggregate_doc, shares)
    outcome.results = results
    outcome.disqualified = transcript["disqualified"]

    say("record")
    write_record(outcome.record, board, election_id, closing_doc, aggregate_doc, valid, results)
    # The postal vote and the count add their actas to the record before it is archived.
    outcome.postal = run_postal(outcome.record, ctx.manifest, results, seed, sessions,
                                share=postal_share)
    archive(outcome.record)
    say("verify")
    outcome.report = verify_record(outcome.record, scheduler)
    engine.dispose()
    return outcome
