"""What changed, not just numbers: the services and causes that moved most against their own baseline.

`movers(session, period=..., slice=..., now=..., limit=3)` compares each service and each category
(cause; `series.UNCATEGORISED` for incidents without one) in `period` with the same key's 4-week
baseline, on three metrics with the engine's definitions (sqmsbot.domain.kpi.queries):

- `volume`: incidents reported;
- `mttr`: the MEDIAN hours to resolve of the incidents resolved (last resolution) — a median, not a
  mean, because resolution times are long-tailed: one incident left open for a week would make a
  mean jump and name a "mover" where nothing changed for the customers; the median moves only when
  the typical incident is slower;
- `sla`: attainment over every target (achieved ÷ decided, a commitment decided in the bucket holding
  its breach instant, else its met instant, as `queries.sla`).

The baseline: for a period of up to a week, the same days of the week in each of the 4 weeks before
(a Monday against 4 Mondays, Friday-to-Sunday against 4 of them: volumes follow the week); for a
longer period, as many runs of its length as fit in the 28 days before it, at least one. Buckets are
runs of local days of `period.tz` (local midnights: DST-correct).

The rule that keeps noise out (constants below, tunable):
- robust z = (current − usual) / scale, with scale = max(1.4826 × MAD(baseline), floor); `usual` is
  the median of the baseline buckets for volume and MTTR, and the pooled attainment of the whole
  baseline (kept ÷ decided) for SLA: an attainment over a handful of commitments a day is lumpy —
  most days 100 %, some 60 % — so the median of daily rates says "always 100 %" of a service whose
  month ran at 87 %, and an ordinary day would look like a fall. The floor keeps a flat baseline
  (MAD 0) from making any change infinitely remarkable:
  - volume: √max(median, 1) — the spread of a Poisson count with that mean;
  - MTTR is judged in ln(hours), where resolution times are roughly normal (they are log-normal:
    a median over a handful of them easily doubles by chance, and a fall can never be as many hours
    as a rise): z = (ln current − median ln) / max(1.4826 × MAD(ln), 0.35), so with a steady baseline
    MTTR must be about 2.9× (or ⅓ of) the usual to count; and it must differ by at least 0.5 h;
  - SLA: max(0.05, √(p(1−p)/n)) — the binomial spread of an attainment over the n commitments decided
    in the period, p the baseline's pooled attainment with one kept and one broken commitment added
    (so a perfect baseline does not give a zero spread);
- enough to judge: volume up needs ≥ 5 incidents in the period, volume down a baseline median ≥ 5;
  MTTR needs ≥ 5 resolved in the period and in the baseline; SLA ≥ 5 decided commitments in the
  period and in the baseline;
- |z| ≥ 3.
At most one mover per (dimension, key) — its most remarkable metric — so the digest stays short;
sorted by |z| (most first), at most `limit`.

Three statements (one per metric), each grouping by (dimension, key, bucket) over the window of
baseline and period: a CTE reads the window once by an indexed instant (reported_at, resolved_at,
the targets' met_at/due_at/breached_at) and a UNION ALL groups it per dimension. Only those groups
come back (≤ 29 values per key); the medians and MADs over them are computed here.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
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
METRICS = ("volume", "mttr", "sla")
BASELINE_DAYS = 28
WEEK_DAYS = 7
MAD_TO_SD = 1.4826  # MAD × this estimates the standard deviation of normal data
Z_MIN = 3.0
MIN_INCIDENTS = 5  # volume up: in the period; volume down: the baseline median
MIN_RESOLVED = 5  # MTTR: resolved in the period, and in the whole baseline
MIN_DECIDED = 5  # SLA: commitments decided in the period, and in the whole baseline
MTTR_LOG_FLOOR = 0.35  # in ln(hours): z = 3 is a factor e^1.05 ≈ 2.9 either way
MTTR_MIN_CHANGE_HOURS = 0.5
SLA_FLOOR = 0.05
Z_DECIMALS = 2
HOURS_DECIMALS = 2
RATE_DECIMALS = 4


@dataclass(frozen=True)
class Mover:
    """One key whose metric moved against its baseline.

    `current` and `baseline` are in the metric's unit: incidents (volume), hours (MTTR, median),
    a fraction (SLA attainment); `baseline` is the usual figure: the median of the baseline buckets
    (volume, MTTR), the baseline's pooled attainment (SLA; see the module docstring). `count` is what the
    current figure stands on (incidents reported, resolved, or commitments decided in the period) and
    `baseline_count` the same over the whole baseline; `buckets` is how many baseline buckets of
    `bucket_days` local days there are.
    """

    dimension: str  # "service" or "category"
    key: str
    metric: str  # "volume", "mttr" or "sla"
    current: float
    baseline: float
    z: float
    direction: str  # "up" or "down"
    worse: bool
    count: int
    baseline_count: int
    period: Period
    buckets: int
    bucket_days: int


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


def _volume(
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


def _mttr(
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


def _sla(
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


def _log_hours(hours: float) -> float:
    """ln of hours, a resolution quicker than a minute counted as one minute (no log of zero)."""
    return math.log(max(hours, 1 / 60))


def _robust(values: list[float]) -> tuple[float, float]:
    """(median, MAD) of the baseline values."""
    median = statistics.median(values)
    return median, statistics.median(abs(v - median) for v in values)


def _mover(
    window: Window,
    dimension: str,
    key: str,
    metric: str,
    *,
    current: float,
    baseline: float,
    z: float,
    count: int,
    baseline_count: int,
) -> Mover:
    z = round(z, Z_DECIMALS)
    up = z > 0
    return Mover(
        dimension=dimension,
        key=key,
        metric=metric,
        current=current,
        baseline=baseline,
        z=z,
        direction="up" if up else "down",
        worse=up if metric in ("volume", "mttr") else not up,
        count=count,
        baseline_count=baseline_count,
        period=window.period,
        buckets=window.buckets,
        bucket_days=window.length,
    )


def _volume_movers(window: Window, found: dict[tuple[str, str], dict[int, int]]) -> Iterable[Mover]:
    for (dimension, key), per_bucket in found.items():
        baseline = [float(per_bucket.get(i, 0)) for i in range(window.buckets)]
        current = per_bucket.get(window.buckets, 0)
        median, mad = _robust(baseline)
        scale = max(MAD_TO_SD * mad, math.sqrt(max(median, 1.0)))
        enough = current >= MIN_INCIDENTS if current > median else median >= MIN_INCIDENTS
        if enough:
            yield _mover(
                window, dimension, key, "volume", current=float(current), baseline=median,
                z=(current - median) / scale, count=current, baseline_count=int(sum(baseline)),
            )  # fmt: skip


def _mttr_movers(
    window: Window, found: dict[tuple[str, str], dict[int, tuple[int, float]]]
) -> Iterable[Mover]:
    for (dimension, key), per_bucket in found.items():
        n, seconds = per_bucket.get(window.buckets, (0, 0.0))
        before = [per_bucket[i] for i in range(window.buckets) if i in per_bucket]
        baseline_count = sum(count for count, _ in before)
        if n < MIN_RESOLVED or baseline_count < MIN_RESOLVED:
            continue
        hours = [round(s / 3600, HOURS_DECIMALS + 2) for _, s in before]
        current = round(seconds / 3600, HOURS_DECIMALS)
        usual = statistics.median(hours)
        if abs(current - usual) < MTTR_MIN_CHANGE_HOURS:
            continue
        centre, mad = _robust([_log_hours(h) for h in hours])
        z = (_log_hours(current) - centre) / max(MAD_TO_SD * mad, MTTR_LOG_FLOOR)
        yield _mover(
            window, dimension, key, "mttr", current=current, baseline=round(usual, HOURS_DECIMALS), z=z,
            count=n, baseline_count=baseline_count,
        )  # fmt: skip


def _sla_movers(window: Window, found: dict[tuple[str, str], dict[int, tuple[int, int]]]) -> Iterable[Mover]:
    for (dimension, key), per_bucket in found.items():
        achieved, breached = per_bucket.get(window.buckets, (0, 0))
        before = [per_bucket[i] for i in range(window.buckets) if i in per_bucket and any(per_bucket[i])]
        kept = sum(a for a, _ in before)
        decided = kept + sum(b for _, b in before)
        n = achieved + breached
        if n < MIN_DECIDED or decided < MIN_DECIDED:
            continue
        _, mad = _robust([a / (a + b) for a, b in before])
        usual = round(kept / decided, RATE_DECIMALS)
        smoothed = (kept + 1) / (decided + 2)
        scale = max(MAD_TO_SD * mad, math.sqrt(smoothed * (1 - smoothed) / n), SLA_FLOOR)
        yield _mover(
            window, dimension, key, "sla", current=round(achieved / n, RATE_DECIMALS), baseline=usual,
            z=(achieved / n - kept / decided) / scale, count=n, baseline_count=decided,
        )  # fmt: skip


def movers(
    session: Session, *, period: Period, slice: Slice | None = None, now: datetime, limit: int = 3
) -> list[Mover]:
    """The services and causes of `slice` whose volume, MTTR or SLA attainment in `period` moved
    most against their baseline (the rule: the module docstring), most remarkable first.

    `now` bounds what is known, as in `compute`: an unmet commitment past due by `now` is breached.
    Three statements, whatever the history.
    """
    cut = slice or Slice()
    window = Window.of(period)
    candidates = [
        *_volume_movers(window, _volume(session, window, cut, now)),
        *_mttr_movers(window, _mttr(session, window, cut, now)),
        *_sla_movers(window, _sla(session, window, cut, now)),
    ]
    best: dict[tuple[str, str], Mover] = {}
    for mover in candidates:
        if abs(mover.z) < Z_MIN:
            continue
        seen = best.get((mover.dimension, mover.key))
        if seen is None or (abs(mover.z), -METRICS.index(mover.metric)) > (
            abs(seen.z),
            -METRICS.index(seen.metric),
        ):
            best[(mover.dimension, mover.key)] = mover
    ordered = sorted(best.values(), key=lambda m: (-abs(m.z), DIMENSIONS.index(m.dimension), m.key))
    return ordered[: max(limit, 0)]
