"""The registry's periodic jobs and the scheduler that runs them.

Each job has a period; `run_due` runs every job whose period has passed since its last start
(`vmre registry jobs run`, or `vmre serve --jobs` in a background thread). A job is claimed
with a lease in `registry_job_runs` by one atomic UPDATE, so two runners (a command and a
server, or two servers) never run the same job at once. Every job is idempotent: running it
again (or twice in a row) repeats nothing that was done, and a failing job is recorded and
reported without stopping the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from vmre.core import audit
from vmre.core.audit import utcnow
from vmre.core.database import transaction
from vmre.registry import documents, notify, service
from vmre.registry.models import JobRun, Outbox, Request, Status

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=15)  # longer than any run; a crashed runner's lease expires
REMIND_BEFORE = dt.timedelta(hours=48)  # correction reminders go this long before the deadline
PRUNE_AFTER_HOURS = 24.0  # uploads no request refers to are deleted once this old


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between starts
    run: Callable[[sessionmaker[Session]], int]  # returns how many things it did


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    count: int = 0
    error: str = ""  # the exception's class: never a message that could hold personal data


# ---------------------------------------------------------------- the jobs


def remind_corrections(factory: sessionmaker[Session], now: dt.datetime | None = None,
                       before: dt.timedelta = REMIND_BEFORE) -> int:
    """One reminder notice (in the outbox) to each citizen whose correction deadline falls
    within `before`, once per deadline: `correction_reminded_at` is set in the same
    transaction, and a new deadline (a new correction asked) clears it."""
    moment = now or utcnow()
    count = 0
    with transaction(factory) as session:
        for process in service.all_processes(session):
            local = service.local_now(process, moment)
            rows = list(session.scalars(select(Request).where(
                Request.election_id == process.id, Request.status == Status.TO_CORRECT.value,
                Request.correction_reminded_at.is_(None),
                Request.correction_deadline > local,
                Request.correction_deadline <= local + before)))
            for req in rows:
                items = [i for i in req.correction_items.split(",") if i]
                session.add(Outbox(request_id=req.id, kind=notify.REMINDER,
                                   params=notify.reminder_params(items, req.correction_deadline,
                                                                 process.timezone),
                                   created_at=moment))
                req.correction_reminded_at = moment
            if rows:
                audit.record(session, service.SYSTEM, "registry.correction_reminded",
                             process.id, f"count={len(rows)}")
            count += len(rows)
    return count


def send_notices(factory: sessionmaker[Session]) -> int:
    return notify.flush_outbox(factory)


def send_confirmations(factory: sessionmaker[Session]) -> int:
    return notify.resend_confirmations(factory)


def prune_uploads(factory: sessionmaker[Session], hours: float = PRUNE_AFTER_HOURS) -> int:
    """Delete stored uploads that no request refers to once older than `hours`."""
    with transaction(factory) as session:
        referenced = {sha for row in session.execute(
            select(Request.card_front_sha, Request.card_back_sha, Request.proof_sha))
            for sha in row if sha}
    return documents.prune(referenced, hours * 3600)


JOBS: tuple[Job, ...] = (
    Job("correction-reminders", 3600, remind_corrections),
    Job("notices", 60, send_notices),  # after the reminders: they go out in the same pass
    Job("confirmations", 300, send_confirmations),
    Job("prune-uploads", 3600, prune_uploads),
)


def job_named(name: str, jobs: Iterable[Job] = JOBS) -> Job | None:
    return next((j for j in jobs if j.name == name), None)


# ---------------------------------------------------------------- the scheduler


def _claim(factory: sessionmaker[Session], job: Job, now: dt.datetime, force: bool) -> bool:
    """Take the job's lease if it is due (or `force`) and no one holds it; one UPDATE."""
    try:
        with transaction(factory) as session:
            if session.get(JobRun, job.name) is None:
                session.add(JobRun(name=job.name, ok=True, detail=""))
    except IntegrityError:
        pass  # another runner created the row at the same moment
    with transaction(factory) as session:
        due = [or_(JobRun.lease_until.is_(None), JobRun.lease_until < now)]
        if not force:
            due.append(or_(JobRun.started_at.is_(None),
                           JobRun.started_at <= now - dt.timedelta(seconds=job.every)))
        claimed = session.execute(update(JobRun).where(JobRun.name == job.name, *due)
                                  .values(lease_until=now + LEASE, started_at=now))
        return claimed.rowcount == 1


def _finish(factory: sessionmaker[Session], job: Job, outcome: Outcome) -> None:
    with transaction(factory) as session:
        session.execute(update(JobRun).where(JobRun.name == job.name).values(
            lease_until=None, finished_at=utcnow(), ok=outcome.ok,
            detail=f"count={outcome.count}" if outcome.ok else outcome.error[:300]))


def run_due(factory: sessionmaker[Session], jobs: Iterable[Job] = JOBS, force: bool = False,
            now: dt.datetime | None = None) -> list[Outcome]:
    """Run, in order, every job that is due (every job with `force`) and not running
    elsewhere; returns what each one that ran did. A job that raises is recorded as failed
    and the next one runs all the same."""
    outcomes = []
    for job in jobs:
        moment = now or utcnow()
        try:
            if not _claim(factory, job, moment, force):
                continue
        except Exception as err:  # the database itself is unavailable: try the next pass
            outcomes.append(Outcome(job.name, False, error=type(err).__name__))
            log.warning("registry job %s not started (%s)", job.name, type(err).__name__)
            continue
        try:
            outcome = Outcome(job.name, True, job.run(factory))
        except Exception as err:  # reported, recorded, and the other jobs go on
            outcome = Outcome(job.name, False, error=type(err).__name__)
            log.warning("registry job %s failed (%s)", job.name, type(err).__name__)
        try:
            _finish(factory, job, outcome)
        except Exception as err:  # the lease expires by itself
            log.warning("registry job %s not recorded (%s)", job.name, type(err).__name__)
        outcomes.append(outcome)
    return outcomes


def last_runs(session: Session) -> dict[str, JobRun]:
    return {run.name: run for run in session.scalars(select(JobRun))}


class JobRunner:
    """`run_due` every `every` seconds in a daemon thread (for `vmre serve --jobs`)."""

    def __init__(self, factory: sessionmaker[Session], every: float = 60.0,
                 jobs: Iterable[Job] = JOBS) -> None:
        self.factory = factory
        self.every = every
        self.jobs = tuple(jobs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="registry-jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            run_due(self.factory, self.jobs)
            self._stop.wait(self.every)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
