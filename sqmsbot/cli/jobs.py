"""`sqmsbot jobs list|run` for operators, and `sqmsbot scheduler`, which runs only the scheduler.

Mounted by `sqmsbot.cli.root`: `app.add_typer(jobs_app, name="jobs")` and
`app.command("scheduler")(scheduler_command)`. The command's shared helpers (settings, logging,
readable store errors) come from `sqmsbot.cli.common`, which imports no part of the command.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import FrameType
from typing import Annotated

import typer

from sqmsbot.cli.common import make_runtime, migrated_runtime, terminal_t
from sqmsbot.config import Department
from sqmsbot.domain.people import platforms_in_use
from sqmsbot.i18n import Translator
from sqmsbot.importing.prepared import IMPORT_PLATFORM
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import (
    Due,
    Job,
    Outcome,
    current_period,
    default_registry,
    find_period,
    run_period,
    run_scheduler,
)
from sqmsbot.scheduling.spec import fire_times
from sqmsbot.timefmt import local

jobs_app = typer.Typer(help="Scheduled jobs: list them with their next run, or run one period by hand.")


def _next_run(job: Job, runtime: Runtime, department: Department | None, now: datetime) -> datetime | None:
    """The first fire time after now, within a year (a cron for 29 February may have none sooner)."""
    return next(fire_times(job.trigger(runtime.org, department), now, now + timedelta(days=366)), None)


@jobs_app.command("list")
def list_jobs() -> None:
    """Every job series: name (and department), schedule, time zone and next run in that zone."""
    runtime = make_runtime()  # the listing reads the schedules, not the store: nothing to migrate
    t = terminal_t()
    now = runtime.clock.now()
    rows = [[t("jobs.col_job"), t("jobs.col_schedule"), t("jobs.col_timezone"), t("jobs.col_next")]]
    for job in default_registry().values():
        for dept in job.series(runtime.org):
            zone = job.timezone(runtime.org, dept)
            upcoming = _next_run(job, runtime, dept, now)
            rows.append(
                [
                    f"{job.name}/{dept.key}" if dept else job.name,
                    job.schedule.describe(dept),
                    zone,
                    local(upcoming, zone) if upcoming else "-",
                ]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        typer.echo("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]))


@jobs_app.command("run")
def run_job(
    name: Annotated[str, typer.Argument(help="The job's name, as `sqmsbot jobs list` shows it.")],
    period: Annotated[
        str | None,
        typer.Option(help="The period key, e.g. housekeeping/2026-11-23T09:07 (default: the latest due)."),
    ] = None,
) -> None:
    """Run one period of a job now, through its claim: a finished period is never run twice, a failed
    one is retried. Without --period, the latest period due (each department's, for a per-department job)."""
    runtime = migrated_runtime()
    t = terminal_t()
    registry: Mapping[str, Job] = default_registry()
    job = registry.get(name)
    if job is None:
        typer.echo(t("jobs.unknown", name=name), err=True)
        raise typer.Exit(2)
    now = runtime.clock.now()
    dues: list[Due] = []
    if period is not None:
        found = find_period(job, runtime.org, period)
        if found is None:
            example = current_period(job, runtime.org, job.series(runtime.org)[0], now)
            shown = example.period_key if example else f"{job.name}/…"
            typer.echo(t("jobs.bad_period", period=period, name=name, example=shown), err=True)
            raise typer.Exit(2)
        if found.scheduled_at > now:
            zone = job.timezone(runtime.org, found.department)
            typer.echo(
                t("jobs.future", period=found.period_key, time=local(found.scheduled_at, zone)), err=True
            )
            raise typer.Exit(2)
        dues.append(found)
    else:
        for dept in job.series(runtime.org):
            due = current_period(job, runtime.org, dept, now)
            if due is not None:
                dues.append(due)
        if not dues:
            typer.echo(t("jobs.nothing_due", name=name))
            return
    failed = False
    for due in dues:
        outcome = run_period(runtime, due, retry_failed=True)
        typer.echo(_said(outcome, t))
        failed = failed or outcome.status == "failed"
    if failed:
        raise typer.Exit(1)


def _said(outcome: Outcome, t: Translator) -> str:
    key = outcome.due.period_key
    if outcome.status == "finished":
        return t("jobs.finished", period=key)
    if outcome.status == "failed":
        return t("jobs.failed", period=key, error=outcome.error or "")
    if outcome.status == "lost":
        return t("jobs.lost", period=key)
    if outcome.status == "idle":
        return t("jobs.idle", period=key)
    return t("jobs.skipped", period=key)


def people_elsewhere(runtime: Runtime) -> list[str]:
    """Platforms the store has people on that this process does not serve (its alerts would miss them)."""
    with runtime.db.transaction() as session:
        found = platforms_in_use(session)
    # people of imported tickets have no chat identity: nobody is meant to reach them
    return sorted(set(found) - set(runtime.platforms) - {IMPORT_PLATFORM})


def scheduler_command() -> None:
    """Run only the scheduler (no chat adapter, no delivery): for a deployment that splits them.

    Every replica may run it; the claims in the store keep each job period exactly-once. Stops on
    Ctrl-C or SIGTERM after the running jobs end.
    """
    runtime = migrated_runtime()
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    count = sum(len(job.series(runtime.org)) for job in default_registry().values())
    t = terminal_t()
    elsewhere = people_elsewhere(runtime)
    if elsewhere:  # its alerts would be written for platforms nobody here names: say so, loudly
        typer.echo(
            t("jobs.scheduler_platforms", served=", ".join(runtime.platforms), found=", ".join(elsewhere)),
            err=True,
        )
    typer.echo(t("jobs.scheduler_started", count=count))
    run_scheduler(runtime, stop)
