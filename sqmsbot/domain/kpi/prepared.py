"""KPI statements built once and executed many times with new instants.

A KPI statement is large (a report's counts are a dozen subqueries), and building it — then deriving
its cache key before each execution — costs SQLAlchemy more than the database takes to run it over a
day's window. So each statement is built once per shape (a slice, a number of days) with named
parameters in the place of the instants, kept here, and executed with the period's values: SQLAlchemy
memoises the cache key on the statement object, and its compiled form is reused.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BindParameter, Date, bindparam

from sqmsbot.models.base import UTCDateTime

CACHED_SHAPES = 512
"""Statements kept per builder: a slice per department and a few period lengths each."""


def instant(name: str) -> BindParameter[datetime]:
    """A named UTC instant, given at execution (`{name: datetime}`)."""
    return bindparam(name, type_=UTCDateTime())


def day(name: str) -> BindParameter[date]:
    """A named local date, given at execution."""
    return bindparam(name, type_=Date())


def numbered(prefix: str, count: int) -> list[BindParameter[datetime]]:
    """`prefix_0` … `prefix_{count-1}`: a run of instants (local midnights, bucket ends)."""
    return [instant(f"{prefix}_{i}") for i in range(count)]


def values(prefix: str, instants: list[datetime]) -> dict[str, Any]:
    """The execution values of `numbered(prefix, len(instants))`."""
    return {f"{prefix}_{i}": value for i, value in enumerate(instants)}


Instant = datetime | BindParameter[datetime]
"""What a statement builder takes for an instant: a value, or a parameter given at execution."""
Day = date | BindParameter[date]
