"""Which periods fall due and how they run: time order, department time zones, DST, catch-up once
within the lateness, failures recorded, messages through the outbox — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import jobs
from jobs import Cron, Every, JobContext, job
from sqmsbot.clock import ManualClock
from sqmsbot.config import Settings
from sqmsbot.messages import Message
from sqmsbot.models import JobRun, OutboxMessage
from sqmsbot.outbox import Channel
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import Job, Outcome, catch_up, due_runs, find_period, run_due, run_period
from tests.conftest import START
from tests.scheduling import race_jobs

ORG = race_jobs.race_org()
LONDON = ZoneInfo("Europe/London")
seen: list[JobContext] = []


@job(Cron(minute="0", timezone="UTC"))
def hourly(ctx: JobContext) -> None:
    seen.append(ctx)


@job(Cron(hour="8", minute="0"), per_department=True, key_format="%Y-%m-%d")
def digest(ctx: JobContext) -> None:
    assert ctx.department is not None
    channel = ctx.department.channel("console") or "#none"
    ctx.notifier.to_channel(
        key=ctx.period_key,
        channel=Channel("console", channel),
        message=Message(text=f"digest {ctx.period_key}"),
    )


@job(Every(minutes=30))
def broken(ctx: JobContext) -> None:
    raise RuntimeError(f"no data for {ctx.period_key}")


REGISTRY = jobs.collect(__import__(__name__, fromlist=["_"]))


@pytest.fixture
def org_runtime(runtime: Runtime) -> Runtime:
    seen.clear()
    return dataclasses.replace(runtime, org=ORG)


def _keys(start: datetime, end: datetime, *names: str) -> list[str]:
    return [d.period_key for d in due_runs({n: REGISTRY[n] for n in names}, start, end, org=ORG)]


def test_periods_come_in_time_order_with_departments_in_their_own_time_zones() -> None:
    dues = list(due_runs(REGISTRY, START, START + timedelta(days=1), org=ORG))
    assert [d.scheduled_at for d in dues] == sorted(d.scheduled_at for d in dues)
    digests = [(d.period_key, d.scheduled_at) for d in dues if d.job.name == "digest"]
    assert digests == [  # 08:00 in Shanghai is midnight UTC; 08:00 in London (November) is 08:00 UTC
        ("digest/uk/2026-11-23", datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
        ("digest/ops/2026-11-24", datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),
    ]
    assert [d.period_key for d in dues if d.job.name == "broken"][:2] == [
        "broken/2026-11-23T01:30",
        "broken/2026-11-23T02:00",
    ]
    assert len([d for d in dues if d.job.name == "hourly"]) == 24


def test_the_start_is_excluded_and_the_end_included() -> None:
    assert _keys(START, START + timedelta(hours=1), "hourly") == ["hourly/2026-11-23T02:00"]


def test_cron_in_a_dst_zone_keeps_local_time_across_both_changes() -> None:
    def london_digests(start: datetime, days: int) -> list[str]:
        dues = due_runs({"digest": REGISTRY["digest"]}, start, start + timedelta(days=days), org=ORG)
        return [
            d.scheduled_at.astimezone(LONDON).strftime("%m-%d %H:%M")
            for d in dues
            if d.department == ORG.departments[1]
        ]

    # spring forward on 29 March, fall back on 25 October 2026: always 08:00 on the wall clock
    assert london_digests(datetime(2026, 3, 27, tzinfo=UTC), 4) == [f"03-{d} 08:00" for d in (27, 28, 29, 30)]
    assert london_digests(datetime(2026, 10, 23, tzinfo=UTC), 4) == [
        f"10-{d} 08:00" for d in (23, 24, 25, 26)
    ]


def test_the_repeated_and_the_skipped_hour_run_a_wall_clock_time_once() -> None:
    at_0130 = job(Cron(hour="1", minute="30", timezone="Europe/London"), name="night")(lambda ctx: None)
    every_hour = job(Cron(minute="30", timezone="Europe/London"), name="half_past")(lambda ctx: None)
    registry = {"night": at_0130, "half_past": every_hour}
    fall_back = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 00:00 BST on the night the clocks go back
    dues = list(due_runs(registry, fall_back, fall_back + timedelta(hours=25), org=ORG))
    night = [d.period_key for d in dues if d.job.name == "night"]
    hours = [d.period_key for d in dues if d.job.name == "half_past"]
    assert night == ["night/2026-10-25T01:30"]
    assert len(hours) == len(set(hours)) == 24  # 25 real hours, 24 wall-clock half-pasts, no endless loop
    spring = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 23:00 GMT; 01:00-02:00 does not exist that night
    spring_night = [
        d for d in due_runs(registry, spring, spring + timedelta(hours=23), org=ORG) if d.job.name == "night"
    ]
    # 01:30 does not exist that night: it runs once, at the first instant that does (02:30 BST, 01:30 UTC)
    assert [(d.period_key, d.scheduled_at.hour) for d in spring_night] == [("night/2026-03-29T02:30", 1)]


def test_run_due_runs_each_period_at_its_instant_and_leaves_the_clock_at_the_end(
    org_runtime: Runtime,
) -> None:
    end = START + timedelta(hours=3, minutes=20)
    outcomes = run_due(org_runtime, START, end, registry={"hourly": REGISTRY["hourly"]})
    assert [o.status for o in outcomes] == ["finished"] * 3
    assert [c.now for c in seen] == [START + timedelta(hours=h) for h in (1, 2, 3)]
    assert [c.period_key for c in seen] == [f"hourly/2026-11-23T0{h}:00" for h in (2, 3, 4)]
    assert org_runtime.clock.now() == end
    again = run_due(org_runtime, START, end, registry={"hourly": REGISTRY["hourly"]})
    assert [o.status for o in again] == ["skipped"] * 3 and len(seen) == 3


def test_a_per_department_job_sends_to_each_department_once(org_runtime: Runtime) -> None:
    registry = {"digest": REGISTRY["digest"]}
    run_due(org_runtime, START, START + timedelta(days=2), registry=registry)
    run_due(org_runtime, START, START + timedelta(days=2), registry=registry)  # a restart replays: no repeat
    with org_runtime.db.transaction() as session:
        rows = session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.target).order_by("id")).all()
    assert [tuple(r) for r in rows] == [
        ("digest/uk/2026-11-23", "#uk"),
        ("digest/ops/2026-11-24", "#ops"),
        ("digest/uk/2026-11-24", "#uk"),
        ("digest/ops/2026-11-25", "#ops"),
    ]


def test_a_failed_run_records_its_error_rolls_back_and_is_not_repeated(org_runtime: Runtime) -> None:
    outcomes = run_due(
        org_runtime, START, START + timedelta(hours=1), registry={"broken": REGISTRY["broken"]}
    )
    assert [(o.status, o.error) for o in outcomes] == [
        ("failed", "RuntimeError: no data for broken/2026-11-23T01:30"),
        ("failed", "RuntimeError: no data for broken/2026-11-23T02:00"),
    ]
    assert [o.status for o in run_due(org_runtime, START, START + timedelta(hours=1), registry=REGISTRY)][
        :2
    ] == [
        "skipped",
        "skipped",
    ]
    with org_runtime.db.transaction() as session:
        row = session.scalars(select(JobRun).where(JobRun.period_key == "broken/2026-11-23T01:30")).one()
    assert (row.status, row.error, row.finished_at) == (
        "failed",
        outcomes[0].error,
        START + timedelta(minutes=30),
    )
    due = find_period(REGISTRY["broken"], ORG, "broken/2026-11-23T01:30")
    assert due is not None and due.scheduled_at == START + timedelta(minutes=30)
    assert run_period(org_runtime, due, retry_failed=True).status == "failed"  # the operator's retry
    with org_runtime.db.transaction() as session:
        assert session.scalar(select(JobRun.attempts).where(JobRun.period_key == due.period_key)) == 2


def _catch_up_at(runtime: Runtime, registry: dict[str, Job], now: datetime) -> list[Outcome]:
    """A restart at `now`."""
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.set(now)
    return catch_up(runtime, registry=registry)


def test_a_missed_period_is_caught_up_once_within_the_lateness(org_runtime: Runtime) -> None:
    registry = {"hourly": REGISTRY["hourly"], "digest": REGISTRY["digest"]}
    run_due(org_runtime, START, START + timedelta(hours=1), registry=registry)  # 02:00 UTC ran, then down
    back = START + timedelta(hours=6, minutes=10)  # 07:10 UTC: 03:00 … 07:00 were missed
    outcomes = _catch_up_at(org_runtime, registry, back)
    assert [(o.due.period_key, o.status) for o in outcomes] == [("hourly/2026-11-23T07:00", "finished")]
    assert [o.status for o in _catch_up_at(org_runtime, registry, back)] == ["skipped"]
    with org_runtime.db.transaction() as session:
        keys = session.scalars(select(JobRun.period_key).order_by(JobRun.scheduled_at)).all()
    assert keys == ["hourly/2026-11-23T02:00", "hourly/2026-11-23T07:00"]  # 03:00-06:00: coalesced away
    assert [c.now for c in seen] == [START + timedelta(hours=1), START + timedelta(hours=6)]


def test_nothing_older_than_the_lateness_is_caught_up(org_runtime: Runtime) -> None:
    strict = dataclasses.replace(
        org_runtime, settings=Settings(database_url=org_runtime.db.url, job_lateness=600)
    )
    registry = {"hourly": REGISTRY["hourly"], "digest": REGISTRY["digest"]}
    # 10:11 UTC: the hourly 10:00 is 11 minutes late, the digests (00:00 and 08:00 UTC) hours late
    assert _catch_up_at(strict, registry, START + timedelta(hours=9, minutes=11)) == []
    done = _catch_up_at(strict, registry, START + timedelta(hours=9, minutes=10))
    assert [o.due.period_key for o in done] == ["hourly/2026-11-23T10:00"]


def test_the_housekeeping_job_is_registered_hourly_in_the_organisation_time_zone() -> None:
    housekeeping = jobs.registry()["housekeeping"]
    assert housekeeping.schedule.describe() == "cron 7 * * * *"
    assert not housekeeping.per_department
    assert "hourly" not in jobs.registry() and "race_tick" not in jobs.registry()  # test jobs stay out


work_waiting: list[bool] = []


@job(Every(minutes=5), has_work=lambda _session, _now: bool(work_waiting))
def on_demand(ctx: JobContext) -> None:
    seen.append(ctx)
    work_waiting.clear()


def test_a_job_with_nothing_to_do_is_let_go_unclaimed_and_runs_when_there_is(org_runtime: Runtime) -> None:
    only = {"on_demand": on_demand}
    work_waiting.clear()
    first = run_due(org_runtime, START, START + timedelta(minutes=15), registry=only)
    assert [o.status for o in first] == ["idle", "idle", "idle"]
    assert seen == []
    assert _job_runs(org_runtime) == []  # an idle period leaves no row behind

    work_waiting.append(True)
    second = run_due(org_runtime, START + timedelta(minutes=15), START + timedelta(minutes=25), registry=only)
    assert [o.status for o in second] == ["finished", "idle"]  # the first look took the work
    assert [ctx.period_key for ctx in seen] == ["on_demand/2026-11-23T01:20"]
    assert _job_runs(org_runtime) == [("on_demand/2026-11-23T01:20", "finished")]

    work_waiting.append(True)  # work again, but that period is claimed already: never run twice
    again = run_period(org_runtime, second[0].due)
    assert again.status == "skipped"
    assert len(seen) == 1


def _job_runs(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.db.transaction() as session:
        return [(r.period_key, r.status) for r in session.scalars(select(JobRun).order_by(JobRun.id))]
