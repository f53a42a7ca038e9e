"""`vmre simulacro`: ceremony, registration (requests, review, list), credentials, voters
casting, closing, record with the postal count, verification."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select

from vmre.core.database import make_engine, migrate, session_factory, transaction
from vmre.core.messages import UserError
from vmre.core.parallel import chunked, map_chunks
from vmre.crypto import credentials as creds
from vmre.crypto.group import random_scalar
from vmre.record.verifier import Report, verify_record
from vmre.record.writer import archive, write_record
from vmre.simulacro.citizens import draw
from vmre.simulacro.mailbox import Mailbox
from vmre.simulacro.postal import ELECTION_DAY, postal_entities, run_postal
from vmre.simulacro.registration import Funnel, InternetVoter, register
from vmre.simulacro.web import WebServer
from vmre.simulacro.web import vote as web_vote
from vmre.voting import closing
from vmre.voting.accounts import VoterAccount
from vmre.voting.audits import SIMULACRO
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
    web_cast: int = 0  # internet ballots cast through the voter pages
    absent: list[int] = field(default_factory=list)
    disqualified: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    report: Report | None = None
    manifest: Manifest | None = None
    postal: dict = field(default_factory=dict)
    funnel: Funnel = field(default_factory=Funnel)
    abstained: int = 0
    # What the internet voters chose, per contest and option (their first cast ballot).
    chosen: dict[str, Counter] = field(default_factory=dict)
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


def _voter_plan(manifest: Manifest, voters: list[InternetVoter], seed: int, web: int = 0
                ) -> list[tuple[str, dict, str]]:
    """(entity, selections, behaviour) per internet voter; reproducible from the seed. The
    first voters on the web and the first in the bulk intake audit a ballot and try twice."""
    rng = random.Random(seed)
    forced = {0: "challenge", 1: "twice", web: "challenge", web + 1: "twice"}
    plan = []
    for i, voter in enumerate(voters):
        selections = {c.id: rng.choice(c.options).id for c in manifest.contests_for(voter.entity)}
        roll = rng.random()
        behaviour = ("challenge" if roll < 0.05 else "twice" if roll < 0.08
                     else "abstain" if roll < 0.11 else "plain")
        behaviour = forced.get(i, behaviour)
        plan.append((voter.entity, selections, behaviour))
    return plan


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Settings the parts read from the environment, for the run only: uploads under the
    simulacro's folder, mail links to its web server."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
        say=lambda _msg: None, postal_share: float = 0.25, web_voters: int = 12) -> Outcome:
    """`voters` citizens ask to vote from abroad, `postal_share` of them by post; of the
    internet voters, the first `web_voters` vote through the web pages."""
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

    url = database or f"sqlite:///{out / 'simulacro.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    board = Board(sessions)
    election_id = board.register(ceremony, postal=postal_entities(ctx.manifest))
    manifest = ctx.manifest
    outcome = Outcome(out, out / "record", out / "record.zip", election_id, voters,
                      manifest=manifest)

    # The web application serves the voters' pages; mail links point at it.
    with WebServer(url) as web, _environment(VMRE_UPLOAD_DIR=str(out / "documentos"),
                                             VMRE_PUBLIC_URL=web.url):
        say("registry")
        # Citizens of the synthetic register ask to vote from abroad through the registry; it
        # reviews them, closes the list and, as credential authority, hands the voting server
        # the signed list of public credentials with the voters' accounts, and mails each
        # internet voter the activation link with the code.
        entities = [e for e in manifest.entities if manifest.contests_for(e)]
        citizens, extract = draw(voters, seed, entities, ELECTION_DAY.year, postal_share)
        with Mailbox() as mailbox:
            registration = register(sessions, election_id, manifest.name, entities,
                                    ELECTION_DAY.year, citizens, extract, mailbox,
                                    mailbox.start(), out / "registro", random_scalar(), say=say)
        funnel = outcome.funnel = registration.funnel
        listing = board.election(election_id).credentials
        funnel.handed_over = len(json.loads(listing)["credentials"]) if listing else 0
        with transaction(sessions) as s:
            funnel.accounts = s.scalar(select(func.count()).select_from(VoterAccount).where(
                VoterAccount.election_id == election_id)) or 0
        outcome.fingerprint, _inputs = board.fingerprint(election_id)  # fixed before the window
        plan = _voter_plan(manifest, registration.internet, seed, web_voters)
        now = dt.datetime.now(dt.UTC)
        board.schedule(election_id, now - dt.timedelta(minutes=1), now + dt.timedelta(days=1),
                       audit_exemption=SIMULACRO)  # a mock election (docs/ceremony.md)

        say("voting")
        voting = [(v, sel, behaviour) for v, (_e, sel, behaviour)
                  in zip(registration.internet, plan, strict=True) if behaviour != "abstain"]
        outcome.abstained = len(plan) - len(voting)
        for _v, selections, _behaviour in voting:
            for contest_id, option_id in selections.items():
                outcome.chosen.setdefault(contest_id, Counter())[option_id] += 1
        # A share from the access mail through the voter pages, one browser each.
        for i, (voter, selections, behaviour) in enumerate(voting[:web_voters]):
            done = web_vote(voter, f"198.18.{i // 256}.{i % 256}", ctx, selections, behaviour,
                            seed)
            outcome.web_cast += done.cast
            outcome.challenged += done.challenged
            outcome.second_attempts_refused += done.second_refused
    funnel.web_cast = outcome.web_cast

    # The rest through the bulk intake, with the same checks per ballot.
    election = board.election(election_id)
    items = [(v.secret, v.entity, sel, behaviour) for v, sel, behaviour in voting[web_voters:]]
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
    outcome.cast = outcome.web_cast + len(receipts)
    again = board.cast_many(election_id, [second for _d, _a, second in rows if second],
                            scheduler)
    outcome.second_attempts_refused += sum(isinstance(r, UserError) for r in again)

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
    outcome.postal = run_postal(outcome.record, manifest, results, seed, sessions,
                                registration.postal_list, registration.internet_list)
    archive(outcome.record)
    say("verify")
    outcome.report = verify_record(outcome.record, scheduler)
    engine.dispose()
    return outcome
