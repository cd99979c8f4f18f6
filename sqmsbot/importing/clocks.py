"""Due instants in business time for many historical tickets, fast and equal to the calendar's own.

`sqmsbot.calendar.add_business_time` walks a calendar day by day from each start, which is right for
one incident at a time and costs some 50–130 µs a target; an import derives three targets for tens
of thousands of tickets. `DueClock` answers the same question from a table of the calendar's working
intervals (built once per local day, from the calendar's public `hours_on`) with prefix sums of
working time, so a due instant is two binary searches — with pauses, a few more.

It gives exactly `add_business_time`'s answer (tests/importing check it on random starts, durations
and pauses): the clock starts at the first working instant at or after the start, a duration that
runs out at the end of a working span is due at that end, a finished pause counts nothing, and a
pause still going stops the clock (None, unless the duration ran out before it began). Where the
table would not be exact it hands the question to `add_business_time` instead: a zero duration, a
24×7 calendar (cheap there anyway), and any walk that touches a local day on which the zone's UTC
offset changes (a DST day; the calendar counts the wall clock's hours there, see its docstring).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqmsbot.calendar import BusinessCalendar, add_business_time

Pause = tuple[datetime, datetime | None]
_DAY = timedelta(days=1)
STEP = 64
"""Days added to a table at a time (a walk past its end extends it)."""
MAX_DAYS = 3653
"""A walk that finds no working time for this long is handed to the calendar (which says why)."""


class _Table:
    """One calendar's working intervals (UTC) over a run of local days [first, last), with the
    working time before each interval. `floor` and `limit` are the UTC instants within which an
    instant's neighbourhood (a day either side) is in the table."""

    def __init__(self, calendar: BusinessCalendar, first: date) -> None:
        self.calendar = calendar
        self.zone = ZoneInfo(calendar.timezone)
        self.first = self.last = first
        self.floor = self._midnight(first + _DAY)
        self.limit = self.floor
        self.begins: list[datetime] = []
        self.ends: list[datetime] = []
        self.before: list[timedelta] = []
        self.irregular: list[date] = []  # days whose UTC offset changes: the table is not exact there
        self.extend()

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)

    def extend(self) -> None:
        total = self.before[-1] + (self.ends[-1] - self.begins[-1]) if self.begins else timedelta(0)
        for _ in range(STEP):
            day = self.last
            start, end = self._midnight(day), self._midnight(day + _DAY)
            if end - start != _DAY:
                self.irregular.append(day)
            for span in self.calendar.hours_on(day):
                begin = start + timedelta(minutes=span.start)
                finish = start + timedelta(minutes=span.end)
                if self.begins and begin <= self.ends[-1]:  # runs on from the span before: one interval
                    total -= self.ends[-1] - self.begins[-1]
                    begin = self.begins.pop()
                    self.ends.pop()
                    self.before.pop()
                self.begins.append(begin)
                self.ends.append(finish)
                self.before.append(total)
                total += finish - begin
            self.last = day + _DAY
        self.limit = self._midnight(self.last - _DAY)

    def reach(self, instant: datetime) -> None:
        """Extend the table until it holds `instant`'s local day and the day after."""
        while instant >= self.limit:
            self.extend()

    def worked(self, instant: datetime) -> timedelta:
        """Working time from the table's start to `instant` (which the table must reach)."""
        i = bisect_right(self.begins, instant) - 1
        if i < 0:
            return timedelta(0)
        return self.before[i] + min(instant, self.ends[i]) - self.begins[i]

    def when(self, worked: timedelta) -> datetime | None:
        """The first instant by which `worked` (> 0) has run: inside the interval whose running total
        reaches it (at its end, exactly, when it reaches it there); None beyond the table."""
        i = bisect_left(self.before, worked) - 1
        if i < 0 or worked > self.before[i] + (self.ends[i] - self.begins[i]):
            return None
        found = self.begins[i] + (worked - self.before[i])
        return found if found < self.limit else None

    def touches_irregular(self, start: datetime, end: datetime) -> bool:
        if not self.irregular:
            return False
        low = start.astimezone(self.zone).date() - _DAY
        i = bisect_left(self.irregular, low)
        return i < len(self.irregular) and self.irregular[i] <= end.astimezone(self.zone).date() + _DAY


class DueClock:
    """Due instants per calendar (see the module docstring); one per import."""

    def __init__(self) -> None:
        # By identity: a calendar is a frozen dataclass whose hash walks all its dates and hours.
        self._tables: dict[int, _Table] = {}

    def due(
        self,
        calendar: BusinessCalendar,
        *,
        start: datetime,
        duration: timedelta,
        pauses: Sequence[Pause] = (),
    ) -> datetime | None:
        """`add_business_time(calendar, start=start, duration=duration, pauses=pauses)`."""
        if not calendar.always_open and duration > timedelta(0):
            start = start.astimezone(UTC)
            found = self._walk(self._table(calendar, start), start, duration, pauses)
            if not isinstance(found, _Fallback):
                return found
        return add_business_time(calendar, start=start, duration=duration, pauses=pauses)

    def _table(self, calendar: BusinessCalendar, start: datetime) -> _Table:
        table = self._tables.get(id(calendar))
        if table is None or table.calendar is not calendar or start < table.floor:
            # Rebuilt from well before: starts out of order (a file not sorted by date) rebuild rarely.
            day = start.astimezone(ZoneInfo(calendar.timezone)).date()
            table = _Table(calendar, day - (BACK if table is not None else 2 * _DAY))
            self._tables[id(calendar)] = table
        return table

    def _walk(
        self, table: _Table, start: datetime, duration: timedelta, pauses: Sequence[Pause]
    ) -> datetime | _Fallback | None:
        if not pauses:
            return self._checked(table, start, self._after(table, start, duration))
        closed, open_from = _normalise(pauses)
        remaining, at = duration, start
        stops: list[tuple[datetime, datetime | None]] = [*closed]
        if open_from is not None:
            stops.append((open_from, None))
        for stop_start, stop_end in stops:
            if stop_end is not None and stop_end <= at:
                continue
            if stop_start > at:
                due = self._after(table, at, remaining)
                if isinstance(due, _Fallback) or due <= stop_start:
                    return self._checked(table, start, due)
                table.reach(stop_start)
                remaining -= table.worked(stop_start) - table.worked(at)
            if stop_end is None:
                return self._checked(table, start, None, stop_start)
            at = max(at, stop_end)
        return self._checked(table, start, self._after(table, at, remaining))

    def _after(self, table: _Table, at: datetime, remaining: timedelta) -> datetime | _Fallback:
        """The instant at which `remaining` (> 0) of working time after `at` has run."""
        table.reach(at)
        goal = table.worked(at) + remaining
        for _ in range(0, MAX_DAYS, STEP):
            found = table.when(goal)
            if found is not None:
                return found
            table.extend()
        return _FALLBACK  # no working time for ten years: the calendar says so in its own words

    @staticmethod
    def _checked(
        table: _Table, start: datetime, due: datetime | _Fallback | None, until: datetime | None = None
    ) -> datetime | _Fallback | None:
        end = due if isinstance(due, datetime) else until
        if end is not None and table.touches_irregular(start, end):
            return _FALLBACK
        return due


class _Fallback:
    """The table cannot answer exactly: the calendar is asked."""


_FALLBACK = _Fallback()
BACK = timedelta(days=366)


def _normalise(pauses: Sequence[Pause]) -> tuple[list[tuple[datetime, datetime]], datetime | None]:
    """Merged finished pauses (UTC) that begin before the earliest pause still going, and its start."""
    open_from = min((b.astimezone(UTC) for b, e in pauses if e is None), default=None)
    closed = sorted(
        (b.astimezone(UTC), e.astimezone(UTC))
        for b, e in pauses
        if e is not None and e > b and (open_from is None or b < open_from)
    )
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in closed:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged, open_from
