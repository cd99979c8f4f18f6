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

Three statements (one per metric, sqmsbot.domain.kpi.movers_sql), each grouping by (dimension, key,
bucket) over the buckets compared: a CTE reads them once by an indexed instant (reported_at,
resolved_at, the targets' met_at/due_at/breached_at), one range per bucket, and a UNION ALL groups
them per dimension. Only those groups come back (at most 29 values per key); the medians and MADs
over them are computed here.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sqmsbot.domain.kpi.movers_sql import (
    DIMENSIONS,
    Window,
    mttr_per_bucket,
    sla_per_bucket,
    volume_per_bucket,
)
from sqmsbot.domain.kpi.period import Period
from sqmsbot.domain.kpi.slice import Slice

METRICS = ("volume", "mttr", "sla")
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
        *_volume_movers(window, volume_per_bucket(session, window, cut, now)),
        *_mttr_movers(window, mttr_per_bucket(session, window, cut, now)),
        *_sla_movers(window, sla_per_bucket(session, window, cut, now)),
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
