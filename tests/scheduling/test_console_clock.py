"""The console's `:clock`: time moves forward only, the jobs due in between run in order through
their claims, and what they send is delivered. Assertions are on what happened (rows, deliveries,
the clock), not on the wording, which lives in the catalogs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import jobs
from jobs import Every, JobContext, job
from sqmsbot.clock import ManualClock, SystemClock
from sqmsbot.messages import Message
from sqmsbot.models import Incident, JobRun, ProcessedRequest
from sqmsbot.outbox import Channel
from sqmsbot.platforms.console import Console
from sqmsbot.platforms.console.clock import keep_clock, parse_target, stored_clock, summary
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import run_due
from tests.conftest import START, Transcript

SHANGHAI = "Asia/Shanghai"


def _runs(runtime: Runtime, job: str = "housekeeping") -> list[tuple[str, str]]:
    """One job's periods (other jobs, like sla_watch every minute, run beside it)."""
    with runtime.db.transaction() as session:
        rows = session.execute(
            select(JobRun.period_key, JobRun.status).where(JobRun.job == job).order_by(JobRun.scheduled_at)
        ).all()
    return [(key, status) for key, status in rows]


def test_clock_alone_shows_the_time_and_moves_nothing(transcript: Transcript, runtime: Runtime) -> None:
    transcript(":clock")
    assert runtime.clock.now() == START
    assert _runs(runtime) == []


def test_clock_forward_runs_housekeeping_each_hour_and_purges(
    transcript: Transcript, runtime: Runtime
) -> None:
    with runtime.db.transaction() as session:
        session.add(ProcessedRequest(key="old", created_at=START - timedelta(days=3), reply={}))
        session.add(ProcessedRequest(key="recent", created_at=START - timedelta(hours=1), reply={}))
    out = transcript(":clock +2h")
    assert runtime.clock.now() == START + timedelta(hours=2)
    assert _runs(runtime) == [
        ("housekeeping/2026-11-23T09:07", "finished"),
        ("housekeeping/2026-11-23T10:07", "finished"),
    ]
    with runtime.db.transaction() as session:
        assert session.scalars(select(ProcessedRequest.key)).all() == ["recent"]
    # the prompt, the new time, and one line per job: housekeeping and business_time (two runs each)
    # and sla_watch (every minute)
    assert len(out.splitlines()) == 5
    assert "housekeeping" in out and "2×" in out
    transcript(":clock 2026-11-23T12:00")  # the organisation's zone: 12:00 in Shanghai is 04:00 UTC
    assert runtime.clock.now() == datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    assert [key for key, _ in _runs(runtime)][-1] == "housekeeping/2026-11-23T11:07"


def test_clock_refuses_to_move_backwards_or_too_far(transcript: Transcript, runtime: Runtime) -> None:
    transcript(":clock 2026-11-23T08:00", ":clock 2026-11-23T08:00+08:00", ":clock +40d", ":clock soon")
    assert runtime.clock.now() == START
    assert _runs(runtime) == []


def test_the_jobs_messages_are_delivered_after_they_run(
    transcript: Transcript, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    @job(Every(minutes=30))
    def ping(ctx: JobContext) -> None:
        ctx.notifier.to_channel(
            key=ctx.period_key,
            channel=Channel("console", "#ops"),
            message=Message(text=f"ping {ctx.now:%H:%M}"),
        )

    monkeypatch.setattr(jobs, "registry", lambda: {"ping": ping})
    out = transcript(":clock +1h")
    assert out.index("[#ops] ping 01:30") < out.index("[#ops] ping 02:00")
    assert "ping 02:30" not in out
    assert transcript(":clock +1m").count("ping") == 0  # nothing new falls due in one more minute


def test_the_console_gets_a_manual_clock_starting_now(runtime: Runtime) -> None:
    real = Runtime(settings=runtime.settings, org=runtime.org, db=runtime.db, clock=SystemClock())
    console = Console(real, write=lambda _line: None)
    assert isinstance(console.runtime.clock, ManualClock)
    assert abs(console.runtime.clock.now() - datetime.now(UTC)) < timedelta(minutes=1)
    assert real.clock.__class__ is SystemClock  # the caller's runtime is left alone
    manual = Console(runtime, write=lambda _line: None)
    assert manual.runtime.clock is runtime.clock  # the transcript's clock is the one it moves


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+90m", START + timedelta(minutes=90)),
        ("+2d", START + timedelta(days=2)),
        ("+1d2h30m", START + timedelta(days=1, hours=2, minutes=30)),
        ("+1w", START + timedelta(weeks=1)),
        ("2026-11-24T09:00", datetime(2026, 11, 24, 1, 0, tzinfo=UTC)),
        ("2026-11-24T09:00+00:00", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
    ],
)
def test_clock_targets(typed: str, expected: datetime) -> None:
    assert parse_target(typed, now=START, timezone=SHANGHAI) == expected


@pytest.mark.parametrize("typed", ["90m", "+", "+2x", "tomorrow", "+1.5h"])
def test_clock_targets_that_are_not(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_target(typed, now=START, timezone=SHANGHAI)


def test_the_summary_counts_runs_per_job(runtime: Runtime) -> None:
    outcomes = run_due(runtime, START, START + timedelta(hours=3), registry={"housekeeping": _housekeeping()})
    lines = summary(outcomes, lambda key, **args: f"{key} {sorted(args.items())}", SHANGHAI)
    assert lines == ["clock.ran [('count', 3), ('job', 'housekeeping'), ('time', '2026-11-23 11:07 +08:00')]"]


def _housekeeping() -> jobs.Job:
    return jobs.registry()["housekeeping"]


def _reported_at(runtime: Runtime, number: int) -> datetime:
    with runtime.db.transaction() as session:
        incident = session.get(Incident, number)
        assert incident is not None
        return incident.reported_at.astimezone(UTC)


def test_a_second_console_on_the_store_carries_on_from_the_first_ones_clock(
    transcript: Transcript, runtime: Runtime
) -> None:
    """Restarting the console must not take time back: the second session's events come after the first's."""
    transcript(":as li member ops", ":clock +2h", '/incident report P2 hotline "First session"')
    first = _reported_at(runtime, 1)
    assert first == START + timedelta(hours=2)
    # Closed and opened again on the same store, the machine's clock still where it was at the start.
    again = Runtime(settings=runtime.settings, org=runtime.org, db=runtime.db, clock=ManualClock(START))
    second = Transcript(again)
    assert second(":clock").endswith("It is 2026-11-23 11:00 +08:00.")
    second(":as li", '/incident report P2 hotline "Second session"')
    assert _reported_at(runtime, 2) == first
    assert "The clock is now 2026-11-23 11:30 +08:00." in second(":clock +30m")
    # A real now later than where the console was left wins: time never stands behind the wall clock.
    later = Runtime(
        settings=runtime.settings,
        org=runtime.org,
        db=runtime.db,
        clock=ManualClock(START + timedelta(days=3)),
    )
    assert Transcript(later)(":clock").endswith("It is 2026-11-26 09:00 +08:00.")


def test_the_stored_clock_also_holds_against_the_system_clock(runtime: Runtime) -> None:
    ahead = datetime.now(UTC) + timedelta(days=3)
    keep_clock(runtime.db, ahead)
    real = Runtime(settings=runtime.settings, org=runtime.org, db=runtime.db, clock=SystemClock())
    assert Console(real, write=lambda _line: None).runtime.clock.now() == ahead
    keep_clock(runtime.db, ahead - timedelta(days=1))  # a stored clock never moves back
    assert stored_clock(runtime.db) == ahead
