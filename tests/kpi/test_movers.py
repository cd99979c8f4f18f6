"""Movers against hand-computed baselines, on SQLite and PostgreSQL (the `runtime` fixture): a spike is
named, noise is not, and each sentence reads right in English and Chinese.

The incidents are written straight into the tables (no workflow: only their instants matter here),
each at a known local time in Shanghai (UTC+8, no summer time) unless the test says otherwise.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.domain.kpi import Period, Slice
from sqmsbot.domain.kpi.movers import Mover, movers
from sqmsbot.i18n import Translator
from sqmsbot.models import Incident, IncidentTarget, Person
from sqmsbot.presenters.movers import sentence
from sqmsbot.runtime import Runtime

TZ = "Asia/Shanghai"
DAY = date(2026, 11, 29)  # a Sunday; its baseline is 2026-11-01 … 2026-11-28
YESTERDAY = Period.day(DAY, TZ)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
ORG = load_org_config(EXAMPLE_ORG_FILE)


def local(day: date, hour: float, tz: str = TZ) -> datetime:
    """`hour` hours after local midnight of `day`, as a UTC instant."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    return (midnight + timedelta(hours=hour)).astimezone(UTC)


@dataclass(frozen=True)
class Row:
    """One incident: reported, perhaps resolved; perhaps one resolve commitment (due, met, breached)."""

    service: str
    reported: datetime
    category: str | None = None
    resolved: datetime | None = None
    due: datetime | None = None
    met: datetime | None = None
    breached: datetime | None = None
    department: str = "ops"


def seed(session: Session, rows: Iterable[Row]) -> None:
    """The rows, in two bulk inserts: incidents, and one `resolve` commitment for those with a due."""
    reporter = Person(
        platform="console", platform_user_id="rep", display_name="rep", created_at=local(date(2026, 1, 1), 0)
    )
    session.add(reporter)
    session.flush()
    incidents, targets = [], []
    for number, row in enumerate(rows, start=1):
        incidents.append(
            {
                "id": number,
                "platform": "console",
                "priority": "P3",
                "service": row.service,
                "category": row.category,
                "source": "internal",
                "title": f"Incident {number}",
                "status": "resolved" if row.resolved else "new",
                "department": row.department,
                "reporter_id": reporter.id,
                "reported_at": row.reported,
                "resolved_at": row.resolved,
                "updated_at": row.resolved or row.reported,
            }
        )
        if row.due is not None:
            targets.append(
                {
                    "incident_id": number,
                    "target": "resolve",
                    "department": row.department,
                    "policy": "*:P3",
                    "calendar": "round-the-clock",
                    "target_seconds": 4 * 3600,
                    "started_at": row.reported,
                    "due_at": row.due,
                    "met_at": row.met,
                    "breached_at": row.breached,
                    "checkpoints": {},
                    "fired": [],
                    "updated_at": row.met or row.reported,
                }
            )
    session.execute(insert(Incident), incidents)
    if targets:
        session.execute(insert(IncidentTarget), targets)


def baseline_days(first: date = DAY - timedelta(days=28), days: int = 28) -> list[date]:
    return [first + timedelta(days=i) for i in range(days)]


def run(runtime: Runtime, period: Period = YESTERDAY, **kw: object) -> list[Mover]:
    with runtime.db.transaction() as session:
        return movers(session, period=period, now=NOW, **kw)  # type: ignore[arg-type]


def steady(service: str, per_day: int, categories: tuple[str | None, ...], days: Iterable[date]) -> list[Row]:
    """`per_day` incidents each day at 09:00 local, categories taken in turn."""
    return [
        Row(service, local(day, 9 + i / 10), category=categories[i % len(categories)])
        for day in days
        for i in range(per_day)
    ]


def test_a_spike_in_one_service_is_the_only_mover(runtime: Runtime) -> None:
    """Every day 4 hotline incidents (2 people, 2 method) and 10 at the store counter (5 and 5); on
    the 29th the hotline gets 14 (7 and 7): the hotline moved, the causes (12 against 7: z 1.9) did not.

    Hotline baseline 28 × 4: median 4, MAD 0, so the Poisson floor √4 = 2 sets the scale: z = 10 / 2.
    """
    rows = [
        *steady("hotline", 4, ("man", "method"), baseline_days()),
        *steady("store", 10, ("man", "method"), baseline_days(DAY - timedelta(days=28), 29)),
        *steady("hotline", 14, ("man", "method"), [DAY]),
    ]
    with runtime.db.transaction() as session:
        seed(session, rows)
    found = run(runtime)
    assert found == [
        Mover(
            dimension="service",
            key="hotline",
            metric="volume",
            current=14.0,
            baseline=4.0,
            z=5.0,
            direction="up",
            worse=True,
            count=14,
            baseline_count=16,  # the same weekday in each of the 4 weeks before: 4 × 4
            period=YESTERDAY,
            buckets=4,
            bucket_days=1,
        )
    ]
    # Only the department's incidents count: the spike is in ops, finance saw nothing.
    assert run(runtime, slice=Slice(department="ops")) == found
    assert run(runtime, slice=Slice(department="finance")) == []
    assert run(runtime, limit=0) == []


def test_ordinary_fluctuation_names_no_mover(runtime: Runtime) -> None:
    """Poisson-like daily counts (mean 8, a fixed seed) in two services and three causes, every
    incident resolved in a log-normal time and its commitment met or not at random: nothing moved."""
    rng = random.Random(20261129)
    rows = []
    for day in baseline_days(DAY - timedelta(days=28), 29):
        for service in ("hotline", "app"):
            n = sum(1 for _ in range(80) if rng.random() < 0.1)  # binomial(80, 0.1) ≈ Poisson(8)
            for i in range(n):
                reported = local(day, 8 + i * 0.5)
                hours = rng.lognormvariate(0.7, 0.6)
                resolved = reported + timedelta(hours=hours)
                due = reported + timedelta(hours=4)
                rows.append(
                    Row(
                        service,
                        reported,
                        category=rng.choice(("man", "machine", None)),
                        resolved=resolved,
                        due=due,
                        met=resolved if resolved <= due else None,
                        breached=due if resolved > due else None,
                    )
                )
    with runtime.db.transaction() as session:
        seed(session, rows)
    counts = [
        sum(1 for r in rows if r.service == "app" and local(d, 0) <= r.reported < local(d, 24))
        for d in baseline_days()
    ]
    assert max(counts) - min(counts) >= 4  # the counts do vary
    assert run(runtime) == []


@pytest.mark.parametrize(("n", "expected"), [(1, []), (4, []), (5, [5.0])])
def test_a_flat_zero_baseline_needs_five_incidents(runtime: Runtime, n: int, expected: list[float]) -> None:
    """Nothing for 28 days, then n delivery incidents: 1 or 4 are too few to mean anything; 5 is a
    mover (z = 5 / √1: the floor of an empty baseline), in the service and in its cause."""
    with runtime.db.transaction() as session:
        seed(session, steady("delivery", n, ("material",), [DAY]))
    found = run(runtime)
    assert [m.current for m in found if m.dimension == "service"] == expected
    assert [(m.dimension, m.key, m.baseline, m.z) for m in found] == [
        (dimension, key, 0.0, 5.0) for dimension, key in (("service", "delivery"), ("category", "material"))
    ][: len(expected) * 2]


def test_a_slower_median_resolution_is_a_mover(runtime: Runtime) -> None:
    """Five app incidents a day (cause: machine) resolved in 2 h, 3 h or 4 h by day (days 0, 3, 6 … in
    2 h). The baseline is the same weekday 28, 21, 14 and 7 days before (days 0, 7, 14, 21: 2, 3, 4
    and 2 h): usually 2.5 h, the median of those days' medians. MTTR is judged in ln(hours): median
    (ln 2 + ln 3) / 2 = 0.89588, MAD 0.20273, 1.4826 × MAD = 0.30057 under the 0.35 floor. On the 29th
    six are resolved in 12 to 17 h: median 14.5 h, z = (ln 14.5 − 0.89588) / 0.35 = 5.08. Volume (6
    against 5: z 0.45) did not move. The service and its cause moved alike: both are named, service
    first."""
    rows = []
    for index, day in enumerate(baseline_days()):
        hours = 2 + index % 3
        rows += [
            Row("app", local(day, 1 + i), category="machine", resolved=local(day, 1 + i + hours))
            for i in range(5)
        ]
    rows += [
        Row("app", local(DAY, 0.5), category="machine", resolved=local(DAY, 0.5 + hours))
        for hours in (12, 13, 14, 15, 16, 17)
    ]
    with runtime.db.transaction() as session:
        seed(session, rows)
    found = run(runtime)
    assert [
        (m.dimension, m.key, m.metric, m.current, m.baseline, m.z, m.direction, m.worse) for m in found
    ] == [
        ("service", "app", "mttr", 14.5, 2.5, 5.08, "up", True),
        ("category", "machine", "mttr", 14.5, 2.5, 5.08, "up", True),
    ]
    assert (found[0].count, found[0].baseline_count) == (6, 20)
    assert run(runtime, limit=1) == found[:1]


def _app_resolved_in(hours: float, per_day: int, days: Iterable[date]) -> list[Row]:
    return [
        Row("app", local(day, 1 + i / 10), category="method", resolved=local(day, 1 + i / 10 + hours))
        for day in days
        for i in range(per_day)
    ]


def test_a_quicker_resolution_is_a_mover_for_the_better(runtime: Runtime) -> None:
    """Five a day resolved in 10 h (flat: the floor 0.35 sets the scale), then five in 2 h:
    z = ln(2 / 10) / 0.35 = −4.6, a fall, and not worse."""
    with runtime.db.transaction() as session:
        seed(session, [*_app_resolved_in(10, 5, baseline_days()), *_app_resolved_in(2, 5, [DAY])])
    found = run(runtime, limit=1)
    assert [(m.key, m.metric, m.current, m.baseline, m.z, m.direction, m.worse) for m in found] == [
        ("app", "mttr", 2.0, 10.0, -4.6, "down", False)
    ]


def test_one_mover_per_key_its_most_remarkable_metric(runtime: Runtime) -> None:
    """The same fall in MTTR (z −4.6) on a day of 20 incidents instead of 5 (z = 15 / √5 = 6.71): the
    app and its cause are each named once, for their volume."""
    with runtime.db.transaction() as session:
        seed(session, [*_app_resolved_in(10, 5, baseline_days()), *_app_resolved_in(2, 20, [DAY])])
    found = run(runtime)
    assert [(m.dimension, m.key, m.metric, m.z) for m in found] == [
        ("service", "app", "volume", 6.71),
        ("category", "method", "volume", 6.71),
    ]


def test_a_fall_in_sla_attainment_is_a_mover(runtime: Runtime) -> None:
    """Five billing incidents a day, each with a resolve commitment, all met but one on every fourth
    day. The baseline is the same weekday of the 4 weeks before (days 0, 7, 14, 21: day 0 at 80 %, the
    others 100 %): usually 19 / 20 = 95 %, MAD of the daily rates 0. On the 29th 10 commitments: 6
    met, 3 recorded breached and 1 unmet and past due by `now` (breached at its due time): 60 %.
    Binomial spread at (19 + 1) / (20 + 2) = 0.90909: √(0.90909 × 0.09091 / 10) = 0.09091 (above the
    0.05 floor): z = −0.35 / 0.09091 = −3.85. Volume (10 against 5: z 2.24) did not move.
    """
    rows = []
    for index, day in enumerate(baseline_days()):
        for i in range(5):
            reported = local(day, 9 + i / 10)
            kept = not (index % 4 == 0 and i == 0)
            rows.append(
                Row(
                    "billing",
                    reported,
                    department="finance",
                    due=reported + timedelta(hours=4),
                    met=reported + timedelta(hours=1) if kept else None,
                    breached=None if kept else reported + timedelta(hours=4),
                )
            )
    for i in range(10):
        reported = local(DAY, 9 + i / 10)
        due = reported + timedelta(hours=4)
        met = reported + timedelta(hours=2) if i < 6 else None
        rows.append(
            Row(
                "billing",
                reported,
                department="finance",
                due=due,
                met=met,
                breached=due if 6 <= i < 9 else None,
            )
        )
    with runtime.db.transaction() as session:
        seed(session, rows)
    found = run(runtime, slice=Slice(department="finance"))
    assert [
        (m.dimension, m.key, m.metric, m.current, m.baseline, m.z, m.direction, m.worse) for m in found
    ] == [
        ("service", "billing", "sla", 0.6, 0.95, -3.85, "down", True),
        ("category", "uncategorised", "sla", 0.6, 0.95, -3.85, "down", True),
    ]
    assert (found[0].count, found[0].baseline_count) == (10, 20)  # 4 same weekdays × 5 commitments


WEEK = Period.week(date(2026, 11, 23), TZ)  # Monday 23 … Sunday 29; baseline 2026-10-26 … 2026-11-22


def test_a_week_against_the_four_weeks_before(runtime: Runtime) -> None:
    """Store counter: 18, 22, 20 and 20 incidents in the four weeks before (median 20, MAD 1, so the
    Poisson floor √20 = 4.47 sets the scale), 45 in the week: z = 25 / 4.47 = 5.59. The last second of
    a week and the first of the next fall each in its own week."""
    mondays = [date(2026, 10, 26) + timedelta(weeks=w) for w in range(5)]
    rows = []
    for monday, n in zip(mondays, (18, 21, 19, 20, 45), strict=True):
        rows += [Row("store", local(monday + timedelta(days=i % 7), 10), category="man") for i in range(n)]
    rows.append(Row("store", local(mondays[1], 7 * 24 - 1 / 3600), category="man"))  # Sunday 23:59:59: 22
    rows.append(Row("store", local(mondays[2], 0), category="man"))  # the next Monday 00:00: 20
    with runtime.db.transaction() as session:
        seed(session, rows)
    found = run(runtime, period=WEEK, limit=1)
    assert found == [
        Mover(
            dimension="service",
            key="store",
            metric="volume",
            current=45.0,
            baseline=20.0,
            z=5.59,
            direction="up",
            worse=True,
            count=45,
            baseline_count=80,
            period=WEEK,
            buckets=4,
            bucket_days=7,
        )
    ]


def test_a_week_over_the_end_of_summer_time_counts_its_25_hour_sunday(runtime: Runtime) -> None:
    """London: the week of Monday 2026-10-19 ends on Sunday the 25th, 25 hours long (BST → GMT).
    Five delivery incidents every week (flat: floor √5), and in that week five more plus ten at 23:30
    GMT on the Sunday (23:30 UTC, after 7 × 24 h from the BST Monday midnight): 20, z = 15 / √5 = 6.71.
    The first baseline incident, 00:30 BST on Monday 2026-09-21 (23:30 UTC the day before), counts."""
    tz = "Europe/London"
    week = Period.week(date(2026, 10, 21), tz)
    mondays = [date(2026, 9, 21) + timedelta(weeks=w) for w in range(5)]
    rows = [
        Row("delivery", local(monday, 0.5 + i, tz), category="environment")
        for monday in mondays
        for i in range(5)
    ]
    rows += [Row("delivery", local(mondays[4], 24 * 3 + i, tz), category="environment") for i in range(5)]
    rows += [
        Row("delivery", datetime(2026, 10, 25, 23, 30, tzinfo=UTC), category="environment") for _ in range(10)
    ]
    assert rows[0].reported == datetime(2026, 9, 20, 23, 30, tzinfo=UTC)
    with runtime.db.transaction() as session:
        seed(session, rows)
    found = run(runtime, period=week, limit=1)
    assert [(m.key, m.current, m.baseline, m.z, m.baseline_count) for m in found] == [
        ("delivery", 20.0, 5.0, 6.71, 20)
    ]


def test_three_statements_whatever_the_history(runtime: Runtime) -> None:
    statements: list[str] = []

    def count(*_args: object) -> None:
        statements.append("x")

    with runtime.db.transaction() as session:
        seed(session, steady("hotline", 3, ("man", None), baseline_days(DAY - timedelta(days=120), 121)))
    event.listen(runtime.db.engine, "before_cursor_execute", count)
    try:
        run(runtime)
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", count)
    assert len(statements) == 3


def _mover(**kw: object) -> Mover:
    base = Mover(
        dimension="service",
        key="billing",
        metric="volume",
        current=14.0,
        baseline=4.0,
        z=5.0,
        direction="up",
        worse=True,
        count=14,
        baseline_count=112,
        period=YESTERDAY,
        buckets=28,
        bucket_days=1,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


EN, ZH = Translator("en"), Translator("zh_CN")
TODAY = DAY + timedelta(days=1)


@pytest.mark.parametrize(
    ("mover", "today", "en", "zh"),
    [
        (
            _mover(),
            TODAY,
            "Billing: 14 incidents yesterday, usually 4 a day (▲ 3.5×).",
            "账单与收费：昨天 14 起事件，通常每天 4 起（▲ 3.5 倍）。",
        ),
        (
            _mover(current=1.0, baseline=12.5, z=-3.2, direction="down", worse=False, count=1),
            None,
            "Billing: 1 incident on 2026-11-29, usually 12.5 a day (▼ 0.1×).",
            "账单与收费：2026-11-29 当天 1 起事件，通常每天 12.5 起（▼ 0.1 倍）。",
        ),
        (
            _mover(dimension="category", key="material", current=5.0, baseline=0.0, count=5),
            TODAY,
            "Material (cause): 5 incidents yesterday, usually none (▲).",
            "“料”类原因：昨天 5 起事件，通常没有（▲）。",
        ),
        (
            _mover(period=WEEK, buckets=4, bucket_days=7, current=45.0, baseline=20.0),
            date(2026, 11, 30),
            "Billing: 45 incidents last week, usually 20 a week (▲ 2.2×).",
            "账单与收费：上周 45 起事件，通常每周 20 起（▲ 2.2 倍）。",
        ),
        (
            _mover(dimension="category", key="uncategorised", period=WEEK, buckets=4, bucket_days=7),
            None,
            "Not categorised: 14 incidents in the week of 2026-11-23, usually 4 a week (▲ 3.5×).",
            "未分类：2026-11-23 那一周 14 起事件，通常每周 4 起（▲ 3.5 倍）。",
        ),
        (
            _mover(key="app", metric="mttr", current=9.75, baseline=3.0, z=4.55, count=6),
            TODAY,
            "Mobile app: resolved in 9.8 h (median, 6 incidents) yesterday, usually 3.0 h (▲).",
            "手机应用：昨天解决用时中位数 9.8 小时（6 起事件），通常 3.0 小时（▲）。",
        ),
        (
            _mover(metric="sla", current=0.6, baseline=0.95, z=-5.49, direction="down", count=10),
            TODAY,
            "Billing: SLA attainment 60% yesterday (10 commitments), usually 95% (▼).",
            "账单与收费：昨天 SLA 达成率 60%（10 项承诺），通常 95%（▼）。",
        ),
        (
            _mover(
                metric="sla",
                period=Period.range(date(2026, 11, 1), date(2026, 11, 30), TZ),
                bucket_days=30,
                buckets=1,
                current=0.5,
                baseline=1.0,
                count=1,
                direction="down",
            ),
            TODAY,
            "Billing: SLA attainment 50% in 2026-11-01 … 2026-11-30 (1 commitment), usually 100% (▼).",
            "账单与收费：2026-11-01 至 2026-11-30 期间 SLA 达成率 50%（1 项承诺），通常 100%（▼）。",
        ),
    ],
)
def test_one_sentence_each_in_both_languages(mover: Mover, today: date | None, en: str, zh: str) -> None:
    assert sentence(mover, t=EN, org=ORG, today=today) == en
    assert sentence(mover, t=ZH, org=ORG, today=today) == zh


def test_a_key_the_organisation_no_longer_knows_is_named_by_its_key() -> None:
    assert sentence(_mover(key="fax"), t=EN, org=ORG, today=TODAY).startswith("fax: 14 incidents")
    gone = _mover(dimension="category", key="legacy")
    assert sentence(gone, t=ZH, org=ORG, today=TODAY).startswith("“legacy”类原因：")
