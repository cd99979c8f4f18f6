"""The charts' series against hand-computed fixtures, on SQLite and PostgreSQL: per local day (DST
included) and per cause, in a fixed number of statements."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from sqmsbot.domain.kpi import Period, Slice
from sqmsbot.domain.kpi.series import Day, causes, daily_series
from sqmsbot.runtime import Runtime
from tests.kpi.scenario import desk, many, one_day, utc

LATER = utc("2026-11-25 00:00")
THREE_DAYS = Period.range(date(2026, 11, 22), date(2026, 11, 24), "Asia/Shanghai")


def _fixture(runtime: Runtime) -> None:
    """Monday's five (tests/kpi/scenario.py) and, on Tuesday at 09:00 Shanghai, two P1 incidents
    caused by a machine, never acknowledged."""
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        one_day(d)
        for _ in range(2):
            d.report(utc("2026-11-24 01:00"), category="machine")


def test_a_day_per_local_day_with_reported_and_attainment(runtime: Runtime) -> None:
    _fixture(runtime)
    with runtime.db.transaction() as session:
        days = daily_series(session, period=THREE_DAYS, org=runtime.org, now=LATER)
    assert days == [
        Day(date(2026, 11, 22)),
        # acknowledge 1 of 5, first response 2 of 5, resolve 3 of 5 (tests/kpi/test_engine.py ONE_DAY)
        Day(date(2026, 11, 23), reported=5, achieved=6, breached=9),
        # two incidents never acknowledged: three commitments each, all past due on Tuesday
        Day(date(2026, 11, 24), reported=2, achieved=0, breached=6),
    ]
    assert [d.attainment for d in days] == [None, 0.4, 0.0]


def test_a_slice_and_an_empty_period(runtime: Runtime) -> None:
    _fixture(runtime)
    with runtime.db.transaction() as session:
        finance = daily_series(
            session, period=THREE_DAYS, slice=Slice(department="finance"), org=runtime.org, now=LATER
        )
        empty = causes(session, period=Period.day(date(2026, 11, 1), "Asia/Shanghai"))
    assert finance == [Day(date(2026, 11, d)) for d in (22, 23, 24)]
    assert empty == []


def test_the_local_day_of_an_instant_follows_summer_time(runtime: Runtime) -> None:
    """London leaves summer time at 01:00 UTC on 2026-10-25: that local day is 25 hours long."""
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        for at in ("2026-10-24 22:30", "2026-10-24 23:30", "2026-10-25 23:30", "2026-10-26 00:30"):
            d.report(utc(at), priority="P4")
    period = Period.range(date(2026, 10, 24), date(2026, 10, 26), "Europe/London")
    with runtime.db.transaction() as session:
        days = daily_series(session, period=period, org=runtime.org, now=utc("2026-10-24 00:00"))
    # 23:30 BST on the 24th; 00:30 BST and 23:30 GMT on the 25th; 00:30 GMT on the 26th
    assert [(d.day.day, d.reported) for d in days] == [(24, 1), (25, 2), (26, 1)]


def test_causes_most_first_with_the_uncategorised(runtime: Runtime) -> None:
    _fixture(runtime)
    with runtime.db.transaction() as session:
        assert causes(session, period=THREE_DAYS) == [("uncategorised", 5), ("machine", 2)]
        tuesday = Period.day(date(2026, 11, 24), "Asia/Shanghai")
        assert causes(session, period=tuesday) == [("machine", 2)]
        assert causes(session, period=THREE_DAYS, slice=Slice(category="machine")) == [("machine", 2)]


def test_the_number_of_statements_does_not_grow_with_the_incidents_or_days(runtime: Runtime) -> None:
    statements: list[str] = []

    def count(*_args: object) -> None:
        statements.append("x")

    with runtime.db.transaction() as session:
        many(desk(session, runtime.org), 30, utc("2026-11-23 01:00"))
    month = Period.month(date(2026, 11, 1), "Asia/Shanghai")
    event.listen(runtime.db.engine, "before_cursor_execute", count)
    try:
        with runtime.db.transaction() as session:
            days = daily_series(session, period=month, org=runtime.org, now=LATER)
            causes(session, period=month)
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", count)
    assert len(days) == 30 and sum(d.reported for d in days) == 30
    assert len(statements) == 3
