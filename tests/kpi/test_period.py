"""Periods are local days: their UTC boundaries move with the zone's offset, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.domain.kpi import Period, timezone_for


def test_a_day_in_shanghai_starts_at_16_utc_the_day_before() -> None:
    day = Period.day(date(2026, 11, 23), "Asia/Shanghai")
    assert day.from_ == datetime(2026, 11, 22, 16, tzinfo=UTC)
    assert day.to == datetime(2026, 11, 23, 16, tzinfo=UTC)
    assert day.previous() == Period.day(date(2026, 11, 22), "Asia/Shanghai")


def test_the_day_summer_time_ends_has_25_hours_and_the_day_it_starts_23() -> None:
    autumn = Period.day(date(2026, 10, 25), "Europe/Berlin")
    assert autumn.from_ == datetime(2026, 10, 24, 22, tzinfo=UTC)  # CEST: UTC+2
    assert autumn.to == datetime(2026, 10, 25, 23, tzinfo=UTC)  # CET: UTC+1
    assert autumn.to - autumn.from_ == timedelta(hours=25)
    spring = Period.day(date(2026, 3, 29), "Europe/Berlin")
    assert spring.to - spring.from_ == timedelta(hours=23)
    # The day before the change is an ordinary 24 hours: previous() steps in local days, not hours.
    before = autumn.previous()
    assert (before.from_, before.to) == (datetime(2026, 10, 23, 22, tzinfo=UTC), autumn.from_)


def test_week_month_and_range_and_their_previous_periods() -> None:
    week = Period.week(date(2026, 11, 26), "UTC")  # a Thursday
    assert (week.start, week.end) == (date(2026, 11, 23), date(2026, 11, 30))
    assert week.previous().start == date(2026, 11, 16)
    march = Period.month(date(2026, 3, 15), "Europe/Berlin")
    assert (march.start, march.end) == (date(2026, 3, 1), date(2026, 4, 1))
    assert march.to - march.from_ == timedelta(days=31, hours=-1)  # the month that loses an hour
    assert march.previous() == Period(date(2026, 2, 1), date(2026, 3, 1), "Europe/Berlin", "month")
    january = Period.month(date(2026, 1, 31), "UTC").previous()
    assert (january.start, january.end) == (date(2025, 12, 1), date(2026, 1, 1))
    span = Period.range(date(2026, 11, 1), date(2026, 11, 10), "UTC")  # both days included
    assert span.days == 10 and span.last_day == date(2026, 11, 10)
    assert (span.previous().start, span.previous().end) == (date(2026, 10, 22), date(2026, 11, 1))


def test_a_period_that_ends_before_it_starts_or_in_no_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="ends after it starts"):
        Period.range(date(2026, 11, 10), date(2026, 11, 1), "UTC")
    with pytest.raises(ValueError, match="unknown time zone"):
        Period.day(date(2026, 11, 10), "Mars/Olympus")


def test_a_department_reads_periods_in_its_zone_else_the_organisations() -> None:
    org = load_org_config(EXAMPLE_ORG_FILE)
    assert timezone_for(org, "ops") == "Asia/Shanghai"
    assert timezone_for(org, None) == org.timezone
