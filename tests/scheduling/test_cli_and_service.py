"""Operators' `jobs list` / `jobs run`, and the real-time scheduler: APScheduler firing on the wall
clock, `sqmsbot scheduler` as a real process catching up the latest period and stopping on SIGTERM."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from jobs import Every, JobContext, job
from sqmsbot.clock import SystemClock
from sqmsbot.config import EXAMPLE_ORG_FILE, REPO_ROOT
from sqmsbot.models import JobRun
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import start_scheduler

CLI = CliRunner()


def _env(tmp_path: Path) -> dict[str, str]:
    return {"SQMS_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "SQMS_CONFIG": str(EXAMPLE_ORG_FILE)}


def _rows(url: str) -> list[tuple[str, str, int]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT period_key, status, attempts FROM job_runs"))]
    finally:
        engine.dispose()


def _wait(predicate: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_jobs_list_shows_each_job_with_schedule_zone_and_next_run(tmp_path: Path) -> None:
    from sqmsbot.cli.jobs import jobs_app

    done = CLI.invoke(jobs_app, ["list"], env=_env(tmp_path))
    assert done.exit_code == 0, done.output
    row = next(line for line in done.output.splitlines() if line.startswith("housekeeping"))
    assert row.split()[:7] == ["housekeeping", "cron", "7", "*", "*", "*", "*"]
    assert "Asia/Shanghai" in row
    assert row.rstrip().endswith("+08:00") and ":07 " in row


def test_jobs_run_runs_the_latest_period_once_and_a_named_one_on_request(tmp_path: Path) -> None:
    from sqmsbot.cli.jobs import jobs_app

    env = _env(tmp_path)
    first = CLI.invoke(jobs_app, ["run", "housekeeping"], env=env)
    assert first.exit_code == 0, first.output
    [(key, status, attempts)] = _rows(env["SQMS_DATABASE_URL"])
    assert key.startswith("housekeeping/") and (status, attempts) == ("finished", 1)
    again = CLI.invoke(jobs_app, ["run", "housekeeping"], env=env)
    assert again.exit_code == 0 and len(_rows(env["SQMS_DATABASE_URL"])) == 1  # finished: not repeated

    shanghai_yesterday = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=1)).strftime("%Y-%m-%d")
    named = CLI.invoke(jobs_app, ["run", "housekeeping", "--period", f"{shanghai_yesterday}T10:07"], env=env)
    assert named.exit_code == 0, named.output
    assert f"housekeeping/{shanghai_yesterday}T10:07" in {k for k, _, _ in _rows(env["SQMS_DATABASE_URL"])}


@pytest.mark.parametrize(
    "args",
    [
        ["run", "nosuchjob"],
        ["run", "housekeeping", "--period", "housekeeping/yesterday"],
        ["run", "housekeeping", "--period", "housekeeping/2026-11-23T10:08"],  # not a fire time
        ["run", "housekeeping", "--period", "2099-01-01T10:07"],  # not due yet
    ],
)
def test_jobs_run_refuses_what_is_not_a_due_period(tmp_path: Path, args: list[str]) -> None:
    from sqmsbot.cli.jobs import jobs_app

    env = _env(tmp_path)
    done = CLI.invoke(jobs_app, args, env=env)
    assert done.exit_code == 2
    assert _rows(env["SQMS_DATABASE_URL"]) == []


def test_apscheduler_fires_each_period_once_in_real_time(runtime: Runtime) -> None:
    fired: list[str] = []

    @job(Every(seconds=1))
    def second(ctx: JobContext) -> None:
        fired.append(ctx.period_key)

    real = dataclasses.replace(runtime, clock=SystemClock())
    scheduler = start_scheduler(real, registry={"second": second})
    try:
        assert _wait(lambda: len(fired) >= 3, seconds=30)
    finally:
        scheduler.shutdown(wait=True)
    assert len(fired) == len(set(fired))
    assert all(k.startswith("second/") and len(k) == len("second/2026-11-23T09:05:01") for k in fired)
    with runtime.db.transaction() as session:
        statuses = session.scalars(select(JobRun.status)).all()
    assert statuses and set(statuses) == {"finished"}


def test_the_scheduler_command_catches_up_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, **_env(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from sqmsbot.cli.jobs import scheduler_command; scheduler_command()"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # housekeeping runs hourly, so its latest period is always within the default lateness (1 h)
        assert _wait(lambda: Path(tmp_path / "store.db").exists() and _finished(env["SQMS_DATABASE_URL"]))
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err[-2000:]
    [(key, status, _)] = [
        row for row in _rows(env["SQMS_DATABASE_URL"]) if row[0].startswith("housekeeping/")
    ]
    assert key.startswith("housekeeping/") and status == "finished"


def _finished(url: str) -> bool:
    try:
        return any(status == "finished" for _, status, _ in _rows(url))
    except Exception:  # the store is still being migrated
        return False


def test_a_scheduler_serving_fewer_platforms_than_the_store_has_people_on_names_them(
    runtime: Runtime,
) -> None:
    from sqmsbot.cli.jobs import people_elsewhere
    from tests.conftest import Transcript, served_on

    Transcript(runtime)(":as li lead ops")  # a person on the console
    assert people_elsewhere(served_on(runtime, "console")) == []
    assert people_elsewhere(served_on(runtime, "slack")) == ["console"]
