"""Recording changes on an incident: every change goes through the workflow table and leaves an event.

`apply` is the one way a verb changes an incident: the table checks who may and from which state,
the event records who, when, from → to and why, and `updated_at` moves so that the row's version
does too (the compare-and-set that keeps two replicas from both succeeding, DESIGN §3.6).
"""

from __future__ import annotations

from datetime import datetime

from sqmsbot.domain.incident_workflow import WORKFLOW
from sqmsbot.models import Incident, IncidentEvent, Person


def record(
    incident: Incident,
    *,
    actor: Person | None,
    now: datetime,
    kind: str,
    from_value: str | None = None,
    to_value: str | None = None,
    note: str | None = None,
) -> IncidentEvent:
    event = IncidentEvent(kind=kind, actor=actor, at=now, from_value=from_value, to_value=to_value, note=note)
    incident.events.append(event)
    incident.updated_at = now
    return event


def move(
    incident: Incident, *, actor: Person, now: datetime, to: str, kind: str, note: str | None = None
) -> IncidentEvent:
    """A change of state, recorded as `kind` from the state it leaves."""
    old = incident.status
    incident.status = to
    return record(incident, actor=actor, now=now, kind=kind, from_value=old, to_value=to, note=note)


def apply(
    incident: Incident, verb: str, *, actor: Person, now: datetime, note: str | None = None
) -> IncidentEvent:
    """Check `verb` against the table and record it: a move for a transition with a target state, a
    plain event for one that keeps the state (the caller fills in its from → to)."""
    transition = WORKFLOW.check(verb, incident, actor)
    if transition.target is None:
        return record(incident, actor=actor, now=now, kind=transition.records, note=note)
    return move(incident, actor=actor, now=now, to=transition.target, kind=transition.records, note=note)


def acknowledge_implicitly(incident: Incident, *, actor: Person, now: datetime) -> None:
    """A first response on a new incident (taking it, waiting, resolving) acknowledges it on the way."""
    if incident.status == "new":
        incident.acknowledged_at = incident.acknowledged_at or now
        move(incident, actor=actor, now=now, to="acknowledged", kind="acknowledged")
