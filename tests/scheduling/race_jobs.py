"""Jobs and an organisation for the scheduler tests, kept out of `jobs/` so the bot never runs them.

Tests pass them explicitly (`collect(race_jobs)`), and the two-process test's workers import them
the same way. `race_tick` records a side effect row per run in `race_effects` (a table the test
creates), so a period that ran twice would show up twice there even though its outbox message, by
its dedupe key, could not.
"""

from __future__ import annotations

import os
import random
import time

from sqlalchemy import text

from jobs import Cron, Every, JobContext, job
from sqmsbot.config import OrgConfig
from sqmsbot.messages import Message
from sqmsbot.models import ProcessedRequest

RACE_TABLE = "CREATE TABLE race_effects (period_key VARCHAR(200) NOT NULL, pid INTEGER NOT NULL)"


def race_org() -> OrgConfig:
    """Two departments half a world apart: Shanghai (no DST) and London (DST)."""
    return OrgConfig.model_validate(
        {
            "name": "Race Co.",
            "timezone": "Asia/Shanghai",
            "departments": [
                {"key": "ops", "name": "Ops", "timezone": "Asia/Shanghai"},
                {"key": "uk", "name": "UK desk", "timezone": "Europe/London"},
            ],
            "services": [{"key": "hotline", "name": "Hotline", "department": "ops"}],
        }
    )


@job(Every(minutes=10))
def race_tick(ctx: JobContext) -> None:
    """Every ten minutes: one side-effect row and one channel message per period."""
    time.sleep(random.uniform(0, 0.003))  # hold the claim a moment, so the other process must wait
    ctx.session.execute(
        text("INSERT INTO race_effects (period_key, pid) VALUES (:key, :pid)"),
        {"key": ctx.period_key, "pid": os.getpid()},
    )
    ctx.notifier.to_channel(
        key=f"race:{ctx.period_key}", channel="#ops", message=Message(text=ctx.period_key)
    )


@job(Cron(hour="8", minute="0"), per_department=True, key_format="%Y-%m-%d")
def race_daily(ctx: JobContext) -> None:
    """08:00 in each department's own time zone, keyed by its local date."""
    ctx.session.execute(
        text("INSERT INTO race_effects (period_key, pid) VALUES (:key, :pid)"),
        {"key": ctx.period_key, "pid": os.getpid()},
    )


@job(Cron(minute="0", timezone="UTC"))
def race_slow(ctx: JobContext) -> None:
    """Hourly; with RACE_HANG set it hangs mid-run (its process is then killed by the test)."""
    ctx.session.add(ProcessedRequest(key=ctx.period_key, created_at=ctx.now, reply={"pid": os.getpid()}))
    ctx.session.flush()
    if os.environ.get("RACE_HANG"):
        time.sleep(600)
