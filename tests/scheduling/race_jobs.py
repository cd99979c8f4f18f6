"""Jobs and an organisation for the scheduler tests, kept out of `jobs/` so the bot never runs them.

Tests pass them explicitly (`collect(race_jobs)`), and the two-process test's workers import them
the same way. `race_tick` records a side effect row per run in `race_effects` (a table the test
creates), so a period that ran twice would show up twice there even though its outbox message, by
its dedupe key, could not. `race_lag`, `race_second`, `race_idle` and `race_missed` record theirs
with `record_effect` (a `processed_requests` row per period and process) for the lease-takeover and
real-scheduler tests (`test_scheduler_processes.py`).
"""

from __future__ import annotations

import os
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, insert, text
from sqlalchemy.orm import Session

from jobs import Cron, Every, Job, JobContext, job
from sqmsbot.config import OrgConfig
from sqmsbot.messages import Message
from sqmsbot.models import Incident, IncidentTarget, Person, ProcessedRequest
from sqmsbot.outbox import Channel

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
        key=f"race:{ctx.period_key}", channel=Channel("console", "#ops"), message=Message(text=ctx.period_key)
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


def record_effect(ctx: JobContext) -> None:
    """One effect per run, keyed by the period *and* the process: a period run twice would commit two
    rows (rather than collide on one key and fail), so a double run cannot hide behind an error."""
    ctx.session.add(
        ProcessedRequest(
            key=f"{ctx.period_key}#{os.getpid()}",
            created_at=ctx.now,
            reply={"period": ctx.period_key, "pid": os.getpid()},
        )
    )
    ctx.session.flush()


def wait_for(path: Path, seconds: float = 120) -> None:
    """Poll for a file the test creates (a generous deadline, so a broken test cannot hang a worker)."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.02)


@job(Every(minutes=10))
def race_lag(ctx: JobContext) -> None:
    """Records its effect. With RACE_GATE (a directory) it lags while holding its claim: it creates
    `entered` there and waits for `release` — before recording its effect, or after it (its unit of
    work then stays open meanwhile) with RACE_LAG_AFTER_EFFECT."""
    gate = os.environ.get("RACE_GATE")
    after = bool(os.environ.get("RACE_LAG_AFTER_EFFECT"))
    if gate is None:
        record_effect(ctx)
        return
    if after:
        record_effect(ctx)
    Path(gate, "entered").touch()
    wait_for(Path(gate, "release"))
    if not after:
        record_effect(ctx)


@job(Every(seconds=1))
def race_second(ctx: JobContext) -> None:
    """Every second, on the wall clock: one effect per period."""
    record_effect(ctx)


def nothing_to_do(session: Session, at: datetime) -> bool:
    return False


@job(Every(seconds=1), has_work=nothing_to_do)
def race_idle(ctx: JobContext) -> None:
    """Every second, never anything to do: each period is let go before a claim."""
    record_effect(ctx)


def race_missed(minutes: str) -> Job:
    """Hourly at these minutes (UTC), e.g. "12,18": the scheduler test picks them so that, when the
    replicas start, one period fell due just inside the lateness and an older one just outside it."""
    return job(Cron(minute=minutes, timezone="UTC"), name="race_missed")(record_effect)


THRESHOLDS = ("warn:0.5", "warn:0.75", "breach", "escalate:1:lead")


def seed_clocks(conn: Connection, *, start: datetime, days: int, count: int = 40) -> list[tuple[int, str]]:
    """Open incidents whose resolve clocks cross their thresholds at random instants of the week, so
    that the two processes' `sla_watch` minutes race for real work. Returns every (incident id,
    threshold) that must be announced exactly once."""
    rng = random.Random(count)
    people = [
        {"id": 1, "platform_user_id": "member", "role": "member"},
        {"id": 2, "platform_user_id": "lead", "role": "lead"},
    ]
    conn.execute(
        insert(Person),
        [
            {**p, "platform": "console", "display_name": p["platform_user_id"], "department": "ops",
             "locale": "en", "timezone": None, "created_at": start}
            for p in people
        ],
    )  # fmt: skip
    expected: list[tuple[int, str]] = []
    for number in range(1, count + 1):
        span = days * 24 * 60
        minutes = sorted(rng.sample(range(1, span), len(THRESHOLDS)))
        instants = [start + timedelta(minutes=m, seconds=30) for m in minutes]
        checkpoints = dict(zip(THRESHOLDS, instants, strict=True))
        conn.execute(
            insert(Incident).values(
                id=number, platform="console", priority="P2", service="hotline", source="complaint",
                title=f"Race incident {number}", status="acknowledged", department="ops", reporter_id=1,
                assignee_id=1, reported_at=start, acknowledged_at=start, first_contact_resolution=False,
                reopen_count=0, updated_at=start,
            )
        )  # fmt: skip
        conn.execute(
            insert(IncidentTarget).values(
                incident_id=number, target="resolve", department="ops", policy="race", calendar="race",
                target_seconds=3600, started_at=start, due_at=checkpoints["breach"], met_at=None,
                breached_at=None,
                checkpoints={label: at.isoformat() for label, at in checkpoints.items()}, fired=[],
                next_check_at=min(checkpoints.values()), updated_at=start,
            )
        )  # fmt: skip
        expected += [(number, label) for label in THRESHOLDS]
    conn.execute(text("SELECT setval(pg_get_serial_sequence('incidents', 'id'), :n)"), {"n": count})
    conn.execute(text("SELECT setval(pg_get_serial_sequence('people', 'id'), 2)"))
    return expected
