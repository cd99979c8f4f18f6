"""Recording changes on an incident, once the workflow table has allowed them: every change leaves an
event (who, when, from → to, why) and moves `updated_at`, so the row's version moves too: the
compare-and-set that keeps two replicas from both succeeding (DESIGN §3.6).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm.attributes import flag_modified

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
    # A request's `now` is read when it starts; another process may commit a later change to this
    # incident before this one loads it. The timeline must still run forwards (a pause that ended
    # before it began broke the SLA arithmetic), so an event is never dated before the last change.
    if incident.updated_at is not None and incident.updated_at > now:
        now = incident.updated_at
    event = IncidentEvent(kind=kind, actor=actor, at=now, from_value=from_value, to_value=to_value, note=note)
    incident.events.append(event)
    incident.updated_at = now
    flag_modified(incident, "updated_at")  # an UPDATE even within the same instant: the version moves
    return event


def move(
    incident: Incident, *, actor: Person, now: datetime, to: str, kind: str, note: str | None = None
) -> IncidentEvent:
    """A change of state, recorded as `kind` from the state it leaves."""
    old = incident.status
    incident.status = to
    return record(incident, actor=actor, now=now, kind=kind, from_value=old, to_value=to, note=note)


def acknowledge_implicitly(incident: Incident, *, actor: Person, now: datetime) -> None:
    """A first response on a new incident (taking it, waiting, resolving) acknowledges it on the way."""
    if incident.status == "new":
        incident.acknowledged_at = incident.acknowledged_at or now
        move(incident, actor=actor, now=now, to="acknowledged", kind="acknowledged")
