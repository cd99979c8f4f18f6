"""Service commitments on incidents (DESIGN §7): start, pause, move and stop the clocks; find due alerts.

Called by the incident lifecycle (sqmsbot/domain/incidents.py), so every path that changes an incident
keeps its clocks right, and by the `sla_watch` job through `due_thresholds` and `mark_fired`.

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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.config_sla import TARGETS
from sqmsbot.domain.calendar import business_time_between
from sqmsbot.domain.sla_clock import BREACH, Stop, schedule, stops
from sqmsbot.models import Incident, IncidentTarget, IncidentTargetMove

WATCH_BATCH = 1000
"""How many clocks one `due_thresholds` call reads at most; the next tick takes the rest."""


def targets_of(session: Session, incident: Incident) -> list[IncidentTarget]:
    """The incident's clocks in lifecycle order (acknowledge, first response, resolve)."""
    rows = session.scalars(select(IncidentTarget).where(IncidentTarget.incident_id == incident.id)).all()
    return sorted(rows, key=lambda row: TARGETS.index(row.target))


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
    existing = {row.target: row for row in targets_of(session, incident)}
    stopped = stops(incident.events)
    for target in TARGETS:
        row = existing.get(target)
        if row is not None and row.met_at is not None:
            continue
        duration = org.sla.target_duration(policy, target) if policy else None
        if policy is None or duration is None:
            if row is not None:
                _moved(session, incident, target, now, row.due_at, None, "dropped")
                session.delete(row)
            continue
        if row is None:
            row = IncidentTarget(
                incident_id=incident.id,
                target=target,
                started_at=incident.reported_at,
                fired=[],
                checkpoints={},
                updated_at=now,
            )
            session.add(row)
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
        if planned.due_at is not None and planned.due_at <= now:
            row.breached_at = row.breached_at or planned.due_at
        elif BREACH not in row.fired:
            row.breached_at = None  # a breach nobody was told of yet is judged by the commitment now in force
        _next_check(row)
        row.updated_at = now
        if before != row.due_at:
            _moved(session, incident, target, now, before, row.due_at, reason)


def pause(session: Session, *, incident: Incident, now: datetime) -> None:
    """Waiting on the customer: running clocks stop; what was already missed stays missed.

    Needs no calendar: the alerts already due keep their instants, the later ones are unknown until the
    clock runs again (`reschedule` on resume).
    """
    for row in targets_of(session, incident):
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
    for row in targets_of(session, incident):
        when = at.get(row.target)
        if when is None or row.met_at is not None:
            continue
        row.met_at = when
        if row.due_at is not None and row.due_at < when and row.breached_at is None:
            row.breached_at = row.due_at
        _next_check(row)
        row.updated_at = when


def reopen(session: Session, *, org: OrgConfig, incident: Incident, now: datetime) -> None:
    """The resolve clock runs again from where it stopped (see the module docstring)."""
    for row in targets_of(session, incident):
        if row.target == "resolve":
            row.met_at = None
    reschedule(session, org=org, incident=incident, now=now, reason="reopened")


@dataclass(frozen=True)
class DueThreshold:
    """One alert the watch job should send now: which clock, which threshold, and when it was crossed."""

    target_id: int
    incident_id: int
    target: str
    threshold: str
    at: datetime

    @property
    def kind(self) -> str:
        """`warn`, `breach` or `escalate`."""
        return self.threshold.split(":")[0]

    @property
    def fraction(self) -> float | None:
        """For a warning: the share of the target used up (0.75)."""
        return float(self.threshold.split(":")[1]) if self.kind == "warn" else None

    @property
    def role(self) -> str | None:
        """For an escalation: who is told (owner, lead, manager, quality)."""
        return self.threshold.split(":")[2] if self.kind == "escalate" else None


def due_thresholds(session: Session, *, now: datetime, limit: int = WATCH_BATCH) -> list[DueThreshold]:
    """Thresholds crossed by `now` and not yet marked fired, oldest first.

    One indexed range read on `next_check_at`: clocks with nothing due have a later (or no) check
    instant, so a tick over many open incidents touches only the few due rows.
    """
    rows = session.scalars(
        select(IncidentTarget)
        .where(IncidentTarget.next_check_at <= now)
        .order_by(IncidentTarget.next_check_at, IncidentTarget.id)
        .limit(limit)
    ).all()
    found: list[DueThreshold] = []
    for row in rows:
        fired = set(row.fired)
        for label, at in sorted(_checkpoints(row).items(), key=lambda item: item[1]):
            if at <= now and label not in fired:
                found.append(DueThreshold(row.id, row.incident_id, row.target, label, at))
    return sorted(found, key=lambda due: (due.at, due.target_id))


def mark_fired(session: Session, *, target_id: int, threshold: str, now: datetime) -> bool:
    """Record that a threshold was announced; False when it already was (a retry: send nothing)."""
    row = session.get(IncidentTarget, target_id)
    if row is None or threshold in row.fired:
        return False
    row.fired = [*row.fired, threshold]
    if threshold == BREACH and row.breached_at is None:
        row.breached_at = _checkpoints(row).get(BREACH, now)
    _next_check(row)
    row.updated_at = now
    session.flush()
    return True


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
    left: timedelta | None  # wall-clock time to the due time, or business time left while paused
    overdue: timedelta | None


def clocks(session: Session, *, org: OrgConfig, incident: Incident, now: datetime) -> list[Clock]:
    return [
        _clock(row, org=org, stopped=stops(incident.events), now=now) for row in targets_of(session, incident)
    ]


def pauses(incident: Incident) -> list[Stop]:
    """The intervals the clocks stood still (waiting on the customer, resolved until reopened)."""
    return stops(incident.events)


def _clock(row: IncidentTarget, *, org: OrgConfig, stopped: list[Stop], now: datetime) -> Clock:
    late = row.breached_at is not None or (row.due_at is not None and row.due_at <= (row.met_at or now))
    left: timedelta | None = None
    overdue: timedelta | None = None
    if row.met_at is not None:
        state = "breached" if late else "met"
    elif late:
        state = "breached"
        overdue = now - (row.due_at or row.breached_at or now)
    elif row.due_at is None:
        state = "paused"
        calendar = org.sla.calendars.get(row.calendar)
        if calendar is not None:
            used = business_time_between(calendar.calendar, start=row.started_at, end=now, pauses=stopped)
            left = max(timedelta(0), timedelta(seconds=row.target_seconds) - used)
    else:
        state = "running"
        left = row.due_at - now
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
    )


def _checkpoints(row: IncidentTarget) -> dict[str, datetime]:
    return {label: datetime.fromisoformat(at) for label, at in (row.checkpoints or {}).items()}


def _next_check(row: IncidentTarget) -> None:
    """The earliest unannounced alert; none once the target is met (the work it asks for is done)."""
    fired = set(row.fired)
    if row.met_at is not None:
        row.next_check_at = None
        return
    pending = [at for label, at in _checkpoints(row).items() if label not in fired]
    row.next_check_at = min(pending) if pending else None


def _prune(row: IncidentTarget, *, until: datetime) -> None:
    """Keep only the alerts crossed by `until`: the clock stops there."""
    row.checkpoints = {label: at.isoformat() for label, at in _checkpoints(row).items() if at <= until}
    _next_check(row)


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
