"""A process that dies holding a claim: its period is not run by anyone while the lease lasts, is
taken over after it, and runs exactly once — with a real process, killed with SIGKILL mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import select

from sqmsbot.clock import ManualClock
from sqmsbot.config import REPO_ROOT
from sqmsbot.models import JobRun, ProcessedRequest
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import catch_up, run_due
from tests.conftest import START
from tests.scheduling import race_jobs

PERIOD = "race_slow/2026-11-23T02:00"


def _row(runtime: Runtime) -> JobRun | None:
    with runtime.db.transaction() as session:
        return session.scalars(select(JobRun).where(JobRun.period_key == PERIOD)).one_or_none()


def test_a_killed_holders_period_is_taken_over_after_the_lease_and_runs_once(runtime: Runtime) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "RACE_HANG": "1"}
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.scheduling.race_worker", runtime.db.url, START.isoformat(), "hang"],
        cwd=REPO_ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while (row := _row(runtime)) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert row is not None and row.status == "running"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert row.claimed_by.split(":")[1] == str(holder.pid)

    registry = {"race_slow": race_jobs.race_slow}
    # A replica or a restart reaching the period while the dead holder's lease lasts leaves it alone.
    assert [o.status for o in run_due(runtime, START, START + timedelta(hours=1), registry=registry)] == [
        "skipped"
    ]
    lease_over = row.claimed_at + timedelta(seconds=runtime.settings.job_lease, milliseconds=1)
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.set(lease_over)  # a restart after the lease: the catch-up takes the period over
    [taken] = catch_up(runtime, registry=registry)
    assert (taken.due.period_key, taken.status) == (PERIOD, "finished")
    runtime.clock.advance(timedelta(minutes=1))
    assert catch_up(runtime, registry=registry)[0].status == "skipped"

    after = _row(runtime)
    assert after is not None and (after.status, after.attempts) == ("finished", 2)
    assert after.claimed_by != row.claimed_by
    with runtime.db.transaction() as session:
        effects = session.execute(select(ProcessedRequest.key, ProcessedRequest.reply)).all()
    assert [(key, reply["pid"]) for key, reply in effects] == [
        (PERIOD, os.getpid())
    ]  # the dead one's rolled back
