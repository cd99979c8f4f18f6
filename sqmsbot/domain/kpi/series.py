"""What the charts draw: a period's figures per local day, and its incidents per cause.

`daily_series` gives one `Day` per local day of the period (reported count and SLA attainment over
every target, with the shared definitions: sqmsbot.domain.kpi.commitments), `causes` the incidents
reported in the period per category, most first. Each is one aggregate statement whatever the
history or the length of the period: the day of an instant is a CASE over the period's local
midnights (a local day is 23 or 25 hours on a DST change, so no arithmetic on UTC would do), computed
in a subquery and grouped outside it, so that PostgreSQL sees the same grouping expression however
the parameters are numbered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi import commitments, prepared
from sqmsbot.domain.kpi.period import Period, local_midnight
from sqmsbot.domain.kpi.slice import Slice
from sqmsbot.models import Incident, IncidentTarget

UNCATEGORISED = "uncategorised"
"""The cause of an incident nobody has categorised yet: shown as its own bar, not left out."""


@dataclass(frozen=True)
class Day:
    """One local day: incidents reported, and SLA commitments kept and broken (all targets)."""

    day: date
    reported: int = 0
    achieved: int = 0
    breached: int = 0

    @property
    def attainment(self) -> float | None:
        """achieved ÷ (achieved + breached); None on a day when no commitment was decided."""
        decided = self.achieved + self.breached
        return self.achieved / decided if decided else None


def _day_index(column: Any, days: int) -> ColumnElement[Any]:
    """The 0-based local day holding `column` (NULL outside the period), against the period's local
    midnights `midnight_1` … `midnight_{days}` (parameters: `_midnights`)."""
    ends = prepared.numbered("midnight", days + 1)[1:]
    return case(*((column < end, literal(index)) for index, end in enumerate(ends)), else_=None)


def _midnights(period: Period) -> dict[str, Any]:
    """`midnight_0` (the start) … `midnight_{days}` (the end) of the period."""
    return prepared.values(
        "midnight",
        [local_midnight(period.start + timedelta(days=i), period.tz) for i in range(period.days + 1)],
    )


@lru_cache(maxsize=prepared.CACHED_SHAPES)
def _series_statements(cut: Slice, days: int) -> tuple[Select[Any], Select[Any]]:
    """(reported per day, commitments kept and broken per day) for `days` local days."""
    start, end, now = (
        prepared.instant("midnight_0"),
        prepared.instant(f"midnight_{days}"),
        prepared.instant("now"),
    )
    reported = (
        select(_day_index(Incident.reported_at, days).label("day"))
        .where(cut.where(), Incident.reported_at >= start, Incident.reported_at < end)
        .subquery("reported")
    )
    decided_at = commitments.decided_at(now)
    decided = (
        select(
            _day_index(decided_at, days).label("day"),
            commitments.kept_flag(now).label("achieved"),
            commitments.broken_flag(now).label("breached"),
        )
        .join(Incident, IncidentTarget.incident_id == Incident.id)
        .where(cut.targets_where(), commitments.touching(start, end), decided_at >= start, decided_at < end)
        .subquery("decided")
    )
    return (
        select(reported.c.day, func.count()).group_by(reported.c.day),
        select(decided.c.day, func.sum(decided.c.achieved), func.sum(decided.c.breached)).group_by(
            decided.c.day
        ),
    )


def daily_series(
    session: Session, *, period: Period, slice: Slice | None = None, org: OrgConfig, now: datetime
) -> list[Day]:
    """One `Day` per local day of `period`, oldest first; days with nothing have zeros.

    Two statements. `now` bounds what is known, as in `compute`: an unmet commitment past due by `now`
    is breached on its due day. `org` is taken for symmetry with `compute` (the zone is the period's).
    """
    del org
    reported, decided = _series_statements(slice or Slice(), period.days)
    params = {**_midnights(period), "now": now}
    per_day = {int(index): int(n) for index, n in session.execute(reported, params).tuples()}
    sla = {
        int(index): (int(achieved or 0), int(breached or 0))
        for index, achieved, breached in session.execute(decided, params).tuples()
        if index is not None
    }
    return [
        Day(
            day=period.start + timedelta(days=i),
            reported=per_day.get(i, 0),
            achieved=sla.get(i, (0, 0))[0],
            breached=sla.get(i, (0, 0))[1],
        )
        for i in range(period.days)
    ]


@lru_cache(maxsize=prepared.CACHED_SHAPES)
def _causes_statement(cut: Slice) -> Select[Any]:
    start, end = prepared.instant("start"), prepared.instant("end")
    return (
        select(Incident.category, func.count())
        .where(cut.where(), Incident.reported_at >= start, Incident.reported_at < end)
        .group_by(Incident.category)
    )


def causes(session: Session, *, period: Period, slice: Slice | None = None) -> list[tuple[str, int]]:
    """(category key, incidents) of the incidents reported in `period`, most first (ties by key);
    an incident without a category counts under `UNCATEGORISED`. One statement."""
    params = {"start": period.from_, "end": period.to}
    rows = session.execute(_causes_statement(slice or Slice()), params).tuples()
    found = [(category or UNCATEGORISED, int(n)) for category, n in rows]
    return sorted(found, key=lambda row: (-row[1], row[0]))
