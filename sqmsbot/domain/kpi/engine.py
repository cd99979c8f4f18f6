"""`compute`: a period's KPIs and the previous period's, aggregated by the database.

Eight statements per report (four per period, sqmsbot.domain.kpi.queries), whatever the number of
incidents: no incident row is loaded into Python, medians and p90 included.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi import queries
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


def figures(session: Session, *, period: Period, cut: Slice, now: datetime) -> Figures:
    """One period's KPIs: four aggregate statements."""
    start, end = period.from_, period.to
    row = session.execute(queries.counts(start=start, end=end, at=min(end, now), now=now, cut=cut)).one()
    return Figures(
        reported=row.reported,
        resolved=row.resolved,
        fcr=row.fcr,
        resolutions=row.resolutions,
        reopened=row.reopened,
        mtta=_durations(session, queries.mtta(start=start, end=end, cut=cut)),
        mttr=_durations(session, queries.mttr(start=start, end=end, cut=cut)),
        sla={
            target: Attainment(achieved=int(achieved or 0), breached=int(breached or 0))
            for target, achieved, breached in session.execute(
                queries.sla(start=start, end=end, now=now, cut=cut)
            ).tuples()
        },
        backlog=row.backlog,
        aged=row.aged,
    )


def _durations(session: Session, durations: Select[Any]) -> Durations:
    n, mean, median, p90 = session.execute(duration_stats(durations)).one()
    if not n:
        return Durations()
    return Durations(n=int(n), mean=float(mean), median=float(median), p90=float(p90))
