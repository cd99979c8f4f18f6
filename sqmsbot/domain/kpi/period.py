"""Reporting periods in a department's (or the organisation's) own time zone.

A manager's "yesterday" is their local day, so a period is a run of local calendar days whose
boundaries are local midnights converted to UTC: a local day is 23 or 25 hours long on a DST change,
and `previous()` steps back in local days (or months), never by a fixed number of hours. The instants
are half-open, [from, to), the same on every database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqmsbot.config import OrgConfig

KINDS = ("day", "week", "month", "range")
FIRST_YEAR, LAST_YEAR = 1970, 9998
"""The years a period may name: a month or range at either end of the calendar would step past the
last date Python knows (a previous period, a local midnight), so those are refused as typed."""


def supported(day: date) -> bool:
    """Whether `day` lies in the years a period may name."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def timezone_for(org: OrgConfig, department: str | None) -> str:
    """The zone a department's periods are read in: its own, else the organisation's."""
    dept = org.department(department) if department else None
    return dept.timezone if dept is not None else org.timezone


def local_midnight(day: date, tz: str) -> datetime:
    """The UTC instant a local day starts (where midnight does not exist, the instant the day starts)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Local days [start, end) in `tz`; `from_`/`to` are their UTC boundaries."""

    start: date
    end: date  # exclusive
    tz: str
    kind: str = "range"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a period ends after it starts: {self.start} … {self.end}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        try:  # an unknown zone fails here, not in the middle of a query
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc

    @classmethod
    def day(cls, day: date, tz: str) -> Period:
        return cls(day, day + timedelta(days=1), tz, "day")

    @classmethod
    def week(cls, day: date, tz: str) -> Period:
        """The ISO week (Monday to Sunday) holding `day`."""
        monday = day - timedelta(days=day.weekday())
        return cls(monday, monday + timedelta(days=7), tz, "week")

    @classmethod
    def month(cls, day: date, tz: str) -> Period:
        """The calendar month holding `day`."""
        first = day.replace(day=1)
        return cls(first, _add_months(first, 1), tz, "month")

    @classmethod
    def range(cls, from_date: date, to_date: date, tz: str) -> Period:
        """The local days from `from_date` to `to_date`, both included."""
        if to_date < from_date:
            raise ValueError(f"a period ends after it starts: {from_date} … {to_date}")
        return cls(from_date, to_date + timedelta(days=1), tz, "range")

    @property
    def from_(self) -> datetime:
        return local_midnight(self.start, self.tz)

    @property
    def to(self) -> datetime:
        return local_midnight(self.end, self.tz)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period of the same length just before: the previous day, ISO week or calendar month;
        for a range, as many local days just before."""
        if self.kind == "month":
            return Period(_add_months(self.start, -1), self.start, self.tz, "month")
        return Period(self.start - timedelta(days=self.days), self.start, self.tz, self.kind)
