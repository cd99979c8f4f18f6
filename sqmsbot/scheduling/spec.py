"""What a scheduled job is: its schedule, the periods it runs for, and what it is handed when it runs.

This lives in the core (as `sqmsbot/cmd/spec.py` does for commands) so the scheduler, the console and
the CLI read jobs as plain data; the `jobs/` package builds them with its decorator.

Periods come from APScheduler's own triggers, so the real-time scheduler and the simulated clocks of
the console and the tests agree on every instant, time zones and DST included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session

from sqmsbot.config import Department, OrgConfig
from sqmsbot.outbox import Notifier

if TYPE_CHECKING:
    from sqmsbot.runtime import Runtime

# Interval periods are counted from this instant, so every replica computes the same ones.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
JOB_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
MINUTE_FORMAT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class Cron:
    """A cron schedule: APScheduler's CronTrigger fields (day_of_week counts 0 = Monday; prefer mon-fri).

    `timezone` None means the department's zone for a per-department job, else the organisation's.
    `department_time` names a Department setting holding "HH:MM" (e.g. `digest_at`): for a
    per-department job it replaces `hour` and `minute`, so each department chooses its own time.
    """

    minute: str = "0"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"
    timezone: str | None = None
    department_time: str | None = None

    def describe(self, department: Department | None = None) -> str:
        hour, minute = self.at(department)
        text = f"cron {minute} {hour} {self.day} {self.month} {self.day_of_week}"
        return f"{text} ({self.department_time})" if self.department_time else text

    def at(self, department: Department | None) -> tuple[str, str]:
        """(hour, minute) for one department's series."""
        if self.department_time and department is not None:
            hour, minute = str(getattr(department, self.department_time)).split(":")
            return str(int(hour)), str(int(minute))
        return self.hour, self.minute


@dataclass(frozen=True)
class Every:
    """A fixed interval, in UTC, aligned to EPOCH: every minute fires at :00 seconds on every replica."""

    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    def __post_init__(self) -> None:
        if self.span <= timedelta(0):
            raise ValueError("an interval must be longer than zero")

    @property
    def span(self) -> timedelta:
        return timedelta(hours=self.hours, minutes=self.minutes, seconds=self.seconds)

    def describe(self, department: Department | None = None) -> str:
        del department  # an interval is the same for everyone
        parts = [
            f"{n}{unit}" for n, unit in ((self.hours, "h"), (self.minutes, "m"), (self.seconds, "s")) if n
        ]
        return "every " + "".join(parts)


Schedule = Cron | Every


@dataclass(frozen=True)
class JobContext:
    """What a job function gets: one unit of work, the instant its period was scheduled for, and where
    to send messages. Everything it writes (its changes, its outbox rows, the period marked finished)
    commits together or not at all."""

    job: Job
    session: Session
    runtime: Runtime
    now: datetime
    period_key: str
    department: Department | None
    notifier: Notifier


JobFunction = Callable[[JobContext], None]


@dataclass(frozen=True)
class Job:
    """A registered job. Per-department jobs form one series per department, each with its own periods."""

    name: str
    func: JobFunction = field(repr=False)
    schedule: Schedule
    per_department: bool = False
    key_format: str | None = None
    description: str = ""
    # A read-only look before the claim (session, the period's instant): False means there is nothing
    # to do, and the period is let go unclaimed and unrecorded. Only for a job whose next period covers
    # the same ground (sla_watch looks at everything due, not at its minute), so that an idle minute
    # costs one indexed read instead of a claim and two commits.
    has_work: Callable[[Session, datetime], bool] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not JOB_NAME.match(self.name):
            raise ValueError(f"job name {self.name!r} must match {JOB_NAME.pattern}")
        if self.per_department and isinstance(self.schedule, Every):
            raise ValueError(f"job {self.name!r}: per-department jobs need a cron schedule")

    def __call__(self, ctx: JobContext) -> None:
        self.func(ctx)

    def series(self, org: OrgConfig) -> list[Department | None]:
        """The departments this job runs for: each one, or just None for an organisation-wide job."""
        return list(org.departments) if self.per_department else [None]

    def timezone(self, org: OrgConfig, department: Department | None) -> str:
        if isinstance(self.schedule, Every):
            return "UTC"
        if self.schedule.timezone:
            return self.schedule.timezone
        return department.timezone if department is not None else org.timezone

    def trigger(self, org: OrgConfig, department: Department | None) -> BaseTrigger:
        zone = ZoneInfo(self.timezone(org, department))
        if isinstance(self.schedule, Every):
            return IntervalTrigger(
                seconds=int(self.schedule.span.total_seconds()), start_date=EPOCH, timezone=UTC
            )
        s = self.schedule
        hour, minute = s.at(department)
        return CronTrigger(
            minute=minute, hour=hour, day=s.day, month=s.month, day_of_week=s.day_of_week, timezone=zone
        )

    def period_key(self, scheduled_at: datetime, org: OrgConfig, department: Department | None) -> str:
        """`digest/ops/2026-11-23`, `sla_watch/2026-11-23T09:05`: the job, its department, and the
        scheduled instant as local wall-clock time in the schedule's zone.

        Wall-clock keys make a repeated hour (a DST fall-back night) the same period, so a daily 01:30
        job runs once that night even though the trigger fires at 01:30 twice.
        """
        fmt = self.key_format or MINUTE_FORMAT
        if (
            isinstance(self.schedule, Every)
            and self.schedule.span.total_seconds() % 60
            and not self.key_format
        ):
            fmt += ":%S"
        local = scheduled_at.astimezone(ZoneInfo(self.timezone(org, department)))
        parts = [self.name, *([department.key] if department is not None else []), local.strftime(fmt)]
        return "/".join(parts)


def fire_times(trigger: BaseTrigger, after: datetime, until: datetime) -> Iterator[datetime]:
    """The trigger's fire times in (after, until], in UTC, lazily.

    The cursor is kept in UTC: stepping a zoned fire time by a microsecond would keep its wall-clock
    time and lose the DST fold, sending APScheduler back into the repeated hour forever.
    """
    cursor = after.astimezone(UTC) + timedelta(microseconds=1)
    while True:
        fire = trigger.get_next_fire_time(None, cursor)
        if fire is None:
            return
        fire = fire.astimezone(UTC)
        if fire > until:
            return
        if fire < cursor:  # never step backwards, whatever the trigger says (cron has minute resolution)
            cursor += timedelta(minutes=1)
            continue
        yield fire
        cursor = fire + timedelta(microseconds=1)
