"""Which periods fall due, and running one period through its claim.

The real-time scheduler, the console's `:clock`, `sqmsbot jobs run` and the tests all come through
`run_period`, so they share one set of claims: whichever of them reaches a period first runs it.

Catch-up after downtime (`catch_up`): for each job (and department) only the most recent period that
is at most `job_lateness` seconds old is run, once; older missed periods are coalesced away — neither
run nor recorded. A digest from three days ago helps nobody; the latest one, a little late, does.
"""

from __future__ import annotations

import heapq
import logging
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqmsbot.clock import ManualClock
from sqmsbot.config import Department, OrgConfig
from sqmsbot.outbox import Notifier
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling.claims import LostClaim, claim, fail, finish
from sqmsbot.scheduling.spec import MINUTE_FORMAT, Job, JobContext, fire_times

log = logging.getLogger(__name__)
Status = Literal["finished", "failed", "skipped", "lost", "idle"]


@dataclass(frozen=True)
class Due:
    """One period of one job (for one department) and the instant it was scheduled for."""

    job: Job
    department: Department | None
    scheduled_at: datetime
    period_key: str


@dataclass(frozen=True)
class Outcome:
    """What became of a due period here: finished, failed, skipped (done or held elsewhere), lost
    (our lease ran out and another process took it over; our work was rolled back), or idle (the job's
    `has_work` found nothing to do, so it was neither claimed nor recorded)."""

    due: Due
    status: Status
    error: str | None = None


def default_registry() -> Mapping[str, Job]:
    import jobs  # the jobs package sits above the core; only its registry is needed here

    return jobs.registry()


def _series_due(
    job: Job, org: OrgConfig, department: Department | None, start: datetime, end: datetime
) -> Iterator[Due]:
    recent: deque[str] = deque(maxlen=256)  # keys already yielded: a repeated DST hour is one period
    for fire in fire_times(job.trigger(org, department), start, end):
        key = job.period_key(fire, org, department)
        if key in recent:
            continue
        recent.append(key)
        yield Due(job=job, department=department, scheduled_at=fire, period_key=key)


def due_runs(registry: Mapping[str, Job], start: datetime, end: datetime, *, org: OrgConfig) -> Iterator[Due]:
    """Every period of every job scheduled in (start, end], in time order (then job, then department)."""
    series = [
        _series_due(job, org, dept, start, end)
        for job in sorted(registry.values(), key=lambda j: j.name)
        for dept in job.series(org)
    ]
    yield from heapq.merge(
        *series, key=lambda d: (d.scheduled_at, d.job.name, d.department.key if d.department else "")
    )


def latest_due(
    job: Job, org: OrgConfig, department: Department | None, now: datetime, lateness: timedelta
) -> Due | None:
    """The most recent period scheduled at most `lateness` before `now` (inclusive), if any."""
    last = None
    for due in _series_due(job, org, department, now - lateness - timedelta(microseconds=1), now):
        last = due
    return last


def run_period(runtime: Runtime, due: Due, *, retry_failed: bool = False) -> Outcome:
    """Claim the period and, if ours, run the job in one unit of work that also marks it finished."""
    if due.job.has_work is not None:
        with runtime.db.sessions() as session:  # read-only: closed without a commit
            if not due.job.has_work(session, due.scheduled_at):
                return Outcome(due, "idle")
    now = runtime.clock.now()
    held = claim(
        runtime.db,
        job=due.job.name,
        period_key=due.period_key,
        scheduled_at=due.scheduled_at,
        now=now,
        lease=timedelta(seconds=runtime.settings.job_lease),
        retry_failed=retry_failed,
    )
    if held is None:
        return Outcome(due, "skipped")
    if held.taken_over:
        log.warning("job period %s taken over (attempt %s)", due.period_key, held.attempt)
    try:
        with runtime.db.transaction() as session:
            notifier = Notifier(session, platforms=runtime.reachable(), now=runtime.clock.now())
            context = JobContext(
                job=due.job,
                session=session,
                runtime=runtime,
                now=due.scheduled_at,
                period_key=due.period_key,
                department=due.department,
                notifier=notifier,
            )
            due.job(context)
            finish(session, held, now=runtime.clock.now())
    except LostClaim:
        log.warning("job period %s: lease ran out and another process took it over", due.period_key)
        return Outcome(due, "lost")
    except Exception as exc:
        log.exception("job period %s failed", due.period_key)
        error = f"{type(exc).__name__}: {exc}"
        fail(runtime.db, held, now=runtime.clock.now(), error=error)
        return Outcome(due, "failed", error)
    log.debug("job period %s finished", due.period_key)
    return Outcome(due, "finished")


def run_due(
    runtime: Runtime, start: datetime, end: datetime, *, registry: Mapping[str, Job] | None = None
) -> list[Outcome]:
    """Run every period due in (start, end] in time order, with a ManualClock set to each period's
    instant while it runs and left at `end` afterwards: simulated time for the console and tests."""
    if end < start:
        raise ValueError("time only moves forward")
    clock = runtime.clock
    outcomes = []
    for due in due_runs(
        registry if registry is not None else default_registry(), start, end, org=runtime.org
    ):
        if isinstance(clock, ManualClock):
            clock.set(due.scheduled_at)
        outcomes.append(run_period(runtime, due))
    if isinstance(clock, ManualClock):
        clock.set(end)
    return outcomes


def catch_up(runtime: Runtime, *, registry: Mapping[str, Job] | None = None) -> list[Outcome]:
    """At start-up: run each job's most recent period if it is within the lateness and not yet run."""
    now = runtime.clock.now()
    lateness = timedelta(seconds=runtime.settings.job_lateness)
    outcomes = []
    for job in (registry if registry is not None else default_registry()).values():
        for dept in job.series(runtime.org):
            due = latest_due(job, runtime.org, dept, now, lateness)
            if due is not None:
                outcomes.append(run_period(runtime, due))
    return outcomes


def current_period(job: Job, org: OrgConfig, department: Department | None, now: datetime) -> Due | None:
    """The latest period scheduled at or before `now`, looking back up to a year (widening the search
    so that a minute-by-minute job does not walk a year of minutes)."""
    for window in (timedelta(hours=1), timedelta(days=1), timedelta(days=32), timedelta(days=366)):
        due = latest_due(job, org, department, now, window)
        if due is not None:
            return due
    return None


def find_period(job: Job, org: OrgConfig, key: str) -> Due | None:
    """The period with this key (`digest/ops/2026-11-23`; the `digest/` prefix may be left out)."""
    rest = key.removeprefix(job.name + "/")
    department = None
    if job.per_department:
        dept_key, _, rest = rest.partition("/")
        department = org.department(dept_key)
        if department is None:
            return None
    fmt = job.key_format or MINUTE_FORMAT
    for candidate in (fmt, fmt + ":%S"):
        try:
            approx = datetime.strptime(rest, candidate)
        except ValueError:
            continue
        approx = approx.replace(tzinfo=ZoneInfo(job.timezone(org, department)))
        wanted = job.period_key(approx, org, department)
        for due in _series_due(job, org, department, approx - timedelta(days=1), approx + timedelta(days=2)):
            if due.period_key == wanted:
                return due
    return None
