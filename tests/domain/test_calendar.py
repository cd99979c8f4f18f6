"""Business-time calendar: worked examples a person can check by hand, and a minute-by-minute oracle.

The oracle defines business time the way a person reads it off a wall clock: a UTC minute counts when its
local reading lies inside a working span of a working date and outside every pause. The calendar module
walks day by day over spans instead, so agreement over random calendars, zones and pauses is the real test.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, pairwise
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqmsbot.calendar import (
    BusinessCalendar,
    WorkingSpan,
    add_business_time,
    business_time_between,
    next_working_instant,
)

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
Pause = tuple[datetime, datetime | None]


def at(text: str) -> datetime:
    """An instant written with its UTC offset, as a person would read it in that place."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value.astimezone(UTC)


def shanghai(
    hours: str | Sequence[str] | Mapping[str, str | Sequence[str]] = "09:00-18:00",
    adjusted_day_hours: str | None = None,
) -> BusinessCalendar:
    return BusinessCalendar.from_spec(
        timezone="Asia/Shanghai", hours=hours, holidays_country="CN", adjusted_day_hours=adjusted_day_hours
    )


# --- China 2026, from the holidays package (0.109, State Council notice of Nov 2025) -----------------------
#
# holidays.country_holidays("CN", years=2026) lists, around the Spring Festival:
#   Mon Feb 16 除夕 (New Year's Eve), Tue–Thu Feb 17–19 春节, Fri Feb 20 day off swapped from Sat Feb 14,
#   Mon Feb 23 day off swapped from Sat Feb 28; and weekend_workdays contains Sat Feb 14 and Sat Feb 28.
# So the break is Sun Feb 15 – Mon Feb 23 (nine days) and both Saturdays Feb 14 and Feb 28 are working days.


def test_the_package_still_says_what_the_worked_examples_assume() -> None:
    table = holidays.country_holidays("CN", years=2026)
    days_off = {day for day in table if date(2026, 2, 10) <= day <= date(2026, 3, 1)}
    assert days_off == {date(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)}
    assert table.is_working_day(date(2026, 2, 14)) and table.is_working_day(date(2026, 2, 28))
    assert not table.is_working_day(date(2026, 2, 15)) and not table.is_working_day(date(2026, 2, 22))


def test_spring_festival_2026_makeup_saturday_counts_and_the_break_does_not() -> None:
    calendar = shanghai()
    # Fri Feb 13 17:00–18:00 is 1 h, leaving 8 h. Sat Feb 14 is an official makeup working day (it pays for
    # Fri Feb 20) so it works the usual 09:00–18:00: 09:00 + 8 h = Sat Feb 14 17:00 +08:00 = 09:00 UTC.
    start = at("2026-02-13T17:00+08:00")
    assert add_business_time(calendar, start=start, duration=9 * HOUR) == at("2026-02-14T17:00+08:00")
    # 18 h: 1 h Friday + 9 h makeup Saturday = 10 h. Sun 15 is weekend, Mon 16 – Fri 20 and Mon 23 are days
    # off, Sat 21 / Sun 22 weekend; work resumes Tue Feb 24 09:00, + 8 h = 17:00 +08:00.
    assert add_business_time(calendar, start=start, duration=18 * HOUR) == at("2026-02-24T17:00+08:00")
    # Without the official calendar the same 9 h run into the ordinary week instead.
    plain = BusinessCalendar.from_spec(timezone="Asia/Shanghai", hours="09:00-18:00")
    assert add_business_time(plain, start=start, duration=9 * HOUR) == at("2026-02-16T17:00+08:00")


def test_spring_festival_2026_day_by_day() -> None:
    calendar = shanghai()
    nine_to_six = (WorkingSpan.parse("09:00-18:00"),)
    assert calendar.hours_on(date(2026, 2, 14)) == nine_to_six
    assert calendar.hours_on(date(2026, 2, 28)) == nine_to_six
    for day in (15, 16, 17, 18, 19, 20, 21, 22, 23):
        assert calendar.hours_on(date(2026, 2, day)) == (), day
    # Feb 13 9 h + Feb 14 9 h + Feb 24–27 4 × 9 h + Feb 28 9 h = 63 h.
    elapsed = business_time_between(
        calendar, start=at("2026-02-13T09:00+08:00"), end=at("2026-03-02T09:00+08:00")
    )
    assert elapsed == 63 * HOUR


def test_second_makeup_saturday_and_a_start_on_a_holiday() -> None:
    calendar = shanghai()
    assert add_business_time(calendar, start=at("2026-02-27T17:00+08:00"), duration=2 * HOUR) == at(
        "2026-02-28T10:00+08:00"
    )
    # Reported on the first day of the festival: nothing counts until the break is over.
    assert next_working_instant(calendar, at=at("2026-02-17T10:00+08:00")) == at("2026-02-24T09:00+08:00")
    assert add_business_time(calendar, start=at("2026-02-17T10:00+08:00"), duration=30 * MINUTE) == at(
        "2026-02-24T09:30+08:00"
    )


def test_makeup_day_on_a_weekday_that_has_its_own_hours_keeps_them() -> None:
    calendar = shanghai({"mon-fri": "09:00-18:00", "sat": "10:00-14:00"})
    assert calendar.hours_on(date(2026, 2, 14)) == (WorkingSpan.parse("10:00-14:00"),)
    assert calendar.hours_on(date(2026, 2, 21)) == (WorkingSpan.parse("10:00-14:00"),)  # ordinary Saturday


def test_adjusted_day_hours_set_what_a_makeup_weekend_day_works() -> None:
    calendar = shanghai({"mon": "08:00-12:00", "tue-fri": "09:00-18:00"}, adjusted_day_hours="10:00-16:00")
    assert calendar.hours_on(date(2026, 2, 14)) == (WorkingSpan.parse("10:00-16:00"),)
    defaulted = shanghai({"mon": "08:00-12:00", "tue-fri": "09:00-18:00"})
    assert defaulted.hours_on(date(2026, 2, 14)) == (WorkingSpan.parse("08:00-12:00"),)


# --- Ordinary weeks -----------------------------------------------------------------------------------------


def test_start_inside_lunch_break_waits_for_the_afternoon() -> None:
    calendar = shanghai("09:00-12:00, 13:00-18:00")
    assert add_business_time(calendar, start=at("2026-03-02T12:30+08:00"), duration=HOUR) == at(
        "2026-03-02T14:00+08:00"
    )
    assert add_business_time(calendar, start=at("2026-03-02T11:30+08:00"), duration=HOUR) == at(
        "2026-03-02T13:30+08:00"
    )
    assert business_time_between(
        calendar, start=at("2026-03-02T11:00+08:00"), end=at("2026-03-02T14:00+08:00")
    ) == (2 * HOUR)


def test_week_boundary() -> None:
    calendar = shanghai()
    friday_late = at("2026-03-06T17:00+08:00")
    assert add_business_time(calendar, start=friday_late, duration=2 * HOUR) == at("2026-03-09T10:00+08:00")
    assert next_working_instant(calendar, at=at("2026-03-08T23:59+08:00")) == at("2026-03-09T09:00+08:00")
    assert business_time_between(calendar, start=friday_late, end=at("2026-03-09T10:00+08:00")) == 2 * HOUR


def test_due_exactly_at_closing_time_is_closing_time_but_zero_duration_waits_for_opening() -> None:
    calendar = shanghai()
    morning = at("2026-03-02T09:00+08:00")
    assert add_business_time(calendar, start=morning, duration=9 * HOUR) == at("2026-03-02T18:00+08:00")
    assert add_business_time(calendar, start=morning, duration=timedelta(0)) == morning
    closing = at("2026-03-02T18:00+08:00")
    assert add_business_time(calendar, start=closing, duration=timedelta(0)) == at("2026-03-03T09:00+08:00")


def test_night_shift_across_midnight_and_a_span_ending_at_24() -> None:
    night = BusinessCalendar.from_spec(timezone="UTC", hours={"mon-sun": ["22:00-24:00", "00:00-06:00"]})
    assert add_business_time(night, start=at("2026-05-04T23:30Z"), duration=HOUR) == at("2026-05-05T00:30Z")
    assert add_business_time(night, start=at("2026-05-04T05:30Z"), duration=HOUR) == at("2026-05-04T22:30Z")
    mondays = BusinessCalendar.from_spec(timezone="UTC", hours={"monday": "00:00-24:00"})
    assert add_business_time(mondays, start=at("2026-05-04T23:00Z"), duration=2 * HOUR) == at(
        "2026-05-11T01:00Z"
    )


def test_custom_holidays_and_custom_workdays() -> None:
    calendar = BusinessCalendar.from_spec(
        timezone="Europe/Berlin",
        hours="09:00-17:00",
        custom_holidays=[date(2026, 6, 1)],
        custom_workdays={date(2026, 6, 6): None, date(2026, 6, 7): "10:00-12:00"},
    )
    assert calendar.hours_on(date(2026, 6, 1)) == ()
    assert calendar.hours_on(date(2026, 6, 6)) == (WorkingSpan.parse("09:00-17:00"),)  # a Saturday
    assert calendar.hours_on(date(2026, 6, 7)) == (WorkingSpan.parse("10:00-12:00"),)  # a Sunday
    # Fri Jun 5 16:00 +1 h, Sat 8 h, Sun 2 h = 11 h by Sunday noon; 1 h more is Monday Jun 8 10:00.
    start = at("2026-06-05T16:00+02:00")
    assert add_business_time(calendar, start=start, duration=11 * HOUR) == at("2026-06-07T12:00+02:00")
    assert add_business_time(calendar, start=start, duration=12 * HOUR) == at("2026-06-08T10:00+02:00")
    listed = BusinessCalendar.from_spec(
        timezone="UTC", hours="09:00-17:00", custom_workdays=[date(2026, 6, 6)]
    )
    assert listed.hours_on(date(2026, 6, 6)) == (WorkingSpan.parse("09:00-17:00"),)


def test_always_open() -> None:
    calendar = BusinessCalendar.from_spec(timezone="America/New_York", always_open=True)
    start = at("2026-03-07T12:00Z")  # across the New York spring-forward night: 24×7 does not care
    assert add_business_time(calendar, start=start, duration=timedelta(days=3)) == start + timedelta(days=3)
    pauses: list[Pause] = [(at("2026-03-08T00:00Z"), at("2026-03-08T02:00Z"))]
    assert add_business_time(
        calendar, start=start, duration=timedelta(days=3), pauses=pauses
    ) == start + timedelta(days=3, hours=2)
    assert business_time_between(calendar, start=start, end=start + timedelta(days=400)) == timedelta(
        days=400
    )
    assert next_working_instant(calendar, at=start) == start


# --- Pauses -------------------------------------------------------------------------------------------------


def test_pauses_stop_the_clock() -> None:
    calendar = shanghai()
    start = at("2026-03-02T09:00+08:00")
    waiting: list[Pause] = [(at("2026-03-02T10:00+08:00"), at("2026-03-02T11:30+08:00"))]
    assert add_business_time(calendar, start=start, duration=4 * HOUR, pauses=waiting) == at(
        "2026-03-02T14:30+08:00"
    )
    overnight: list[Pause] = [(at("2026-03-02T17:00+08:00"), at("2026-03-03T10:00+08:00"))]
    assert add_business_time(
        calendar, start=at("2026-03-02T16:00+08:00"), duration=2 * HOUR, pauses=overnight
    ) == at("2026-03-03T11:00+08:00")
    overlapping: list[Pause] = [
        (at("2026-03-02T10:00+08:00"), at("2026-03-02T11:00+08:00")),
        (at("2026-03-02T10:30+08:00"), at("2026-03-02T12:00+08:00")),
        (at("2026-03-02T12:00+08:00"), at("2026-03-02T12:00+08:00")),
    ]
    assert business_time_between(
        calendar, start=start, end=at("2026-03-02T18:00+08:00"), pauses=overlapping
    ) == (7 * HOUR)


def test_open_pause_means_no_due_time_unless_the_target_was_already_missed() -> None:
    calendar = shanghai()
    start = at("2026-03-02T09:00+08:00")
    still_waiting: list[Pause] = [(at("2026-03-02T11:00+08:00"), None)]
    assert add_business_time(calendar, start=start, duration=4 * HOUR, pauses=still_waiting) is None
    late_pause: list[Pause] = [(at("2026-03-02T14:00+08:00"), None)]
    assert add_business_time(calendar, start=start, duration=4 * HOUR, pauses=late_pause) == at(
        "2026-03-02T13:00+08:00"
    )
    assert business_time_between(
        calendar, start=start, end=at("2026-03-03T18:00+08:00"), pauses=still_waiting
    ) == (2 * HOUR)


def test_bad_instants_and_pauses_are_refused() -> None:
    calendar = shanghai()
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(calendar, start=datetime(2026, 3, 2, 9), duration=HOUR)
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        business_time_between(
            calendar,
            start=at("2026-03-02T09:00Z"),
            end=at("2026-03-03T09:00Z"),
            pauses=[(at("2026-03-02T12:00Z"), at("2026-03-02T11:00Z"))],
        )
    with pytest.raises(ValueError, match="negative"):
        add_business_time(calendar, start=at("2026-03-02T09:00Z"), duration=-HOUR)
    assert business_time_between(
        calendar, start=at("2026-03-03T09:00Z"), end=at("2026-03-02T09:00Z")
    ) == timedelta(0)


# --- Daylight saving time -----------------------------------------------------------------------------------


def test_new_york_2026_spring_forward_and_fall_back_days() -> None:
    all_day = BusinessCalendar.from_spec(timezone="America/New_York", hours={"mon-sun": "00:00-24:00"})
    march_8 = business_time_between(
        all_day, start=at("2026-03-08T00:00-05:00"), end=at("2026-03-09T00:00-04:00")
    )
    assert march_8 == 23 * HOUR
    november_1 = business_time_between(
        all_day, start=at("2026-11-01T00:00-04:00"), end=at("2026-11-02T00:00-05:00")
    )
    assert november_1 == 25 * HOUR
    early = BusinessCalendar.from_spec(timezone="America/New_York", hours={"sun": "01:00-04:00"})
    # 01:00–02:00 EST, then the clock jumps to 03:00 EDT: 2 real hours. In November 01:00–02:00 repeats: 4.
    assert (
        business_time_between(early, start=at("2026-03-08T00:00Z"), end=at("2026-03-09T00:00Z")) == 2 * HOUR
    )
    assert (
        business_time_between(early, start=at("2026-11-01T00:00Z"), end=at("2026-11-02T00:00Z")) == 4 * HOUR
    )
    # A span made only of wall-clock time that never happens is no working time that day.
    skipped = BusinessCalendar.from_spec(timezone="America/New_York", hours={"mon-sun": "02:00-03:00"})
    assert next_working_instant(skipped, at=at("2026-03-08T00:00-05:00")) == at("2026-03-09T02:00-04:00")


def test_new_york_office_week_across_spring_forward() -> None:
    office = BusinessCalendar.from_spec(timezone="America/New_York", hours="09:00-17:00")
    # Fri Mar 6 16:00 EST + 1 h = 17:00; Monday Mar 9 is on EDT: 09:00 EDT + 1 h = 10:00 EDT = 14:00 UTC.
    due = add_business_time(office, start=at("2026-03-06T16:00-05:00"), duration=2 * HOUR)
    assert due == at("2026-03-09T10:00-04:00") == at("2026-03-09T14:00Z")


def test_london_2026_clock_changes() -> None:
    small_hours = BusinessCalendar.from_spec(timezone="Europe/London", hours={"sun": "00:00-03:00"})
    assert business_time_between(small_hours, start=at("2026-03-29T00:00Z"), end=at("2026-03-30T00:00Z")) == (
        2 * HOUR
    )
    assert business_time_between(
        small_hours, start=at("2026-10-25T00:00+01:00"), end=at("2026-10-26T00:00Z")
    ) == (4 * HOUR)
    # 01:30–02:00 happens twice on Oct 25 (00:30–01:00 UTC on BST, 01:30–02:00 UTC on GMT), with a real half
    # hour in between that reads 01:00–01:30 GMT and does not count.
    repeated = BusinessCalendar.from_spec(timezone="Europe/London", hours={"sun": "01:30-02:00"})
    sunday = at("2026-10-25T00:00Z")
    assert business_time_between(repeated, start=sunday, end=sunday + timedelta(days=1)) == HOUR
    assert add_business_time(repeated, start=sunday, duration=45 * MINUTE) == at("2026-10-25T01:45Z")
    office = BusinessCalendar.from_spec(timezone="Europe/London", hours="09:00-17:30")
    assert add_business_time(office, start=at("2026-10-23T17:00+01:00"), duration=HOUR) == at(
        "2026-10-26T09:30Z"
    )


# --- Calendars that cannot work -----------------------------------------------------------------------------


def test_calendar_without_any_future_working_time_gives_a_clear_error() -> None:
    past_only = BusinessCalendar.from_spec(
        timezone="UTC", hours={}, custom_workdays={date(2020, 1, 6): "09:00-10:00"}
    )
    with pytest.raises(ValueError, match="no working time in the ten years"):
        next_working_instant(past_only, at=at("2026-03-02T09:00Z"))
    with pytest.raises(ValueError, match="no working time in the ten years"):
        add_business_time(past_only, start=at("2026-03-02T09:00Z"), duration=HOUR)
    first_monday = date(2026, 3, 2)
    mondays_all_off = BusinessCalendar.from_spec(
        timezone="UTC",
        hours={"mon": "09:00-17:00"},
        custom_holidays=[first_monday + timedelta(weeks=n) for n in range(12 * 53)],
    )
    with pytest.raises(ValueError, match="no working time"):
        add_business_time(mondays_all_off, start=at("2026-03-01T09:00Z"), duration=HOUR)
    assert business_time_between(past_only, start=at("2026-01-01T00:00Z"), end=at("2046-01-01T00:00Z")) == (
        timedelta(0)
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons", "hours": "09:00-18:00"}, "unknown time zone"),
        ({"timezone": "UTC", "hours": "18:00-09:00"}, "ends before it starts"),
        ({"timezone": "UTC", "hours": "09:00-12:00, 11:00-13:00"}, "overlap"),
        ({"timezone": "UTC", "hours": "9am-5pm"}, "HH:MM-HH:MM"),
        ({"timezone": "UTC", "hours": "09:00-24:30"}, "impossible time"),
        ({"timezone": "UTC", "hours": {"funday": "09:00-18:00"}}, "weekday name"),
        ({"timezone": "UTC", "hours": {"mon-fri": "09:00-18:00", "fri": "10:00-12:00"}}, "given twice"),
        ({"timezone": "UTC", "hours": "09:00-18:00", "holidays_country": "XX"}, "country code"),
        (
            {"timezone": "UTC", "hours": "09:00-18:00", "holidays_country": "US", "holidays_subdiv": "ZZ"},
            "subdiv",
        ),
        ({"timezone": "UTC"}, "hours are required"),
        ({"timezone": "UTC", "hours": {}}, "no working hours"),
        ({"timezone": "UTC", "hours": "09:00-18:00", "always_open": True}, "takes no hours"),
        ({"timezone": "UTC", "always_open": True, "holidays_country": "CN"}, "takes no hours or holidays"),
        (
            {
                "timezone": "UTC",
                "hours": "09:00-18:00",
                "custom_holidays": [date(2026, 5, 1)],
                "custom_workdays": [date(2026, 5, 1)],
            },
            "both a custom holiday and a working day",
        ),
        (
            {"timezone": "UTC", "hours": "09:00-18:00", "custom_holidays": [datetime(2026, 5, 1)]},
            "must be dates",
        ),
    ],
)
def test_bad_specs_are_refused_with_a_reason(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar.from_spec(**spec)  # type: ignore[arg-type]


def test_calendar_is_immutable_and_hashable() -> None:
    first, second = shanghai("09:00-12:00,13:00-18:00"), shanghai(["13:00-18:00", "09:00-12:00"])
    assert first == second and hash(first) == hash(second)
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.timezone = "UTC"  # type: ignore[misc]
    assert str(first.weekly[0][1]) == "13:00-18:00" and first.weekly[5] == ()


# --- The oracle ---------------------------------------------------------------------------------------------

# Each zone with UTC instants at its 2026 clock changes; Shanghai with the Chinese makeup working days.
ZONE_ANCHORS: dict[str, tuple[str, ...]] = {
    "America/New_York": ("2026-03-08T07:00Z", "2026-11-01T06:00Z"),
    "Europe/London": ("2026-03-29T01:00Z", "2026-10-25T01:00Z"),
    "Australia/Lord_Howe": ("2026-04-04T15:00Z", "2026-10-03T15:30Z"),  # half-hour DST shift
    "America/St_Johns": ("2026-03-08T05:30Z", "2026-11-01T04:30Z"),  # half-hour offset with DST
    "Asia/Shanghai": (
        "2025-12-31T12:00Z",  # New Year, makeup Sun Jan 4
        "2026-02-14T01:00Z",  # Spring Festival, makeup Sat Feb 14
        "2026-02-27T01:00Z",  # makeup Sat Feb 28
        "2026-05-08T00:00Z",  # makeup Sat May 9
        "2026-09-19T00:00Z",  # makeup Sun Sep 20
        "2026-10-08T00:00Z",  # makeup Sat Oct 10
    ),
    "Asia/Kolkata": (),
    "UTC": (),
}
ALL_ANCHORS = tuple(sorted({text for texts in ZONE_ANCHORS.values() for text in texts}))
WINDOW_MINUTES = 7 * 24 * 60
MINUTE_IN_WINDOW = st.integers(0, WINDOW_MINUTES)
CN_TABLE = holidays.country_holidays("CN", years=range(2025, 2028))
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Drawn:
    """One random calendar, kept as plain data so the oracle reads it independently of the module."""

    zone: str
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    china: bool
    custom_holidays: frozenset[date]
    custom_workdays: frozenset[date]
    custom_hours: tuple[tuple[date, tuple[tuple[int, int], ...]], ...]
    always_open: bool

    def build(self) -> BusinessCalendar:
        if self.always_open:
            return BusinessCalendar.from_spec(timezone=self.zone, always_open=True)
        workdays: dict[date, str | list[str] | None] = dict.fromkeys(self.custom_workdays)
        workdays.update({day: [text(span) for span in spans] for day, spans in self.custom_hours})
        return BusinessCalendar.from_spec(
            timezone=self.zone,
            hours={
                name: [text(span) for span in spans] for name, spans in zip(DAYS, self.weekly, strict=True)
            },
            holidays_country="CN" if self.china else None,
            custom_holidays=self.custom_holidays,
            custom_workdays=workdays,
        )

    def spans_on(self, day: date) -> tuple[tuple[int, int], ...]:
        if self.always_open:
            return ((0, 1440),)
        usual = self.weekly[day.weekday()] or next(spans for spans in self.weekly if spans)
        if day in dict(self.custom_hours):
            return dict(self.custom_hours)[day]
        if day in self.custom_workdays:
            return usual
        if day in self.custom_holidays:
            return ()
        if self.china and day in CN_TABLE:
            return ()
        if self.china and day.weekday() >= 5 and CN_TABLE.is_working_day(day):
            return usual
        return self.weekly[day.weekday()]


def text(span: tuple[int, int]) -> str:
    return f"{span[0] // 60:02d}:{span[0] % 60:02d}-{span[1] // 60:02d}:{span[1] % 60:02d}"


def oracle_minutes(drawn: Drawn, start: datetime, count: int, pauses: Sequence[Pause]) -> list[bool]:
    """Whether each of the `count` UTC minutes from `start` is counting business time."""
    zone = ZoneInfo(drawn.zone)
    spans_by_day: dict[date, tuple[tuple[int, int], ...]] = {}
    flags = []
    for n in range(count):
        minute = start + n * MINUTE
        if any(begin <= minute and (end is None or minute < end) for begin, end in pauses):
            flags.append(False)
            continue
        local = minute.astimezone(zone)
        day = local.date()
        if day not in spans_by_day:
            spans_by_day[day] = drawn.spans_on(day)
        clock = local.hour * 60 + local.minute
        flags.append(any(low <= clock < high for low, high in spans_by_day[day]))
    return flags


def oracle_due(flags: list[bool], start: datetime, minutes: int) -> datetime | None:
    """Minute-stepping add: a zero duration lands on the first counting minute, others at a minute's end."""
    remaining = minutes
    for n, counting in enumerate(flags):
        if counting:
            if remaining == 0:
                return start + n * MINUTE
            remaining -= 1
            if remaining == 0:
                return start + (n + 1) * MINUTE
    return None


@st.composite
def day_spans(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    """Spans on a quarter-hour grid, often near 00:00-04:00 where clocks change."""
    quarter = st.one_of(st.integers(0, 96), st.integers(0, 16))
    cuts = sorted(draw(st.lists(quarter, max_size=6, unique=True)))
    return tuple((cuts[i] * 15, cuts[i + 1] * 15) for i in range(0, len(cuts) - 1, 2))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Drawn, datetime, list[Pause]]:
    zone = draw(st.sampled_from(sorted(ZONE_ANCHORS)))
    own = ZONE_ANCHORS[zone]
    use_own = bool(own) and draw(st.integers(0, 4)) > 0
    anchor = at(draw(st.sampled_from(own if use_own else ALL_ANCHORS)))
    start = anchor + draw(st.integers(-3 * 24 * 60, 24 * 60)) * MINUTE
    if draw(st.integers(0, 9)) == 0:
        drawn = Drawn(zone, ((),) * 7, False, frozenset(), frozenset(), (), True)
    else:
        china = zone == "Asia/Shanghai" or draw(st.booleans())
        # Closed weekends make makeup days matter; other zones change their clocks on Sundays, so keep them.
        weekend = st.one_of(st.just(()), day_spans()) if china else day_spans()
        weekly = tuple(draw(day_spans() if index < 5 else weekend) for index in range(7))
        if not any(weekly):
            weekly = ((9 * 60, 18 * 60),), *weekly[1:]
        nearby = [anchor.date() + timedelta(days=n) for n in range(-5, 10)]
        picked = draw(st.lists(st.sampled_from(nearby), unique=True, max_size=6))
        split_a, split_b = sorted(draw(st.lists(st.integers(0, len(picked)), min_size=2, max_size=2)))
        special = tuple((day, spans) for day in picked[split_b:] if (spans := draw(day_spans())))
        drawn = Drawn(
            zone,
            weekly,
            china,
            frozenset(picked[:split_a]),
            frozenset(picked[split_a:split_b]),
            special,
            False,
        )
    pauses: list[Pause] = []
    for _ in range(draw(st.integers(0, 3))):
        begin = start + draw(st.integers(-600, WINDOW_MINUTES)) * MINUTE
        still_open = draw(st.integers(0, 7)) == 0
        pauses.append((begin, None if still_open else begin + draw(st.integers(0, 3000)) * MINUTE))
    return drawn, start, pauses


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_matches_minute_by_minute_oracle(
    scenario: tuple[Drawn, datetime, list[Pause]], data: st.DataObject
) -> None:
    drawn, start, pauses = scenario
    calendar = drawn.build()
    flags = oracle_minutes(drawn, start, WINDOW_MINUTES, pauses)
    total = sum(flags)
    window_end = start + WINDOW_MINUTES * MINUTE

    assert business_time_between(calendar, start=start, end=window_end, pauses=pauses) == total * MINUTE
    # Totals forgive a span shifted in time, so check every stretch where the oracle's answer is constant.
    edges = [0, *(n for n in range(1, WINDOW_MINUTES) if flags[n] != flags[n - 1]), WINDOW_MINUTES]
    for low, high in pairwise(edges):
        elapsed = business_time_between(
            calendar, start=start + low * MINUTE, end=start + high * MINUTE, pauses=pauses
        )
        assert elapsed == sum(flags[low:high]) * MINUTE, (low, high)
    ranges = data.draw(st.lists(st.tuples(MINUTE_IN_WINDOW, MINUTE_IN_WINDOW), max_size=3), label="ranges")
    for low, high in (sorted(pair) for pair in ranges):
        elapsed = business_time_between(
            calendar, start=start + low * MINUTE, end=start + high * MINUTE, pauses=pauses
        )
        assert elapsed == sum(flags[low:high]) * MINUTE

    counted_before = list(accumulate(flags, initial=0))
    stretch_ends = [high for low, high in pairwise(edges) if flags[low]]
    if stretch_ends:  # a clock that runs out exactly as a working stretch ends is due at that end
        for high in data.draw(st.lists(st.sampled_from(stretch_ends), max_size=3), label="stretch ends"):
            due = add_business_time(
                calendar, start=start, duration=counted_before[high] * MINUTE, pauses=pauses
            )
            assert due == start + high * MINUTE
    for minutes in data.draw(st.lists(st.integers(0, total), min_size=1, max_size=3), label="durations"):
        due = add_business_time(calendar, start=start, duration=minutes * MINUTE, pauses=pauses)
        expected = oracle_due(flags, start, minutes)
        if expected is not None:
            assert due == expected
        else:  # nothing counts inside the window: the due time is past it, or never while an open pause lasts
            assert due is None or due >= window_end
    open_from = min((begin for begin, end in pauses if end is None), default=None)
    if open_from is not None and open_from < window_end:
        assert add_business_time(calendar, start=start, duration=(total + 1) * MINUTE, pauses=pauses) is None
    first = next((n for n, counting in enumerate(flags) if counting), None)
    if not pauses and first is not None:
        assert next_working_instant(calendar, at=start) == start + first * MINUTE


LONG_CALENDARS = st.sampled_from(
    [
        shanghai("09:00-12:00, 13:00-18:00"),
        BusinessCalendar.from_spec(timezone="America/New_York", hours="09:00-17:00", holidays_country="US"),
        BusinessCalendar.from_spec(
            timezone="Europe/London", hours={"mon-sat": "08:00-20:00", "sun": "10:00-16:00"}
        ),
        BusinessCalendar.from_spec(
            timezone="Australia/Lord_Howe", hours={"mon-sun": ["00:00-02:30", "22:00-24:00"]}
        ),
        BusinessCalendar.from_spec(timezone="UTC", always_open=True),
    ]
)


@PROPERTY_SETTINGS
@given(
    calendar=LONG_CALENDARS,
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    first=st.integers(1, 60 * 24 * 40),
    second=st.integers(1, 60 * 24 * 40),
)
def test_long_durations_chain_and_round_trip(
    calendar: BusinessCalendar, start: datetime, first: int, second: int
) -> None:
    """Beyond what the oracle can afford: due times compose, and elapsed time undoes add."""
    one, two = first * MINUTE, second * MINUTE
    due_one = add_business_time(calendar, start=start, duration=one)
    due_both = add_business_time(calendar, start=start, duration=one + two)
    assert due_one is not None and due_both is not None
    assert add_business_time(calendar, start=due_one, duration=two) == due_both
    assert business_time_between(calendar, start=start, end=due_both) == one + two
    assert due_one.tzinfo is UTC and due_both.tzinfo is UTC
    assert business_time_between(
        calendar, start=start, end=next_working_instant(calendar, at=start)
    ) == timedelta(0)
