"""The import's fast due times are the calendar's own: `DueClock.due` equals
`sqmsbot.calendar.add_business_time` for any start, duration and pauses, on the example
organisation's calendars and on a DST zone with holidays; and the import's stops are the SLA clock's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sqmsbot.calendar import BusinessCalendar, add_business_time
from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.domain.sla_clock import stops as domain_stops
from sqmsbot.importing.clocks import DueClock
from sqmsbot.importing.targets import stops
from sqmsbot.importing.tickets import Event
from sqmsbot.models import IncidentEvent

ORG = load_org_config(EXAMPLE_ORG_FILE)
CALENDARS = [
    ORG.sla.calendar("cn-business").calendar,  # lunch break, Chinese holidays and makeup days
    ORG.sla.calendar("round-the-clock").calendar,
    BusinessCalendar.from_spec(  # spring forward, fall back, German holidays, a Saturday of 24 hours
        timezone="Europe/Berlin",
        hours={"mon-fri": ["08:00-12:00", "12:00-17:30"], "sat": "00:00-24:00"},
        holidays_country="DE",
    ),
]
CLOCK = DueClock()  # one for every example, as one import uses one: its tables grow as asked
BASE = datetime(2025, 12, 1, tzinfo=UTC)

minutes = st.integers(min_value=0, max_value=60 * 24 * 400)


@st.composite
def pauses(draw: st.DrawFn, start: datetime) -> list[tuple[datetime, datetime | None]]:
    found: list[tuple[datetime, datetime | None]] = []
    at = start - timedelta(minutes=draw(st.integers(0, 600)))
    for _ in range(draw(st.integers(0, 3))):
        begin = at + timedelta(minutes=draw(st.integers(0, 5000)))
        end = begin + timedelta(minutes=draw(st.integers(0, 5000)))
        found.append((begin, end))
        at = end
    if draw(st.booleans()):
        found.append((at + timedelta(minutes=draw(st.integers(0, 5000))), None))
    return found


@settings(max_examples=400, deadline=None)
@given(
    calendar=st.sampled_from(CALENDARS),
    offset=minutes,
    seconds=st.integers(min_value=0, max_value=59),
    duration=st.integers(min_value=0, max_value=60 * 24 * 12),
    data=st.data(),
)
def test_due_times_are_the_calendars(
    calendar: BusinessCalendar, offset: int, seconds: int, duration: int, data: st.DataObject
) -> None:
    start = BASE + timedelta(minutes=offset, seconds=seconds)
    stopped = data.draw(pauses(start))
    target = timedelta(minutes=duration)
    expected = add_business_time(calendar, start=start, duration=target, pauses=stopped)
    assert CLOCK.due(calendar, start=start, duration=target, pauses=stopped) == expected


def test_starts_out_of_order_rebuild_the_table() -> None:
    """A file not sorted by date asks about an earlier start after a later one."""
    clock = DueClock()
    calendar = CALENDARS[0]
    for start in (datetime(2026, 10, 9, 2, tzinfo=UTC), datetime(2024, 2, 8, 9, tzinfo=UTC)):
        wanted = add_business_time(calendar, start=start, duration=timedelta(hours=40))
        assert clock.due(calendar, start=start, duration=timedelta(hours=40)) == wanted


@given(
    kinds=st.lists(st.sampled_from(["acknowledged", "waiting", "resumed", "resolved", "reopened", "closed"])),
    gaps=st.lists(st.integers(0, 600), min_size=30, max_size=30),
)
def test_the_imports_stops_are_the_sla_clocks(kinds: list[str], gaps: list[int]) -> None:
    at = BASE
    ours, theirs = [], []
    for kind, gap in zip(kinds, gaps, strict=False):
        at += timedelta(minutes=gap)
        ours.append(Event(kind, at, None, None))
        theirs.append(IncidentEvent(kind=kind, at=at))
    assert stops(ours) == domain_stops(theirs)
