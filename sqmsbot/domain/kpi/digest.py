"""What a department's morning digest says, gathered from the store in a fixed number of statements.

The digest is about **yesterday**, a local day of the department's zone: its KPIs against the day
before (`report.previous`) and against the 7 days before it (`week`, whose counts the presenter
divides into a daily average), the commitments broken in the **last 24 hours** (overnight breaches are
what the morning needs to hear about, so the window ends at the digest's instant, not at midnight),
the oldest incidents still open, the daily trend and the causes of the **30 days** ending yesterday
(the chart), and the movers of yesterday against their 4-week baseline. Each part reads a window, not
the history: the cost is the same after ten years as after one.

A **quiet day** is one with nothing to say: nothing reported, resolved or broken, and nothing open.
The presenter then posts one short line instead of empty figures and a blank chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from sqmsbot.config import Department, OrgConfig
from sqmsbot.domain.incident_workflow import OPEN_STATUSES
from sqmsbot.domain.kpi.commitments import broken
from sqmsbot.domain.kpi.engine import compute, figures
from sqmsbot.domain.kpi.movers import Mover, movers
from sqmsbot.domain.kpi.period import Period
from sqmsbot.domain.kpi.report import Figures, KpiReport
from sqmsbot.domain.kpi.series import Day, causes, daily_series
from sqmsbot.domain.kpi.slice import Slice
from sqmsbot.models import Incident, IncidentTarget

BREACH_WINDOW = timedelta(hours=24)
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
    def day(self) -> Period:
        return self.report.period

    @property
    def quiet(self) -> bool:
        """Nothing reported, resolved or broken yesterday, and nothing open: one line is enough."""
        current = self.report.current
        return not (current.reported or current.resolved or self.breach_count or self.open_count)


def local_today(now: datetime, tz: str) -> date:
    """The local date of `now` in `tz`."""
    return now.astimezone(ZoneInfo(tz)).date()


def gather(session: Session, *, department: Department, org: OrgConfig, now: datetime) -> Digest:
    """Everything one department's digest says, as of `now` (the digest's scheduled instant)."""
    tz = department.timezone
    yesterday = local_today(now, tz) - timedelta(days=1)
    day = Period.day(yesterday, tz)
    cut = Slice(department=department.key)
    week_period = Period.range(yesterday - timedelta(days=BASELINE_DAYS), yesterday - timedelta(days=1), tz)
    trend_period = Period.range(yesterday - timedelta(days=TREND_DAYS - 1), yesterday, tz)
    breach_count, breaches = broken_commitments(
        session, department=department.key, since=now - BREACH_WINDOW, until=now
    )
    open_count, oldest = oldest_open(session, department=department.key)
    return Digest(
        department=department,
        now=now,
        report=compute(session, period=day, slice=cut, org=org, now=now),
        week=figures(session, period=week_period, cut=cut, now=now),
        week_period=week_period,
        breaches=breaches,
        breach_count=breach_count,
        oldest_open=oldest,
        open_count=open_count,
        trend=daily_series(session, period=trend_period, slice=cut, org=org, now=now),
        causes=causes(session, period=trend_period, slice=cut),
        movers=movers(session, period=day, slice=cut, now=now),
    )


def broken_commitments(
    session: Session, *, department: str | None, since: datetime, until: datetime, limit: int = LISTED
) -> tuple[int, list[Breach]]:
    """How many commitments were broken in [since, until), and the latest `limit` of them.

    Broken as every KPI counts it (sqmsbot.domain.kpi.commitments), as known at `until`, at the
    breach instant, else the due time. Two statements: the count, and the listed rows.
    """
    row = IncidentTarget
    at = func.coalesce(row.breached_at, row.due_at)
    where = [
        or_(  # the indexed prefilter
            and_(row.breached_at >= since, row.breached_at < until),
            and_(row.due_at >= since, row.due_at < until),
        ),
        broken(until),
        at >= since,
        at < until,
        *([Incident.department == department] if department is not None else []),
    ]
    joined = select(func.count()).select_from(row).join(Incident, row.incident_id == Incident.id)
    count = int(session.execute(joined.where(*where)).scalar_one())
    listed = session.execute(
        select(Incident.id, Incident.title, Incident.priority, row.target, at.label("at"))
        .join(Incident, row.incident_id == Incident.id)
        .where(*where)
        .order_by(at.desc(), Incident.id.desc(), row.target)
        .limit(limit)
    ).tuples()
    return count, [
        Breach(incident_id=i, title=title, priority=priority, target=target, at=when)
        for i, title, priority, target, when in listed
    ]


def oldest_open(session: Session, *, department: str, limit: int = LISTED) -> tuple[int, list[OpenIncident]]:
    """How many of the department's incidents are open now, and the `limit` reported longest ago."""
    where = (Incident.department == department, Incident.status.in_(OPEN_STATUSES))
    count = int(session.execute(select(func.count()).select_from(Incident).where(*where)).scalar_one())
    rows = session.execute(
        select(Incident.id, Incident.title, Incident.priority, Incident.status, Incident.reported_at)
        .where(*where)
        .order_by(Incident.reported_at, Incident.id)
        .limit(limit)
    ).tuples()
    return count, [
        OpenIncident(incident_id=i, title=title, priority=priority, status=status, reported_at=at)
        for i, title, priority, status, at in rows
    ]
