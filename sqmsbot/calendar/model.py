"""What a business calendar is: weekly hours, holidays and adjusted working days, and how they parse."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_MINUTES_PER_DAY = 24 * 60
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DAY_INDEX = {name: i for i, name in enumerate(DAY_NAMES)} | {
    full: i
    for i, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}


@dataclass(frozen=True, order=True)
class WorkingSpan:
    """Local wall-clock minutes [start, end) after midnight; plain minutes so that 24:00 is expressible."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= _MINUTES_PER_DAY:
            raise ValueError(
                f"working span {self.start}-{self.end} (minutes) must run forwards inside one day; "
                "split a night shift into ...-24:00 and 00:00-..."
            )

    @classmethod
    def parse(cls, text: str) -> WorkingSpan:
        match = _SPAN.match(text)
        if match is None:
            raise ValueError(f"working span {text!r} is not written as HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
            raise ValueError(
                f"working span {text!r} has an impossible time of day (24:00 may only end a span)"
            )
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= end:
            raise ValueError(
                f"working span {text!r} ends before it starts; a span cannot cross midnight, "
                "split it into ...-24:00 and 00:00-..."
            )
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


DaySpans = tuple[WorkingSpan, ...]
_ALL_DAY: DaySpans = (WorkingSpan(0, _MINUTES_PER_DAY),)


@dataclass(frozen=True)
class BusinessCalendar:
    """When a clock runs. Immutable and hashable so policies can share one and cache by it."""

    timezone: str
    weekly: tuple[DaySpans, ...] = ((),) * 7
    holidays_country: str | None = None
    holidays_subdiv: str | None = None
    custom_holidays: frozenset[date] = frozenset()
    custom_workdays: frozenset[date] = frozenset()
    custom_hours: tuple[tuple[date, DaySpans], ...] = ()
    adjusted_day_hours: DaySpans | None = None
    always_open: bool = False
    _hours_by_date: dict[date, DaySpans] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(
                f"unknown time zone {self.timezone!r}; use an IANA name such as 'Asia/Shanghai'"
            ) from exc
        if len(self.weekly) != 7:
            raise ValueError(f"weekly hours need 7 days (Monday first), got {len(self.weekly)}")
        weekly = tuple(_normalize_day(spans, DAY_NAMES[i]) for i, spans in enumerate(self.weekly))
        object.__setattr__(self, "weekly", weekly)
        if self.adjusted_day_hours is not None:
            object.__setattr__(
                self, "adjusted_day_hours", _normalize_day(self.adjusted_day_hours, "adjusted_day_hours")
            )
        hours_by_date: dict[date, DaySpans] = {}
        for day, spans in self.custom_hours:
            _check_date(day, "custom_hours")
            if day in hours_by_date:
                raise ValueError(f"custom hours for {day} are given twice")
            if not spans:
                raise ValueError(f"custom hours for {day} are empty; make it a custom holiday instead")
            hours_by_date[day] = _normalize_day(spans, f"custom hours for {day}")
        object.__setattr__(self, "custom_holidays", frozenset(self.custom_holidays))
        object.__setattr__(self, "custom_workdays", frozenset(self.custom_workdays))
        object.__setattr__(self, "custom_hours", tuple(sorted(hours_by_date.items())))
        object.__setattr__(self, "_hours_by_date", hours_by_date)
        for day in self.custom_holidays | self.custom_workdays:
            _check_date(day, "custom dates")
        if clash := sorted(self.custom_holidays & (self.custom_workdays | hours_by_date.keys())):
            raise ValueError(
                f"{', '.join(map(str, clash))} cannot be both a custom holiday and a working day"
            )
        if clash := sorted(self.custom_workdays & hours_by_date.keys()):
            raise ValueError(
                f"{', '.join(map(str, clash))} is given both as a custom workday and custom hours"
            )
        if self.holidays_subdiv is not None and self.holidays_country is None:
            raise ValueError("holidays_subdiv needs holidays_country")
        if self.holidays_country is not None:
            _check_country(self.holidays_country, self.holidays_subdiv)
        if self.always_open:
            if (
                any(weekly)
                or self.holidays_country
                or self.custom_holidays
                or self.custom_workdays
                or hours_by_date
            ):
                raise ValueError(
                    "an always-open (24×7) calendar counts every instant; it takes no hours or holidays"
                )
        elif not (
            any(weekly)
            or hours_by_date
            or (self._default_hours() and (self.custom_workdays or self.holidays_country))
        ):
            raise ValueError("the calendar has no working hours at all")

    @classmethod
    def from_spec(
        cls,
        *,
        timezone: str,
        hours: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
        holidays_country: str | None = None,
        holidays_subdiv: str | None = None,
        custom_holidays: Iterable[date] = (),
        custom_workdays: Iterable[date] | Mapping[date, str | Sequence[str] | None] = (),
        adjusted_day_hours: str | Sequence[str] | None = None,
        always_open: bool = False,
    ) -> BusinessCalendar:
        """A calendar from configuration values.

        `hours` is one span list applied Monday to Friday ("09:00-12:00, 13:00-18:00" or a list), or a
        map from day names or ranges ("mon", "mon-fri", "saturday") to span lists; unnamed days are closed.
        `custom_workdays` maps a date to its own spans, or to None for the usual hours of a working day.
        """
        weekly: list[DaySpans] = [()] * 7
        if hours is not None:
            if always_open:
                raise ValueError("an always-open (24×7) calendar takes no hours")
            if not isinstance(hours, Mapping):
                weekly[:5] = [_parse_spans(hours, "hours")] * 5
            else:
                named: set[int] = set()
                for key, value in hours.items():
                    for index in _parse_day_names(key):
                        if index in named:
                            raise ValueError(f"hours for {DAY_NAMES[index]} are given twice")
                        named.add(index)
                        weekly[index] = _parse_spans(value, f"hours for {key!r}")
        elif not always_open:
            raise ValueError("hours are required unless always_open is set, e.g. '09:00-18:00'")
        workdays: set[date] = set()
        custom_hours: dict[date, DaySpans] = {}
        if isinstance(custom_workdays, Mapping):
            for day, spans in custom_workdays.items():
                if spans is None:
                    workdays.add(day)
                else:
                    custom_hours[day] = _parse_spans(spans, f"custom workday {day}")
        else:
            workdays.update(custom_workdays)
        return cls(
            timezone=timezone,
            weekly=tuple(weekly),
            holidays_country=holidays_country.strip().upper() if holidays_country else None,
            holidays_subdiv=holidays_subdiv,
            custom_holidays=frozenset(custom_holidays),
            custom_workdays=frozenset(workdays),
            custom_hours=tuple(custom_hours.items()),
            adjusted_day_hours=(
                None if adjusted_day_hours is None else _parse_spans(adjusted_day_hours, "adjusted_day_hours")
            ),
            always_open=always_open,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_on(self, day: date) -> DaySpans:
        """The local spans `day` works, after holidays and adjusted working days are applied."""
        if self.always_open:
            return _ALL_DAY
        if (spans := self._hours_by_date.get(day)) is not None:
            return spans
        if day in self.custom_workdays:
            return self.weekly[day.weekday()] or self._default_hours()
        if day in self.custom_holidays:
            return ()
        if self.holidays_country is not None:
            days_off, makeup_days = _official_days(self.holidays_country, self.holidays_subdiv, day.year)
            if day in days_off:
                return ()
            if day in makeup_days:
                return self.weekly[day.weekday()] or self._default_hours()
        return self.weekly[day.weekday()]

    def _default_hours(self) -> DaySpans:
        if self.adjusted_day_hours is not None:
            return self.adjusted_day_hours
        return next((spans for spans in self.weekly if spans), ())


@lru_cache(maxsize=256)
def _official_days(country: str, subdiv: str | None, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """One year's official days off and weekend days declared working (China's 调休 makeup days).

    Neighbouring years are loaded too because observed and substituted days can cross New Year.
    """
    table = holidays.country_holidays(country, subdiv=subdiv, years=range(year - 1, year + 2))
    days_off = frozenset(day for day in table if day.year == year)
    january_first = date(year, 1, 1)
    makeup = frozenset(
        day
        for day in (january_first + timedelta(days=n) for n in range(366))
        if day.year == year and table.is_weekend(day) and table.is_working_day(day)
    )
    return days_off, makeup


def _check_country(country: str, subdiv: str | None) -> None:
    if country not in holidays.list_supported_countries():
        raise ValueError(f"holidays_country {country!r} is not a country code the holidays package knows")
    try:
        holidays.country_holidays(country, subdiv=subdiv, years=())
    except NotImplementedError as exc:
        raise ValueError(f"holidays_subdiv {subdiv!r} is not a subdivision of {country!r}") from exc


def _check_date(value: object, what: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{what} must be dates, got {value!r}")


def _normalize_day(spans: Iterable[WorkingSpan], where: str) -> DaySpans:
    ordered = tuple(sorted(spans))
    for earlier, later in pairwise(ordered):
        if later.start < earlier.end:
            raise ValueError(f"{where}: working spans {earlier} and {later} overlap")
    return ordered


def _parse_spans(value: str | Sequence[str], where: str) -> DaySpans:
    texts = value.split(",") if isinstance(value, str) else list(value)
    return _normalize_day((WorkingSpan.parse(text) for text in texts if text.strip()), where)


def _parse_day_names(key: str) -> list[int]:
    """Day indexes for "mon", "monday" or a range such as "mon-fri" (a range may wrap past Sunday)."""
    names = [part.strip().lower() for part in key.split("-")]
    if len(names) > 2 or any(name not in _DAY_INDEX for name in names):
        raise ValueError(f"{key!r} is not a weekday name or range such as 'mon' or 'mon-fri'")
    first, last = _DAY_INDEX[names[0]], _DAY_INDEX[names[-1]]
    return [(first + step) % 7 for step in range((last - first) % 7 + 1)]
