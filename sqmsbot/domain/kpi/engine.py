"""`compute`: a period's KPIs and the previous period's, aggregated by the database.

Eight statements per report (four per period, sqmsbot.domain.kpi.queries), whatever the number of
incidents: no incident row is loaded into Python, medians and p90 included. The business-time
durations share the wall-clock ones' statements, and the error rate's volumes and the CSAT responses
are scalar subqueries of the counts: the measures added to the report added no statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi import prepared, queries
from sqmsbot.domain.kpi.period import Period
from sqmsbot.domain.kpi.report import Attainment, Durations, Figures, KpiReport
from sqmsbot.domain.kpi.slice import Slice
from sqmsbot.domain.kpi.sql import duration_stats


def compute(
    session: Session, *, period: Period, slice: Slice | None = None, org: OrgConfig, now: datetime
) -> KpiReport:
    """The KPIs of `period` for `slice` (default: everything), with the previous period and targets.

    `now` bounds what is known: a commitment unmet and past due by `now` counts as breached, and the
    backlog of a period still running is the backlog at `now`.
    """
    cut = slice or Slice()
    return KpiReport(
        period=period,
        slice=cut,
        current=figures(session, period=period, cut=cut, now=now),
        previous=figures(session, period=period.previous(), cut=cut, now=now),
        targets=org.kpi_targets,
    )


@dataclass(frozen=True)
class _Statements:
    """One slice's four statements, with the period's instants as parameters (`prepared`)."""

    counts: Select[Any]
    mtta: Select[Any]
    mttr: Select[Any]
    sla: Select[Any]


@lru_cache(maxsize=prepared.CACHED_SHAPES)
def _statements(cut: Slice) -> _Statements:
    start, end, at, now = (prepared.instant(name) for name in ("start", "end", "at", "now"))
    columns = ("seconds", "business")
    counts = queries.counts(
        start=start,
        end=end,
        at=at,
        now=now,
        cut=cut,
        first_day=prepared.day("first_day"),
        end_day=prepared.day("end_day"),
    )
    return _Statements(
        counts=counts,
        mtta=duration_stats(queries.mtta(start=start, end=end, cut=cut), columns=columns),
        mttr=duration_stats(queries.mttr(start=start, end=end, cut=cut), columns=columns),
        sla=queries.sla(start=start, end=end, now=now, cut=cut),
    )


def figures(session: Session, *, period: Period, cut: Slice, now: datetime) -> Figures:
    """One period's KPIs: four aggregate statements."""
    statements = _statements(cut)
    params = {
        "start": period.from_,
        "end": period.to,
        "at": min(period.to, now),
        "now": now,
        "first_day": period.start,
        "end_day": period.end,
    }
    row = session.execute(statements.counts, params).one()
    mtta, mtta_business = _durations(session.execute(statements.mtta, params).one())
    mttr, mttr_business = _durations(session.execute(statements.mttr, params).one())
    return Figures(
        reported=row.reported,
        resolved=row.resolved,
        fcr=row.fcr,
        resolutions=row.resolutions,
        reopened=row.reopened,
        mtta=mtta,
        mttr=mttr,
        mtta_business=mtta_business,
        mttr_business=mttr_business,
        sla={
            target: Attainment(achieved=int(achieved or 0), breached=int(breached or 0))
            for target, achieved, breached in session.execute(statements.sla, params).tuples()
        },
        backlog=row.backlog,
        aged=row.aged,
        volume=None if row.volume is None else int(row.volume),
        errors=None if row.errors is None else int(row.errors),
        responses=int(row.responses),
        satisfied=int(row.satisfied),
        score_total=int(row.score_total),
    )


def _durations(row: Any) -> tuple[Durations, Durations]:
    """The wall-clock and the business-time statistics of one population, from one statement."""
    return _stats(*row[:4]), _stats(*row[4:])


def _stats(n: Any, mean: Any, median: Any, p90: Any) -> Durations:
    if not n:
        return Durations()
    return Durations(n=int(n), mean=float(mean), median=float(median), p90=float(p90))
