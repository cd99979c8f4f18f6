"""The arithmetic of one commitment clock: when it stopped, when it is due, when each alert is due.

Pure functions over the incident's timeline and a business calendar, so the rules can be read (and
tested) apart from the rows they end up in.

When a clock does not run: while the incident waits on the customer (from `waiting` to `resumed`, or to
the resolution), and between a resolution and a reopen, since the team believed the work done and the
customer's promise resumes only when the problem is back. A clock still stopped has no due time, unless
the target was already missed before it stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqmsbot.calendar import BusinessCalendar, add_business_time

Stop = tuple[datetime, datetime | None]
BREACH = "breach"


class StateChange(Protocol):
    """What `stops` reads of a timeline entry: an incident's events, or an imported ticket's."""

    @property
    def kind(self) -> str: ...

    @property
    def at(self) -> datetime: ...


def stops(events: Iterable[StateChange]) -> list[Stop]:
    """The intervals in which the clocks stood still, oldest first; the last may still be open."""
    found: list[Stop] = []
    stopped_at: datetime | None = None
    for event in events:
        if event.kind == "waiting":
            stopped_at = stopped_at or event.at
        elif event.kind in ("resumed", "reopened", "resolved"):
            if stopped_at is not None:
                found.append((stopped_at, event.at))
            stopped_at = event.at if event.kind == "resolved" else None
    if stopped_at is not None:
        found.append((stopped_at, None))
    return found


def warn_label(fraction: float) -> str:
    return f"warn:{fraction:g}"


def escalation_label(step: int, role: str) -> str:
    return f"escalate:{step}:{role}"


@dataclass(frozen=True)
class Schedule:
    """A clock's due time (None while stopped before it) and the instants of its alerts, by label."""

    due_at: datetime | None
    checkpoints: dict[str, datetime]


def schedule(
    calendar: BusinessCalendar,
    *,
    started_at: datetime,
    target: timedelta,
    warn: Sequence[float],
    escalations: Sequence[tuple[str, timedelta]],
    stopped: Sequence[Stop],
) -> Schedule:
    """Warn levels at fractions of the target, the breach at the target, escalations after the breach.

    Every instant is in the calendar's business time with the stops left out; an instant that would fall
    after a stop that has not ended yet is not known, so it is left out until the clock runs again.
    """
    checkpoints: dict[str, datetime] = {}
    for fraction in warn:
        at = add_business_time(calendar, start=started_at, duration=target * fraction, pauses=stopped)
        if at is not None:
            checkpoints[warn_label(fraction)] = at
    due = add_business_time(calendar, start=started_at, duration=target, pauses=stopped)
    if due is not None:
        checkpoints[BREACH] = due
        for step, (role, after) in enumerate(escalations):
            # "after 0m" is the breach itself, even when the breach falls on the edge of a pause.
            at = due if not after else add_business_time(calendar, start=due, duration=after, pauses=stopped)
            if at is not None:
                checkpoints[escalation_label(step, role)] = at
    return Schedule(due_at=due, checkpoints=checkpoints)
