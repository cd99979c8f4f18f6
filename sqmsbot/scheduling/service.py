"""Real time: APScheduler 3's BackgroundScheduler fires each job series on its own trigger.

APScheduler only decides *when* to look; what runs is decided by the claims. When a trigger fires,
`tick` works out the period it stands for from the same trigger (the latest fire time not after now,
within the lateness) and runs it through `run_period`, so a replica that fires a moment later, or a
process restarted in the middle of a period, finds the claim and does nothing. At start a one-off
`catch_up` runs each job's most recent missed period, once, if it is within the lateness.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

from sqmsbot.config import Department
from sqmsbot.outage import Outage
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling.runner import Outcome, catch_up, default_registry, latest_due, run_period
from sqmsbot.scheduling.spec import Job

log = logging.getLogger(__name__)


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def _outage(series: str) -> Outage:
    with _outages_lock:
        return _outages.setdefault(series, Outage(log, f"scheduled job {series}"))


def tick(runtime: Runtime, job: Job, department: Department | None) -> Outcome | None:
    """One firing of a job series: run the period that just fell due (None if none is in reach).

    The store failing is logged once per change of state and series rather than as a traceback
    every minute; the period's claim is not finished, so the next firing or a catch-up runs it when
    the store is back. Anything else is a bug: APScheduler logs it with its traceback."""
    lateness = timedelta(seconds=runtime.settings.job_lateness)
    due = latest_due(job, runtime.org, department, runtime.clock.now(), lateness)
    if due is None:
        return None
    outage = _outage(series_id(job, department))
    try:
        outcome = run_period(runtime, due)
    except SQLAlchemyError as exc:  # the store: one line per change of state, per series
        outage.failed(exc)
        return None
    outage.cleared()
    return outcome


def series_id(job: Job, department: Department | None) -> str:
    return f"{job.name}/{department.key}" if department is not None else job.name


def start_scheduler(runtime: Runtime, *, registry: Mapping[str, Job] | None = None) -> BackgroundScheduler:
    """Start APScheduler in background threads with every job series, and a catch-up run right away."""
    registry = registry if registry is not None else default_registry()
    grace = max(1, runtime.settings.job_lateness)
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )
    scheduler.add_job(catch_up, args=[runtime], kwargs={"registry": registry}, id="catch-up")
    for job in registry.values():
        for department in job.series(runtime.org):
            scheduler.add_job(
                tick,
                trigger=job.trigger(runtime.org, department),
                args=[runtime, job, department],
                id=series_id(job, department),
                name=series_id(job, department),
            )
    scheduler.start()
    log.info("scheduler started with %s job series", len(scheduler.get_jobs()) - 1)
    return scheduler


def run_scheduler(
    runtime: Runtime, stop: threading.Event, *, registry: Mapping[str, Job] | None = None
) -> None:
    """Run the scheduler until `stop` is set, then wait for running jobs to end.

    `sqmsbot scheduler` calls this in the main thread; `sqmsbot run` can call it in a thread of its own
    beside the adapter and the outbox worker, sharing their stop event.
    """
    scheduler = start_scheduler(runtime, registry=registry)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        log.info("scheduler stopped")


def start_in_background(
    runtime: Runtime, stop: threading.Event, *, registry: Mapping[str, Job] | None = None
) -> threading.Thread:
    """For `sqmsbot run`: the scheduler in a thread of its own, ending when `stop` is set (join it)."""
    thread = threading.Thread(
        target=run_scheduler,
        args=(runtime, stop),
        kwargs={"registry": registry},
        name="scheduler",
        daemon=True,
    )
    thread.start()
    return thread
