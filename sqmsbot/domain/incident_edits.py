"""Correcting an incident (edit) and folding a repeat into its original (duplicate).

An edit never loses what was there: each changed field is an event holding the old value. A
duplicate is closed with a link both ways, so the original shows how many times the problem was
reported: a measure of its impact.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain import sla
from sqmsbot.domain.incident_events import move, record
from sqmsbot.domain.incident_workflow import WORKFLOW
from sqmsbot.errors import InvalidTransition, NotFound
from sqmsbot.models import Incident, IncidentEvent, IncidentTargetMove, Person

EDITABLE = ("title", "description", "customer_ref", "service")


def edit(
    session: Session,
    *,
    org: OrgConfig,
    incident: Incident,
    actor: Person,
    now: datetime,
    changes: Mapping[str, str | None],
) -> list[IncidentEvent]:
    """Change some of the editable fields; a new service brings its commitments, as a priority does,
    so changing it is for those who may change the priority."""
    WORKFLOW.check("edit", incident, actor)
    if changes.get("service") not in (None, incident.service):
        WORKFLOW.check("service", incident, actor)
    if "service" in changes and changes["service"] is not None and org.service(changes["service"]) is None:
        service = changes["service"]
        raise NotFound("errors.unknown_service", service=service[:40], choices=", ".join(org.service_by_key))
    events: list[IncidentEvent] = []
    for field in EDITABLE:
        if field not in changes:
            continue
        old, new = getattr(incident, field), changes[field]
        if old == new or (field in ("title", "service") and not new):
            continue
        setattr(incident, field, new)
        events.append(record(incident, actor=actor, now=now, kind="edited", to_value=field, note=old))
    if not events:
        raise InvalidTransition("errors.incident.nothing_changed")
    session.flush()
    if any(e.to_value == "service" for e in events):
        sla.reschedule(session, org=org, incident=incident, now=now, reason="service")
    return events


def mark_duplicate(
    session: Session,
    *,
    incident: Incident,
    original: Incident,
    actor: Person,
    now: datetime,
    note: str | None = None,
) -> IncidentEvent:
    """Close `incident` as a repeat of `original`; its open clocks are dropped, not breached: the
    commitment is kept on the original."""
    WORKFLOW.check("duplicate", incident, actor)
    if original.id == incident.id:
        raise InvalidTransition("errors.incident.duplicate_of_itself")
    if original.duplicate_of_id is not None:
        raise InvalidTransition("errors.incident.duplicate_of_duplicate", incident=original.duplicate_of_id)
    if original.status == "closed":
        raise InvalidTransition("errors.incident.duplicate_of_closed", incident=original.id)
    WORKFLOW.check("note", original, actor)  # the link and its note go on the original's timeline
    incident.duplicate_of_id = original.id
    incident.closed_at = now
    incident.waiting_since = None
    event = move(incident, actor=actor, now=now, to="closed", kind="duplicate", note=note)
    record(original, actor=actor, now=now, kind="duplicate_linked", to_value=str(incident.id), note=note)
    session.flush()
    _drop_open_clocks(session, incident=incident, now=now)
    return event


def _drop_open_clocks(session: Session, *, incident: Incident, now: datetime) -> None:
    for row in sla.targets_of(incident):
        if row.met_at is None:
            session.add(
                IncidentTargetMove(
                    incident_id=incident.id,
                    target=row.target,
                    at=now,
                    from_due=row.due_at,
                    to_due=None,
                    reason="duplicate",
                )
            )
            incident.targets.remove(row)
