"""Two live processes against one store, on SQLite and PostgreSQL (issue 9).

- A holder that lags past its lease while alive (blocked in its job, then frozen with SIGSTOP) is
  taken over by another process, which runs the period; when the laggard resumes, its unit of work
  finds the claim gone (LostClaim) and rolls back: one effect, the period finished by the second.
- Two replicas each running the real scheduler (`start_scheduler`: APScheduler on the wall clock,
  the catch-up at start, then the ticks) run every period exactly once between them, catch up only
  the most recent missed period, and leave nothing behind for a tick with nothing to do.

Ordering is proved with files the processes create and rows they write, never with fixed sleeps.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sqmsbot.config import REPO_ROOT
from sqmsbot.models import JobRun, ProcessedRequest
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import due_runs, latest_due
from tests.conftest import START
from tests.scheduling import race_jobs

LEASE = 30  # seconds, of the workers' simulated clocks
PERIOD = "race_lag/2026-11-23T01:00"  # START: the period `race_lag` (every 10 minutes) runs then
LATENESS = 300


def _spawn(module: str, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", f"tests.scheduling.{module}", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _report(process: subprocess.Popen[str], timeout: float = 120) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return report


def _wait(ready: Callable[[], bool], alive: list[subprocess.Popen[str]], seconds: float = 60) -> None:
    """Until `ready`, failing at once if a process it waits on has ended, or after a generous deadline."""
    deadline = time.monotonic() + seconds
    while not ready():
        for process in alive:
            if process.poll() is not None:
                raise AssertionError(f"worker ended early: {process.communicate()[1][-3000:]}")
        assert time.monotonic() < deadline, "timed out waiting for the workers"
        time.sleep(0.02)


def _runs(runtime: Runtime, job: str) -> list[JobRun]:
    with runtime.db.transaction() as session:
        return list(session.scalars(select(JobRun).where(JobRun.job == job)))


def _effects(runtime: Runtime, prefix: str) -> list[tuple[str, int]]:
    """(period, pid) of every committed effect of the job."""
    with runtime.db.transaction() as session:
        replies = session.scalars(
            select(ProcessedRequest.reply).where(ProcessedRequest.key.startswith(prefix + "/"))
        )
        return [(reply["period"], reply["pid"]) for reply in replies]


def _pid(run: JobRun) -> int:
    return int(run.claimed_by.split(":")[1])


def test_a_live_holder_lagging_past_its_lease_is_taken_over_and_its_late_work_rolls_back(
    runtime: Runtime, tmp_path: Path
) -> None:
    # On PostgreSQL the laggard has already written its effect and holds its unit of work open all
    # along. SQLite has one writer: a laggard inside a write transaction would block the takeover
    # itself, so there it lags before writing.
    lag = {"RACE_LAG_AFTER_EFFECT": "1"} if runtime.db.is_postgresql else {}
    holder = _spawn(
        "lag_worker",
        runtime.db.url,
        START.isoformat(),
        RACE_GATE=str(tmp_path),
        SQMS_JOB_LEASE=str(LEASE),
        **lag,
    )
    try:
        _wait((tmp_path / "entered").exists, [holder])
        holder.send_signal(signal.SIGSTOP)  # the holder lags: alive, holding its claim, doing nothing
        [held] = _runs(runtime, "race_lag")
        assert (held.period_key, held.status, held.attempts, _pid(held)) == (PERIOD, "running", 1, holder.pid)
        assert held.lease_until == START + timedelta(seconds=LEASE)

        def replica(at: datetime) -> dict[str, Any]:
            return _report(_spawn("lag_worker", runtime.db.url, at.isoformat(), SQMS_JOB_LEASE=str(LEASE)))

        # Until its lease has passed (up to and including its last instant) the holder keeps the period.
        early = replica(START + timedelta(seconds=LEASE))
        assert (early["period"], early["status"]) == (PERIOD, "skipped")
        # After it, another process takes the period over and runs it, while the holder still lives.
        taker_at = START + timedelta(seconds=LEASE + 1)
        taker = replica(taker_at)
        assert (taker["period"], taker["status"]) == (PERIOD, "finished")
        assert holder.poll() is None

        holder.send_signal(signal.SIGCONT)
        (tmp_path / "release").touch()  # the holder resumes, finishes its job, and tries to finish
        lagged = _report(holder)
    finally:
        if holder.poll() is None:
            holder.send_signal(signal.SIGCONT)
            holder.kill()
            holder.wait(timeout=30)
    assert (lagged["period"], lagged["status"]) == (PERIOD, "lost")

    [run] = _runs(runtime, "race_lag")
    assert (run.status, run.attempts, run.error) == ("finished", 2, None)
    assert _pid(run) == taker["pid"] and run.claimed_by != held.claimed_by
    assert run.finished_at == taker_at and run.lease_until is None  # the taker's finish stands
    assert _effects(runtime, "race_lag") == [(PERIOD, taker["pid"])]  # the laggard's was rolled back


def test_two_real_schedulers_run_each_period_once_and_catch_up_the_latest_missed_one(
    runtime: Runtime, tmp_path: Path
) -> None:
    # Seed: `race_missed` fell due twice before the replicas start — about 8 minutes ago (outside the
    # 5-minute lateness: coalesced away) and about 2 minutes ago (inside it: the catch-up's to run).
    now = datetime.now(UTC)
    minutes = ",".join(str(m) for m in sorted({(now - timedelta(minutes=n)).minute for n in (8, 2)}))
    missed = race_jobs.race_missed(minutes)
    org = race_jobs.race_org()
    before = [
        d.period_key for d in due_runs({"race_missed": missed}, now - timedelta(minutes=9), now, org=org)
    ]
    latest = latest_due(missed, org, None, now, timedelta(seconds=LATENESS))
    assert latest is not None and len(before) == 2 and before[-1] == latest.period_key

    ticks = 4
    replicas = [
        _spawn(
            "scheduler_worker",
            runtime.db.url,
            str(tmp_path),
            minutes,
            str(ticks),
            SQMS_JOB_LATENESS=str(LATENESS),
        )
        for _ in range(2)
    ]
    try:
        _wait(lambda: len(list(tmp_path.glob("ready-*"))) == 2, replicas)
        (tmp_path / "go").touch()  # both schedulers start together
        reports = [_report(replica) for replica in replicas]
    finally:
        for replica in replicas:
            if replica.poll() is None:
                replica.kill()
                replica.wait(timeout=30)
    for report in reports:
        assert report["problems"] == [], report
    ticked: list[dict[str, dict[str, int]]] = [report["ticks"] for report in reports]

    # Every second's period ran exactly once between the two replicas: one finished row, one effect,
    # committed by the process whose claim finished it.
    seconds = _runs(runtime, "race_second")
    keys = Counter(run.period_key for run in seconds)
    assert len(keys) >= ticks and set(keys.values()) == {1}
    assert {run.status for run in seconds} == {"finished"}
    effects = _effects(runtime, "race_second")
    assert sorted(effects) == sorted((run.period_key, _pid(run)) for run in seconds)
    assert all(set(t.get("race_second", {})) <= {"finished", "skipped"} for t in ticked)  # none lost
    # Both replicas fired the same seconds: at least once one found the other had the period already.
    assert sum(t.get("race_second", {}).get("skipped", 0) for t in ticked) > 0

    # The catch-up at start (in both replicas) ran the most recent missed period once, and only it.
    [caught] = _runs(runtime, "race_missed")
    assert (caught.period_key, caught.status, caught.attempts) == (latest.period_key, "finished", 1)
    assert _effects(runtime, "race_missed") == [(latest.period_key, _pid(caught))]

    # A tick with nothing to do (race_idle's has_work says no) leaves no claim and no effect.
    assert all(t.get("race_idle", {}).get("idle", 0) > 0 for t in ticked)
    assert all(set(t.get("race_idle", {})) == {"idle"} for t in ticked)
    assert _runs(runtime, "race_idle") == [] and _effects(runtime, "race_idle") == []
    print(f"\nreplicas: {reports}; race_second periods {len(keys)}")
