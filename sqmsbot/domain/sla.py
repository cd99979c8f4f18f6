"""Service commitments on incidents (DESIGN §7): start, pause, move and stop the clocks; find due alerts.

Called by the incident lifecycle (sqmsbot/domain/incidents.py), so every path that changes an incident
keeps its clocks right; the `sla_watch` job finds the alerts due through sqmsbot/domain/sla_alerts.py.

When a target is met:
- acknowledge: when the incident is first acknowledged (`acknowledged_at`, which a wait or a resolution
  on a new incident also sets);
- first_response: the first thing a responder does that the customer notices — asking them for
  something (wait on customer), resolving, or a note by a responder (not by the reporter). A bare
  acknowledgement is internal, so it does not count;
- resolve: at the resolution. A reopen continues the same clock, as the problem was never fixed: the
  time between resolution and reopen does not count, and alerts already sent are not repeated.

Each threshold (warn level, breach, escalation step) is announced once. One crossed while the clock ran
is still announced if the clock is paused a moment later; once the target is met nothing more is: a
breach the watch had not announced yet stays recorded (`breached_at`) for the KPIs.

A target met at its due instant is met (acknowledged at 09:30, due 09:30: on time); it is missed only
once that instant has passed, which is also when the watch first says so (sqmsbot.domain.sla_alerts).

Time left is told in the target's own time: business time on a business calendar (a one-working-day
target seen at 19:00 has the next morning's hours left, not the 19 wall-clock hours to its due time),
wall-clock time on a 24×7 one. How late a missed target is stays wall-clock time: that is how long the
customer has been waiting past the promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from sqmsbot.calendar import business_time_between
from sqmsbot.config import OrgConfig
from sqmsbot.config_sla import TARGETS
from sqmsbot.domain.sla_alerts import checkpoint_times, set_next_check
from sqmsbot.domain.sla_clock import BREACH, Stop, schedule, stops
from sqmsbot.models import Incident, IncidentEvent, IncidentTarget, IncidentTargetMove

# The events whose change moves due times, by the move's reason: a move is shown right after its cause.
MOVE_CAUSES = {
    "paused": ("waiting",),
    "resumed": ("resumed",),
    "reopened": ("reopened",),
    "priority": ("priority_changed", "priority"),
    "transferred": ("transferred",),
    "service": ("edited",),
    "duplicate": ("duplicate",),
}
RESCHEDULING = tuple(kind for kinds in MOVE_CAUSES.values() for kind in kinds)


def targets_of(incident: Incident) -> list[IncidentTarget]:
    """The incident's clocks in lifecycle order (acknowledge, first response, resolve)."""
    return sorted(incident.targets, key=lambda row: TARGETS.index(row.target))


def start(session: Session, *, org: OrgConfig, incident: Incident, now: datetime) -> None:
    """At report: one clock per target of the incident's policy, counting from `reported_at`."""
    reschedule(session, org=org, incident=incident, now=now, reason="reported")


def reschedule(session: Session, *, org: OrgConfig, incident: Incident, now: datetime, reason: str) -> None:
    """Bring every clock not yet met in line with the current policy, priority and stops.

    Used on report, resume, priority or service change, transfer and reopen. A target the new policy
    no longer has is dropped; one it adds starts from `reported_at`, as the promise dates from then.
    Each due time that moves is recorded with `reason` for the timeline.
    """
    policy = org.sla.policy_for(incident.service, incident.priority)
    existing = {row.target: row for row in targets_of(incident)}
    stopped = stops(incident.events)
    for target in TARGETS:
        row = existing.get(target)
        if row is not None and row.met_at is not None:
            continue
        duration = org.sla.target_duration(policy, target) if policy else None
        if policy is None or duration is None:
            if row is not None:
                _moved(session, incident, target, now, row.due_at, None, "dropped")
                incident.targets.remove(row)
            continue
        if row is None:
            row = IncidentTarget(
                target=target,
                department=incident.department,
                started_at=incident.reported_at,
                fired=[],
                checkpoints={},
                updated_at=now,
            )
            incident.targets.append(row)
        before = row.due_at
        calendar = org.sla.calendar(policy.calendar)
        planned = schedule(
            calendar.calendar,
            started_at=row.started_at,
            target=duration,
            warn=policy.warn,
            escalations=org.sla.escalation_delays(policy),
            stopped=stopped,
        )
        row.policy, row.calendar = policy.key, policy.calendar
        row.target_seconds = int(duration.total_seconds())
        row.due_at = planned.due_at
        row.checkpoints = {label: at.isoformat() for label, at in planned.checkpoints.items()}
        if planned.due_at is not None and planned.due_at < now:
            row.breached_at = row.breached_at or planned.due_at
        elif BREACH not in row.fired:
            row.breached_at = None  # a breach nobody was told of yet is judged by the commitment now in force
        set_next_check(row)
        row.updated_at = now
        if before != row.due_at:
            _moved(session, incident, target, now, before, row.due_at, reason)


def pause(session: Session, *, incident: Incident, now: datetime) -> None:
    """Waiting on the customer: running clocks stop; what was already missed stays missed.

    Needs no calendar: the alerts already due keep their instants, the later ones are unknown until the
    clock runs again (`reschedule` on resume).
    """
    for row in targets_of(incident):
        if row.met_at is not None:
            continue
        before = row.due_at
        _prune(row, until=now)
        if before is not None and before > now:
            row.due_at = None
        row.updated_at = now
        if before != row.due_at:
            _moved(session, incident, row.target, now, before, row.due_at, "paused")


def met(session: Session, *, incident: Incident, at: dict[str, datetime]) -> None:
    """Targets met, each at its instant (late if after its due time); their clocks stop for good."""
    for row in targets_of(incident):
        when = at.get(row.target)
        if when is None or row.met_at is not None:
            continue
        row.met_at = when
        if row.due_at is not None and row.due_at < when and row.breached_at is None:
            row.breached_at = row.due_at
        set_next_check(row)
        row.updated_at = when


def reopen(session: Session, *, org: OrgConfig, incident: Incident, now: datetime) -> None:
    """The resolve clock runs again from where it stopped (see the module docstring)."""
    for row in targets_of(incident):
        if row.target == "resolve":
            row.met_at = None
    reschedule(session, org=org, incident=incident, now=now, reason="reopened")


@dataclass(frozen=True)
class Clock:
    """One target as people see it: its state, due time, and the time left or overdue."""

    target: str
    state: str  # running | paused | met | breached
    policy: str
    started_at: datetime
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    left: timedelta | None  # in the target's own time (`business`): business time, or wall clock on 24×7
    overdue: timedelta | None  # wall-clock time past the due time
    business: bool = False  # the target counts in business time (not a 24×7 calendar)


def clocks(*, org: OrgConfig, incident: Incident, now: datetime) -> list[Clock]:
    """The incident's clocks as they stand at `now`, in lifecycle order.

    None for a draft (not stored, or outside any unit of work): it has no clock rows to read yet.
    Decided here rather than by each card that shows clocks, so presenters need not ask SQLAlchemy
    about the object's state.
    """
    if incident.id is None or object_session(incident) is None:
        return []
    stopped = stops(incident.events)
    return [_clock(row, org=org, stopped=stopped, now=now) for row in targets_of(incident)]


def pauses(incident: Incident) -> list[Stop]:
    """The intervals the clocks stood still (waiting on the customer, resolved until reopened)."""
    return stops(incident.events)


def _clock(row: IncidentTarget, *, org: OrgConfig, stopped: list[Stop], now: datetime) -> Clock:
    # Late only once the due instant has passed: met at the due minute is met.
    late = row.breached_at is not None or (row.due_at is not None and row.due_at < (row.met_at or now))
    calendar = org.sla.calendars.get(row.calendar)
    business = calendar is not None and not calendar.always_open
    left: timedelta | None = None
    overdue: timedelta | None = None
    if row.met_at is not None:
        state = "breached" if late else "met"
    elif late:
        state = "breached"
        overdue = now - (row.due_at or row.breached_at or now)
    elif row.due_at is None:
        state = "paused"
        if calendar is not None:
            used = business_time_between(calendar.calendar, start=row.started_at, end=now, pauses=stopped)
            left = max(timedelta(0), timedelta(seconds=row.target_seconds) - used)
    else:
        state = "running"
        left = row.due_at - now
        if business and calendar is not None:
            left = business_time_between(calendar.calendar, start=now, end=row.due_at, pauses=stopped)
    return Clock(
        target=row.target,
        state=state,
        policy=row.policy,
        started_at=row.started_at,
        due_at=row.due_at,
        met_at=row.met_at,
        breached_at=row.breached_at,
        left=left,
        overdue=overdue,
        business=business,
    )


def _prune(row: IncidentTarget, *, until: datetime) -> None:
    """Keep only the alerts crossed by `until`: the clock stops there."""
    row.checkpoints = {label: at.isoformat() for label, at in checkpoint_times(row).items() if at <= until}
    set_next_check(row)


def _moved(
    session: Session,
    incident: Incident,
    target: str,
    now: datetime,
    before: datetime | None,
    after: datetime | None,
    reason: str,
) -> None:
    if reason == "reported":
        return  # the first due time is not a move; the card shows it
    session.add(
        IncidentTargetMove(
            incident_id=incident.id, target=target, at=now, from_due=before, to_due=after, reason=reason
        )
    )


def moves(session: Session, incident: Incident) -> list[IncidentTargetMove]:
    """The incident's due-time moves, oldest first: the SLA part of its timeline."""
    return list(
        session.scalars(
            select(IncidentTargetMove)
            .where(IncidentTargetMove.incident_id == incident.id)
            .order_by(IncidentTargetMove.at, IncidentTargetMove.id)
        )
    )


def timeline(incident: Incident) -> list[IncidentEvent | IncidentTargetMove]:
    """The incident's events and due-time moves in the order they happened.

    Events go by instant, then by the order they were written; each move sits right after the event
    that caused it. Within one minute a wait, a resume and a close may all share an instant, so the
    instant alone cannot say that the pause came before "closed it": a move's cause is the first event
    at its instant, from the previous move's cause on, whose kind makes that move (a wait pauses, a
    priority change reschedules; a dropped target follows any rescheduling event), else the last event
    before it.
    """
    events = sorted(incident.events, key=lambda e: (e.at, e.id or 0))
    session = object_session(incident)
    found = moves(session, incident) if session is not None and incident.id is not None else []
    after: dict[int, list[IncidentTargetMove]] = {}
    start = 0
    for move in found:
        cause = _cause(events, move, start)
        if cause >= 0 and events[cause].at == move.at:
            start = cause
        after.setdefault(cause, []).append(move)
    ordered: list[IncidentEvent | IncidentTargetMove] = list(after.get(-1, []))
    for index, event in enumerate(events):
        ordered.append(event)
        ordered.extend(after.get(index, []))
    return ordered


def _cause(events: list[IncidentEvent], move: IncidentTargetMove, start: int) -> int:
    """The index of the event that made `move` (see `timeline`); -1 when it came before every event."""
    kinds = MOVE_CAUSES.get(move.reason, RESCHEDULING)
    for index in range(start, len(events)):
        if events[index].at == move.at and events[index].kind in kinds:
            return index
    before = [index for index, event in enumerate(events) if event.at <= move.at]
    return before[-1] if before else -1
