"""The movers' statements: per (dimension, key, bucket) counts, median times to resolve, and
commitments kept and broken, over the baseline buckets and the period (sqmsbot.domain.kpi.movers
decides who moved). One statement per metric, built once per window shape with its instants as
parameters (sqmsbot.domain.kpi.prepared), reading only the days compared by their indexes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from sqmsbot.domain.kpi import prepared
from sqmsbot.domain.kpi.commitments import broken_flag, decided_at, kept_flag, touching
from sqmsbot.domain.kpi.period import Period, local_midnight
from sqmsbot.domain.kpi.series import UNCATEGORISED
from sqmsbot.domain.kpi.slice import Slice
from sqmsbot.domain.kpi.sql import seconds_between
from sqmsbot.models import Incident, IncidentTarget

DIMENSIONS = ("service", "category")
BASELINE_DAYS = 28
WEEK_DAYS = 7


@dataclass(frozen=True)
class Shape:
    """A window's form, without its dates: `buckets` baseline buckets of `length` local days, each
    `step` days before the next, then the period. Statements are built once per shape
    (sqmsbot.domain.kpi.prepared), their instants named: each bucket's `bucket_start_i` and
    `bucket_end_i` (the period is bucket `buckets`), and `now`."""

    buckets: int
    length: int
    step: int

    def _bounds(self) -> list[tuple[Any, Any]]:
        starts = prepared.numbered("bucket_start", self.buckets + 1)
        ends = prepared.numbered("bucket_end", self.buckets + 1)
        return list(zip(starts, ends, strict=True))

    def within(self, column: Any) -> ColumnElement[bool]:
        """`column` in one of the buckets: a range per bucket, so that the indexes read the few days
        compared (a Monday and 4 Mondays), not the 29 days that span them."""
        return or_(*(and_(column >= start, column < end) for start, end in self._bounds()))

    def touched(self) -> ColumnElement[bool]:
        """Commitments met, breached or due in one of the buckets (the indexed prefilter)."""
        return or_(*(touching(start, end) for start, end in self._bounds()))

    def index(self, column: Any) -> ColumnElement[Any]:
        """The bucket holding `column` (NULL between buckets and outside the window)."""
        starts = prepared.numbered("bucket_start", self.buckets + 1)
        ends = prepared.numbered("bucket_end", self.buckets + 1)
        return case(
            *(
                (and_(column >= start, column < end), literal_column(str(i)))
                for i, (start, end) in enumerate(zip(starts, ends, strict=True))
            ),
            else_=None,
        )


@dataclass(frozen=True)
class Window:
    """The baseline buckets and the period: indexes 0 … `buckets` − 1 are the baseline (oldest
    first), index `buckets` is the period itself.

    A period of a week or less is compared with the same days of the week in each of the 4 weeks
    before it (a Monday with Mondays, Friday-to-Sunday with Fridays-to-Sundays): service volumes
    follow the week, and a baseline of every day would make each quiet Sunday a "fall". A longer
    period is compared with the runs of as many days before it that fit in 28 days (at least one).
    """

    period: Period
    buckets: int
    length: int
    step: int

    @classmethod
    def of(cls, period: Period) -> Window:
        if period.days <= WEEK_DAYS:
            return cls(period=period, buckets=BASELINE_DAYS // WEEK_DAYS, length=period.days, step=WEEK_DAYS)
        return cls(
            period=period, buckets=max(1, BASELINE_DAYS // period.days), length=period.days, step=period.days
        )

    @property
    def shape(self) -> Shape:
        return Shape(buckets=self.buckets, length=self.length, step=self.step)

    def params(self, now: datetime) -> dict[str, Any]:
        """The instants of `shape`'s statements for this window, and `now`."""
        tz = self.period.tz
        firsts = [
            self.period.start - timedelta(days=(self.buckets - i) * self.step)
            for i in range(self.buckets + 1)
        ]
        starts = [local_midnight(first, tz) for first in firsts]
        ends = [local_midnight(first + timedelta(days=self.length), tz) for first in firsts]
        return {
            "now": now,
            **prepared.values("bucket_start", starts),
            **prepared.values("bucket_end", ends),
        }


def _key_columns() -> list[ColumnElement[Any]]:
    return [
        Incident.service.label("service"),
        func.coalesce(Incident.category, UNCATEGORISED).label("category"),
    ]


def _per_dimension(
    window_rows: CTE, columns: Callable[[ColumnElement[Any]], list[ColumnElement[Any]]], *, group: bool = True
) -> CompoundSelect[Any]:
    """`columns(key)` over `window_rows` once per dimension (grouped by key and bucket unless
    `group` is false), as one UNION ALL: the window is read once, by the CTE."""
    parts = []
    for dimension in DIMENSIONS:
        key = window_rows.c[dimension]
        part = select(
            literal_column(f"'{dimension}'").label("dimension"),
            key.label("key"),
            window_rows.c.bucket.label("bucket"),
            *columns(key),
        )
        parts.append(part.group_by(key, window_rows.c.bucket) if group else part)
    return union_all(*parts)


@lru_cache(maxsize=prepared.CACHED_SHAPES)
def _volume_statement(cut: Slice, shape: Shape) -> CompoundSelect[Any]:
    rows = (
        select(*_key_columns(), shape.index(Incident.reported_at).label("bucket"))
        .where(cut.where(), shape.within(Incident.reported_at))
        .cte("window_reported")
    )
    return _per_dimension(rows, lambda key: [func.count()])


def volume_per_bucket(
    session: Session, window: Window, cut: Slice, now: datetime
) -> dict[tuple[str, str], dict[int, int]]:
    found: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    statement = _volume_statement(cut, window.shape)
    for dimension, key, bucket, n in session.execute(statement, window.params(now)).tuples():
        if bucket is None:  # between the buckets: another day of the week
            continue
        found[(dimension, key)][int(bucket)] = int(n)
    return found


@lru_cache(maxsize=prepared.CACHED_SHAPES)
def _mttr_statement(cut: Slice, shape: Shape) -> Select[Any]:
    """Per (dimension, key, bucket): resolved, and the median seconds to resolve by ranks within each
    group, as sqmsbot.domain.kpi.sql does for one group (the mean of the two middle values when even)."""
    rows = (
        select(
            *_key_columns(),
            shape.index(Incident.resolved_at).label("bucket"),
            seconds_between(Incident.resolved_at, Incident.reported_at).label("seconds"),
        )
        .where(cut.where(), shape.within(Incident.resolved_at))
        .cte("window_resolved")
    )
    ranked = _per_dimension(
        rows,
        lambda key: [
            rows.c.seconds.label("seconds"),
            func.row_number().over(partition_by=[key, rows.c.bucket], order_by=rows.c.seconds).label("rn"),
            func.count().over(partition_by=[key, rows.c.bucket]).label("n"),
        ],
        group=False,
    ).subquery("ranked")
    h = (ranked.c.n - 1).self_group()  # the median's rank (n − 1) / 2, kept ×2: an integer
    below = h.op("/")(literal_column("2")) + 1
    weight = cast(h.op("%")(literal_column("2")), Float) / 2.0
    median = func.sum(
        case(
            (ranked.c.rn == below, ranked.c.seconds * (1 - weight)),
            (ranked.c.rn == below + 1, ranked.c.seconds * weight),
            else_=0.0,
        )
    )
    return select(ranked.c.dimension, ranked.c.key, ranked.c.bucket, func.count(), median).group_by(
        ranked.c.dimension, ranked.c.key, ranked.c.bucket
    )


def mttr_per_bucket(
    session: Session, window: Window, cut: Slice, now: datetime
) -> dict[tuple[str, str], dict[int, tuple[int, float]]]:
    """(key) → bucket → (resolved, median seconds to resolve)."""
    found: dict[tuple[str, str], dict[int, tuple[int, float]]] = defaultdict(dict)
    statement = _mttr_statement(cut, window.shape)
    for dimension, key, bucket, n, seconds in session.execute(statement, window.params(now)).tuples():
        if bucket is None:
            continue
        found[(dimension, key)][int(bucket)] = (int(n), float(seconds))
    return found


@lru_cache(maxsize=prepared.CACHED_SHAPES)
def _sla_statement(cut: Slice, shape: Shape) -> CompoundSelect[Any]:
    """Per (dimension, key, bucket): commitments kept and broken, every target, with the shared
    definitions (sqmsbot.domain.kpi.commitments).

    The commitments decided in the window are read first, by their instants' indexes, into a
    MATERIALIZED CTE, and only then joined to their incidents for the slice: joined in one step,
    SQLite (which has no statistics on ranges of bound values) would rather walk all of a
    department's incidents through the department index and every one of their commitments —
    the whole history, not the window.
    """
    row = IncidentTarget
    now = prepared.instant("now")
    decided = (
        select(
            row.incident_id.label("incident_id"),
            decided_at(now).label("decided"),
            kept_flag(now).label("achieved"),
            broken_flag(now).label("breached"),
        )
        .where(
            shape.touched(),
            shape.within(decided_at(now)),
            *([row.department == cut.department] if cut.department is not None else []),
        )
        .cte("window_targets")
        .prefix_with("MATERIALIZED")
    )
    rows = (
        select(
            *_key_columns(),
            shape.index(decided.c.decided).label("bucket"),
            decided.c.achieved.label("achieved"),
            decided.c.breached.label("breached"),
        )
        .select_from(decided)
        .join(Incident, decided.c.incident_id == Incident.id)
        .where(cut.where())
        .cte("window_decided")
    )
    return _per_dimension(rows, lambda key: [func.sum(rows.c.achieved), func.sum(rows.c.breached)])


def sla_per_bucket(
    session: Session, window: Window, cut: Slice, now: datetime
) -> dict[tuple[str, str], dict[int, tuple[int, int]]]:
    """(key) → bucket → (achieved, breached)."""
    found: dict[tuple[str, str], dict[int, tuple[int, int]]] = defaultdict(dict)
    statement = _sla_statement(cut, window.shape)
    for dimension, key, bucket, achieved, breached in session.execute(statement, window.params(now)).tuples():
        if bucket is None:
            continue
        found[(dimension, key)][int(bucket)] = (int(achieved or 0), int(breached or 0))
    return found
