"""When a commitment counts as kept or broken, as SQL expressions every KPI query shares.

A commitment is **broken** if it recorded a breach, or was met after its due time, or is unmet and
its due time has passed by `now`; it is **decided** at its breach instant (the recorded one, else the
due time) when broken, else at the instant it was met. SLA attainment, the daily trend, the digest's
breaches and the weekly ranking all read these, so they can never disagree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_

from sqmsbot.domain.kpi.prepared import Instant
from sqmsbot.models import IncidentTarget


def broken(now: Instant) -> ColumnElement[bool]:
    row = IncidentTarget
    return or_(
        row.breached_at.is_not(None),
        and_(row.due_at.is_not(None), row.due_at < func.coalesce(row.met_at, now)),
    )


def decided_at(now: Instant) -> ColumnElement[Any]:
    row = IncidentTarget
    return case((broken(now), func.coalesce(row.breached_at, row.due_at)), else_=row.met_at)


def kept_flag(now: Instant) -> ColumnElement[int]:
    """1 for a kept commitment, 0 otherwise."""
    return case((broken(now), 0), (IncidentTarget.met_at.is_not(None), 1), else_=0)


def broken_flag(now: Instant) -> ColumnElement[int]:
    return case((broken(now), 1), else_=0)


def touching(start: Instant, end: Instant) -> ColumnElement[bool]:
    """The indexed prefilter: met, breached or due in [start, end); `decided_at` then puts each
    commitment in exactly one period."""
    row = IncidentTarget
    return or_(
        and_(row.met_at >= start, row.met_at < end),
        and_(row.breached_at >= start, row.breached_at < end),
        and_(row.due_at >= start, row.due_at < end),
    )
