"""Business time: the hours an SLA clock runs in.

An instant is business time when its local wall-clock reading (in the calendar's zone) falls inside a
working span of a working date. Defining it through the wall clock, not through span endpoints, keeps DST
days honest: a 00:00-24:00 span lasts 23 or 25 real hours, a wall-clock hour that happens twice counts
twice, and one that never happens counts nothing. Instants may come in any zone (naive ones are
refused) and always go out in UTC.

Which dates work, strongest rule first: custom hours for a date, custom working dates, custom holidays,
the official holidays and adjusted (makeup) working days of `holidays_country`, then the weekly hours. A
working date whose weekday has no weekly hours (a makeup Saturday) works `adjusted_day_hours`, by default
the hours of the first weekday, Monday onwards, that has any.
"""

from sqmsbot.calendar.arithmetic import (
    MAX_IDLE_WALK,
    add_business_time,
    business_time_between,
    next_working_instant,
)
from sqmsbot.calendar.model import DAY_NAMES, BusinessCalendar, DaySpans, WorkingSpan

__all__ = [
    "DAY_NAMES",
    "MAX_IDLE_WALK",
    "BusinessCalendar",
    "DaySpans",
    "WorkingSpan",
    "add_business_time",
    "business_time_between",
    "next_working_instant",
]
