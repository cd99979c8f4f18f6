"""When private messages may reach a person: their working hours (DESIGN §7: alerts are for people).

People mute a bot that pings them at night. So a person's private SLA messages keep to their working
hours: outside them a message that can wait is stored in the outbox with its next attempt at the start
of the person's next working period, and delivered then — nothing is lost — while what cannot wait (a
P1's breach and its escalations) goes at once. Channels are never held: a channel is not a person.

What a person's working hours are (`Person.working_hours`, shown and set with `/sq quiet`):
- not set (None): the organisation's default business calendar for their department — the calendar
  the department's own services' commitments count in, else the default policies' (`"*"`); the first
  that is not 24×7, in priority order. With no such calendar there are no quiet hours;
- "09:00-18:00" (or two spans, "09:00-12:00,13:00-18:00"): those hours of the day in the person's own
  time zone, on the working days of that same calendar (Monday to Friday when there is none), so
  weekends and public holidays stay quiet;
- "always" (`/sq quiet off`): messages reach them at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import pairwise

from sqlalchemy.orm import Session

from sqmsbot.calendar import BusinessCalendar, DaySpans, WorkingSpan, next_working_instant
from sqmsbot.config import OrgConfig
from sqmsbot.config_sla import ANY_SERVICE
from sqmsbot.domain.people import timezone_of
from sqmsbot.errors import UsageError
from sqmsbot.models import Person
from sqmsbot.vocabulary import PRIORITIES

ALWAYS = "always"
MAX_SPANS = 2  # two spans ("09:00-12:00,13:00-18:00") fit the column's 32 characters
WEEKDAYS = 5


@dataclass(frozen=True)
class Hours:
    """A person's working hours as `/sq quiet` tells them: where they come from, the spans, the zone."""

    source: str  # own | default | always | none
    spans: str  # "09:00-18:00" or "09:00-12:00, 13:00-18:00"; "" for always / none
    timezone: str


def parse(text: str) -> str:
    """`09:00-18:00`, `9:00 - 18:00`, `09:00-12:00, 13:00-18:00` → the stored form; UsageError else."""
    parts = [part for part in text.replace("，", ",").split(",") if part.strip()]
    try:
        spans = sorted(WorkingSpan.parse(part) for part in parts)
    except ValueError as exc:
        raise UsageError("sq.quiet_bad", value=text.strip()[:40]) from exc
    if not spans or len(spans) > MAX_SPANS or any(b.start < a.end for a, b in pairwise(spans)):
        raise UsageError("sq.quiet_bad", value=text.strip()[:40])
    return ",".join(str(span) for span in spans)


def set_working_hours(session: Session, *, person: Person, value: str | None) -> None:
    """Store `value` (from `parse`, or ALWAYS), or None to go back to the department's default."""
    if value is not None and value != ALWAYS:
        value = parse(value)
    person.working_hours = value
    session.flush()


def default_calendar(org: OrgConfig, *, department: str | None) -> BusinessCalendar | None:
    """The business calendar a department's commitments count in (see the module docstring)."""
    own = [service.key for service in org.services if department and service.department == department]
    for service in [*own, ANY_SERVICE]:
        for priority in PRIORITIES:
            policy = org.sla.policy_by_key.get(f"{service}/{priority}")
            if policy is None:
                continue
            calendar = org.sla.calendar(policy.calendar)
            if not calendar.always_open:
                return calendar.calendar
    return None


def calendar_for(org: OrgConfig, *, person: Person) -> BusinessCalendar | None:
    """The hours private messages may reach `person` in; None: any time."""
    if person.working_hours == ALWAYS:
        return None
    base = default_calendar(org, department=person.department)
    if not person.working_hours:
        return base
    try:
        spans = tuple(WorkingSpan.parse(part) for part in person.working_hours.split(","))
    except ValueError:  # written by hand into the store: better the default than silence
        return base
    return _personal(base, timezone_of(person, org), spans)


def deliver_at(org: OrgConfig, *, person: Person, now: datetime) -> datetime:
    """`now` inside the person's working hours, else the start of their next working period."""
    calendar = calendar_for(org, person=person)
    return now if calendar is None else _next_working(calendar, now)


def describe(org: OrgConfig, *, person: Person) -> Hours:
    """What `/sq quiet` shows."""
    if person.working_hours == ALWAYS:
        return Hours("always", "", timezone_of(person, org))
    if person.working_hours:
        return Hours("own", person.working_hours.replace(",", ", "), timezone_of(person, org))
    calendar = default_calendar(org, department=person.department)
    if calendar is None:
        return Hours("none", "", timezone_of(person, org))
    day = next((spans for spans in calendar.weekly if spans), ())
    return Hours("default", ", ".join(str(span) for span in day), calendar.timezone)


@lru_cache(maxsize=1024)
def _next_working(calendar: BusinessCalendar, now: datetime) -> datetime:
    """Cached: a watch tick asks it for every reader, and most readers share a calendar and `now`."""
    try:
        return max(now, next_working_instant(calendar, at=now))
    except ValueError:  # a calendar with no working time ahead: do not hold the message for ever
        return now


@lru_cache(maxsize=256)
def _personal(base: BusinessCalendar | None, timezone: str, spans: DaySpans) -> BusinessCalendar:
    """The person's hours of the day on the working days of `base` (Monday to Friday without one)."""
    weekdays = (spans,) * WEEKDAYS + ((),) * (7 - WEEKDAYS)
    if base is None:
        return BusinessCalendar(timezone=timezone, weekly=weekdays)
    try:
        return BusinessCalendar(
            timezone=timezone,
            weekly=tuple(spans if day else () for day in base.weekly),
            holidays_country=base.holidays_country,
            holidays_subdiv=base.holidays_subdiv,
            custom_holidays=base.custom_holidays,
            custom_workdays=base.custom_workdays | {day for day, _ in base.custom_hours},
            adjusted_day_hours=spans,
        )
    except ValueError:  # a base calendar of custom dates only: fall back to the plain week
        return BusinessCalendar(timezone=timezone, weekly=weekdays)
