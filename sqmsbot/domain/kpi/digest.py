"""What a department's morning digest says, gathered from the store in a fixed number of statements.

The digest covers the **days since the last working day's digest**: yesterday on a normal morning,
Friday to Sunday on a Monday, the whole break after a holiday (local days of the department's zone;
its working days are those of its calendar, sqmsbot.domain.working_hours; without one, every day).
For those days: the KPIs against the same number of days before (`report.previous`) and against the
7 days before them (`week`, whose counts the presenter turns into a daily average); the commitments
broken **since the last digest** (from its instant to this one's, so overnight and weekend breaches
are told once, never twice and never lost, whatever the length of the local days); the oldest
incidents still open; the daily trend and the causes of the **30 days** ending yesterday (the chart);
and the movers of the covered days against the same weekdays of the 4 weeks before. Each part reads
a window, not the history: the cost is the same after ten years as after one.

A **quiet day** is one with nothing to say: nothing reported, resolved or broken, and nothing open.
The presenter then posts one short line instead of empty figures and a blank chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from sqmsbot.config import Department, OrgConfig
from sqmsbot.domain.incident_workflow import OPEN_STATUSES
from sqmsbot.domain.kpi import prepared
from sqmsbot.domain.kpi.commitments import broken
from sqmsbot.domain.kpi.engine import compute, figures
from sqmsbot.domain.kpi.movers import Mover, movers
from sqmsbot.domain.kpi.period import Period
from sqmsbot.domain.kpi.report import Figures, KpiReport
from sqmsbot.domain.kpi.series import Day, causes, daily_series
from sqmsbot.domain.kpi.slice import Slice
from sqmsbot.domain.working_hours import default_calendar
from sqmsbot.models import Incident, IncidentTarget

BREACH_WINDOW = timedelta(hours=24)
"""`/kpi breaches` without a period: the last 24 hours."""
LISTED = 5
"""Breaches and open incidents named one by one; past five the digest gives the count."""
TREND_DAYS = 30
BASELINE_DAYS = 7


@dataclass(frozen=True)
class Breach:
    """One commitment broken in the window: which incident, which target, and when."""

    incident_id: int
    title: str
    priority: str
    target: str
    at: datetime


@dataclass(frozen=True)
class OpenIncident:
    """One of the oldest incidents still open."""

    incident_id: int
    title: str
    priority: str
    status: str
    reported_at: datetime


@dataclass(frozen=True)
class Digest:
    """One department's morning digest, before it is put into words."""

    department: Department
    now: datetime
    since: datetime  # the previous digest's instant: breaches are counted from here
    report: KpiReport
    week: Figures
    week_period: Period
    breaches: list[Breach] = field(default_factory=list)
    breach_count: int = 0
    oldest_open: list[OpenIncident] = field(default_factory=list)
    open_count: int = 0
    trend: list[Day] = field(default_factory=list)
    causes: list[tuple[str, int]] = field(default_factory=list)
    movers: list[Mover] = field(default_factory=list)

    @property
    def days(self) -> Period:
        """The local days covered: yesterday, or the days since the last working day's digest."""
        return self.report.period

    @property
    def quiet(self) -> bool:
        """Nothing reported, resolved or broken in the days covered, and nothing open: one line."""
        current = self.report.current
        return not (current.reported or current.resolved or self.breach_count or self.open_count)


def local_today(now: datetime, tz: str) -> date:
    """The local date of `now` in `tz`."""
    return now.astimezone(ZoneInfo(tz)).date()


MAX_COVERED_DAYS = 14
"""The longest break a digest looks back over (a holiday week and its weekends)."""


def is_working_day(org: OrgConfig, department: Department, day: date) -> bool:
    """Whether the department works on `day` (always, without a working calendar)."""
    calendar = default_calendar(org, department=department.key)
    return calendar is None or bool(calendar.hours_on(day))


def covered(org: OrgConfig, department: Department, now: datetime) -> tuple[Period, datetime]:
    """The local days the digest at `now` covers — from the last working day before today to
    yesterday — and the instant of that day's digest (where this one's breaches start)."""
    tz = department.timezone
    today = local_today(now, tz)
    last = today - timedelta(days=1)
    while last > today - timedelta(days=MAX_COVERED_DAYS) and not is_working_day(org, department, last):
        last -= timedelta(days=1)
    hour, minute = (int(part) for part in department.digest_at.split(":"))
    previous_digest = datetime.combine(last, time(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    return Period.range(last, today - timedelta(days=1), tz), min(previous_digest, now)


def gather(session: Session, *, department: Department, org: OrgConfig, now: datetime) -> Digest:
    """Everything one department's digest says, as of `now` (the digest's scheduled instant)."""
    tz = department.timezone
    days, since = covered(org, department, now)
    yesterday = days.last_day
    cut = Slice(department=department.key)
    week_period = Period.range(days.start - timedelta(days=BASELINE_DAYS), days.start - timedelta(days=1), tz)
    trend_period = Period.range(yesterday - timedelta(days=TREND_DAYS - 1), yesterday, tz)
    breach_count, breaches = broken_commitments(session, department=department.key, since=since, until=now)
    open_count, oldest = oldest_open(session, department=department.key, now=now)
    return Digest(
        department=department,
        now=now,
        since=since,
        report=compute(session, period=days, slice=cut, org=org, now=now),
        week=figures(session, period=week_period, cut=cut, now=now),
        week_period=week_period,
        breaches=breaches,
        breach_count=breach_count,
        oldest_open=oldest,
        open_count=open_count,
        trend=daily_series(session, period=trend_period, slice=cut, org=org, now=now),
        causes=causes(session, period=trend_period, slice=cut),
        movers=movers(session, period=days, slice=cut, now=now),
    )


@lru_cache(maxsize=prepared.CACHED_SHAPES)
def _breaches_statement(department: str | None, limit: int) -> Select[Any]:
    """The latest `limit` commitments broken in [since, until), each row with the count of them all."""
    row = IncidentTarget
    since, until = prepared.instant("since"), prepared.instant("until")
    at = func.coalesce(row.breached_at, row.due_at)
    where = [
        or_(  # the indexed prefilter
            and_(row.breached_at >= since, row.breached_at < until),
            and_(row.due_at >= since, row.due_at < until),
        ),
        broken(until),
        at >= since,
        at < until,
        *([row.department == department] if department is not None else []),
    ]
    return (
        select(
            Incident.id, Incident.title, Incident.priority, row.target, at.label("at"), func.count().over()
        )
        .join(Incident, row.incident_id == Incident.id)
        .where(*where)
        .order_by(at.desc(), Incident.id.desc(), row.target)
        .limit(limit)
    )


def broken_commitments(
    session: Session, *, department: str | None, since: datetime, until: datetime, limit: int = LISTED
) -> tuple[int, list[Breach]]:
    """How many commitments were broken in [since, until), and the latest `limit` of them.

    Broken as every KPI counts it (sqmsbot.domain.kpi.commitments), as known at `until`, at the
    breach instant, else the due time. One statement: the rows listed carry the count of them all.
    """
    rows = session.execute(_breaches_statement(department, limit), {"since": since, "until": until}).all()
    count = int(rows[0][5]) if rows else 0
    return count, [
        Breach(incident_id=i, title=title, priority=priority, target=target, at=when)
        for i, title, priority, target, when, _ in rows
    ]


@lru_cache(maxsize=prepared.CACHED_SHAPES)
def _open_statement(department: str, limit: int) -> Select[Any]:
    """The few open incidents read by status. The instant is compared through COALESCE so that no
    index serves it: given the chance, SQLite walks the department's whole history by its report-date
    index instead of the open ones (bench/digest.py: 80 ms at 1M incidents against 3)."""
    now = prepared.instant("now")
    return (
        select(
            Incident.id,
            Incident.title,
            Incident.priority,
            Incident.status,
            Incident.reported_at,
            func.count().over(),
        )
        .where(
            Incident.department == department,
            Incident.status.in_(OPEN_STATUSES),
            func.coalesce(Incident.reported_at, now) < now,
        )
        .order_by(Incident.reported_at, Incident.id)
        .limit(limit)
    )


def oldest_open(
    session: Session, *, department: str, now: datetime, limit: int = LISTED
) -> tuple[int, list[OpenIncident]]:
    """How many of the department's incidents reported before `now` are open, and the `limit`
    reported longest ago (a digest run late lists what was open at its instant, not what came since).
    One statement."""
    rows = session.execute(_open_statement(department, limit), {"now": now}).all()
    count = int(rows[0][5]) if rows else 0
    return count, [
        OpenIncident(incident_id=i, title=title, priority=priority, status=status, reported_at=at)
        for i, title, priority, status, at, _ in rows
    ]
