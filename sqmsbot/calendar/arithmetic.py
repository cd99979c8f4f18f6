"""Clock arithmetic over a BusinessCalendar: due instants and elapsed business time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqmsbot.calendar.model import BusinessCalendar

MAX_IDLE_WALK = timedelta(days=3653)
"""How far a walk looks for working time before deciding the calendar has none (ten years)."""

_DAY = timedelta(days=1)
# Every UTC offset in the tz database, local mean times included, lies within ±16 h.
_PAD = timedelta(hours=16)
# Zone transitions are at least this far apart, so probing at this step finds each one.
_PROBE = timedelta(hours=6)
# A 24×7 calendar has nothing to look up, so an endless walk can stride far.
_OPEN_STRIDE = timedelta(days=366)

Interval = tuple[datetime, datetime]


def add_business_time(
    calendar: BusinessCalendar,
    *,
    start: datetime,
    duration: timedelta,
    pauses: Sequence[tuple[datetime, datetime | None]] = (),
) -> datetime | None:
    """The instant at which `duration` of business time, pauses excluded, has run from `start`.

    The clock starts at the first working instant at or after `start`, so a zero duration gives that
    instant. A pause without an end is still going: if the duration runs out before it began, that
    instant is returned (the target was already missed); otherwise None, as there is no due time while
    the clock is stopped. Raises ValueError when the calendar has no working time for `MAX_IDLE_WALK`.
    """
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    start_utc = _to_utc(start, "start")
    closed, open_from = _normalize_pauses(pauses)
    remaining = duration
    try:
        for begin, end in _counting_intervals(calendar, start_utc, open_from, closed):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
    except OverflowError as exc:
        raise ValueError("the due time falls outside the supported date range") from exc
    return None


def business_time_between(
    calendar: BusinessCalendar,
    *,
    start: datetime,
    end: datetime,
    pauses: Sequence[tuple[datetime, datetime | None]] = (),
) -> timedelta:
    """Business time in [start, end) outside pauses; zero when `end` is not after `start` (clock skew)."""
    start_utc, end_utc = _to_utc(start, "start"), _to_utc(end, "end")
    closed, open_from = _normalize_pauses(pauses)
    until = end_utc if open_from is None else max(start_utc, min(end_utc, open_from))
    total = timedelta(0)
    try:
        for begin, finish in _counting_intervals(calendar, start_utc, until, closed):
            total += finish - begin
    except OverflowError as exc:
        raise ValueError("the range reaches outside the supported date range") from exc
    return total


def next_working_instant(calendar: BusinessCalendar, *, at: datetime) -> datetime:
    """The first business-time instant at or after `at`; `at` itself when it is inside working hours."""
    try:
        return next(iter(_working_intervals(calendar, _to_utc(at, "at"), None)))[0]
    except OverflowError as exc:
        raise ValueError("the next working instant falls outside the supported date range") from exc


def _counting_intervals(
    calendar: BusinessCalendar, start: datetime, until: datetime | None, pauses: list[Interval]
) -> Iterator[Interval]:
    index = 0
    for begin, end in _working_intervals(calendar, start, until):
        while begin < end:
            while index < len(pauses) and pauses[index][1] <= begin:
                index += 1
            if index == len(pauses) or pauses[index][0] >= end:
                yield begin, end
                break
            if pauses[index][0] > begin:
                yield begin, pauses[index][0]
            begin = pauses[index][1]


def _working_intervals(
    calendar: BusinessCalendar, start: datetime, until: datetime | None
) -> Iterator[Interval]:
    """Working time from `start` in ascending, disjoint UTC intervals, endless when `until` is None.

    The walk goes in one-day UTC chunks and clips each local day's intervals to the chunk, which keeps the
    output ordered even where a backward clock change makes two local dates interleave in real time.
    """
    zone = calendar.zone
    cache: dict[date, list[Interval]] = {}
    chunk_start = idle_since = start
    while until is None or chunk_start < until:
        if calendar.always_open:
            chunk_end = chunk_start + _OPEN_STRIDE if until is None else until
            yield chunk_start, chunk_end
            chunk_start = chunk_end
            continue
        chunk_end = chunk_start + _DAY if until is None else min(chunk_start + _DAY, until)
        first_day = chunk_start.astimezone(zone).date() - _DAY
        last_day = chunk_end.astimezone(zone).date() + _DAY
        found: list[Interval] = []
        day = first_day
        while day <= last_day:
            if day not in cache:
                cache[day] = _day_intervals(calendar, zone, day)
            found.extend(
                (max(begin, chunk_start), min(end, chunk_end))
                for begin, end in cache[day]
                if begin < chunk_end and end > chunk_start
            )
            day += _DAY
        for stale in [cached for cached in cache if cached < first_day]:
            del cache[stale]
        if found:
            idle_since = chunk_end
            yield from sorted(found)
        elif until is None and chunk_end - idle_since > MAX_IDLE_WALK:
            raise ValueError(
                f"the calendar has no working time in the ten years after {start.isoformat()}; "
                "check its hours and holidays"
            )
        chunk_start = chunk_end


def _day_intervals(calendar: BusinessCalendar, zone: ZoneInfo, day: date) -> list[Interval]:
    """The UTC instants whose local reading falls in one of `day`'s spans."""
    spans = calendar.hours_on(day)
    if not spans:
        return []
    # The local wall clock written as if it were UTC: instant = wall - offset within a constant-offset piece.
    midnight = datetime.combine(day, time(), tzinfo=UTC)
    pieces = _offset_pieces(zone, midnight - _PAD, midnight + _DAY + _PAD)
    intervals: list[Interval] = []
    for span in spans:
        wall_start = midnight + timedelta(minutes=span.start)
        wall_end = midnight + timedelta(minutes=span.end)
        for piece_start, piece_end, offset in pieces:
            begin, end = max(piece_start, wall_start - offset), min(piece_end, wall_end - offset)
            if begin < end:
                intervals.append((begin, end))
    return sorted(intervals)


def _offset_pieces(
    zone: ZoneInfo, low: datetime, high: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """[low, high) cut where the zone's UTC offset changes; zoneinfo keeps its transition table private."""
    pieces: list[tuple[datetime, datetime, timedelta]] = []
    piece_start, offset = low, _offset(zone, low)
    probe = low
    while probe < high:
        following = min(probe + _PROBE, high)
        if _offset(zone, following) != offset:
            before, after = 0, int((following - probe).total_seconds())
            while after - before > 1:
                middle = (before + after) // 2
                if _offset(zone, probe + timedelta(seconds=middle)) == offset:
                    before = middle
                else:
                    after = middle
            cut = probe + timedelta(seconds=after)
            pieces.append((piece_start, cut, offset))
            piece_start, offset = cut, _offset(zone, cut)
        probe = following
    pieces.append((piece_start, high, offset))
    return pieces


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def _normalize_pauses(
    pauses: Sequence[tuple[datetime, datetime | None]],
) -> tuple[list[Interval], datetime | None]:
    """Merged finished pauses, and the start of the earliest still-open pause (the clock stops there)."""
    closed: list[Interval] = []
    open_from: datetime | None = None
    for number, (begin, end) in enumerate(pauses, start=1):
        begin_utc = _to_utc(begin, f"pause {number} start")
        if end is None:
            open_from = begin_utc if open_from is None else min(open_from, begin_utc)
            continue
        end_utc = _to_utc(end, f"pause {number} end")
        if end_utc < begin_utc:
            raise ValueError(
                f"pause {number} ends ({end_utc.isoformat()}) before it starts ({begin_utc.isoformat()})"
            )
        if end_utc > begin_utc:
            closed.append((begin_utc, end_utc))
    merged: list[Interval] = []
    for begin, end in sorted(closed):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged, open_from


def _to_utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)
