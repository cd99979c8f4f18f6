"""The incident lifecycle: report, respond, wait, resolve, reopen, close, hand over.

Every rule lives here (state machine, who may do what) and every change appends an event, so the
timeline and the KPIs read the same facts whatever platform the change came from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain import sla
from sqmsbot.domain.incident_rules import (
    OPEN_STATUSES,
    can_manage,
    can_respond,
    require_open,
    require_reporter_or_responder,
    require_responder,
    require_status,
)
from sqmsbot.errors import Forbidden, InvalidTransition, NotFound, UsageError
from sqmsbot.models import Incident, IncidentEvent, IncidentInvolvement, Person

PRIORITIES = ("P1", "P2", "P3", "P4")
CATEGORIES = ("man", "machine", "material", "method", "measurement", "environment")
SOURCES = ("complaint", "internal", "audit", "mystery-shopper", "kpi-alert")
STATUSES = ("new", "acknowledged", "waiting", "resolved", "closed")


def _event(
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


def _set_status(
    incident: Incident, *, actor: Person, now: datetime, to: str, kind: str, note: str | None = None
) -> IncidentEvent:
    old = incident.status
    incident.status = to
    return _event(incident, actor=actor, now=now, kind=kind, from_value=old, to_value=to, note=note)


def report(
    session: Session,
    *,
    org: OrgConfig,
    actor: Person,
    platform: str,
    now: datetime,
    priority: str,
    service: str,
    title: str,
    source: str = "complaint",
    category: str | None = None,
    customer_ref: str | None = None,
    description: str | None = None,
    department: str | None = None,
) -> Incident:
    """Open an incident, owned by the service's department unless another is named."""
    svc = org.service(service)
    if svc is None:
        raise NotFound("errors.unknown_service", service=service[:40], choices=", ".join(org.service_by_key))
    owner = department or svc.department
    if org.department(owner) is None:
        raise NotFound(
            "errors.unknown_department", department=owner[:40], choices=", ".join(org.department_by_key)
        )
    incident = Incident(
        platform=platform,
        priority=priority,
        service=service,
        category=category,
        source=source,
        customer_ref=customer_ref,
        title=title,
        description=description,
        status="new",
        department=owner,
        reporter=actor,
        reported_at=now,
        updated_at=now,
        first_contact_resolution=False,
        reopen_count=0,
    )
    session.add(incident)
    _event(incident, actor=actor, now=now, kind="reported", to_value="new", note=title)
    session.flush()
    sla.start(session, org=org, incident=incident, now=now)
    return incident


def get(session: Session, *, number: int) -> Incident:
    incident = session.get(Incident, number)
    if incident is None:
        raise NotFound("errors.unknown_incident", number=number)
    return incident


def acknowledge(session: Session, *, incident: Incident, actor: Person, now: datetime) -> IncidentEvent:
    require_responder(incident, actor)
    if incident.status != "new":
        if incident.status in OPEN_STATUSES:
            raise InvalidTransition("errors.incident.already_acknowledged", status=incident.status)
        require_open(incident)
    event = _acknowledge(incident, actor=actor, now=now)
    sla.met(session, incident=incident, at={"acknowledge": now})
    return event


def _acknowledge(incident: Incident, *, actor: Person, now: datetime) -> IncidentEvent:
    incident.acknowledged_at = incident.acknowledged_at or now
    return _set_status(incident, actor=actor, now=now, to="acknowledged", kind="acknowledged")


def _first_response(session: Session, incident: Incident, now: datetime, *, resolved: bool = False) -> None:
    """Something the customer notices (see sqmsbot.domain.sla): the early clocks stop, and with a
    resolution the resolve clock too."""
    met = {"acknowledge": incident.acknowledged_at or now, "first_response": now}
    sla.met(session, incident=incident, at=met | ({"resolve": now} if resolved else {}))


def assign(
    session: Session, *, incident: Incident, actor: Person, assignee: Person, now: datetime
) -> IncidentEvent:
    """Give the incident an owner inside the departments working on it."""
    require_responder(incident, actor)
    require_open(incident)
    if incident.assignee_id == assignee.id:
        raise InvalidTransition("errors.incident.already_assigned", person=assignee.display_name)
    involved = {incident.department, *(i.department for i in incident.involvements)}
    if assignee.department not in involved and assignee.role not in ("quality", "admin"):
        raise Forbidden("errors.incident.assignee_outside", person=assignee.display_name)
    old = incident.assignee.display_name if incident.assignee else None
    incident.assignee = assignee
    event = _event(
        incident, actor=actor, now=now, kind="assigned", from_value=old, to_value=assignee.display_name
    )
    session.flush()
    return event


def add_note(
    session: Session, *, incident: Incident, actor: Person, now: datetime, note: str
) -> IncidentEvent:
    if incident.status == "closed":
        raise InvalidTransition("errors.incident.closed")
    require_reporter_or_responder(incident, actor)
    event = _event(incident, actor=actor, now=now, kind="note", note=note)
    session.flush()
    if incident.status in OPEN_STATUSES and can_respond(incident, actor) and actor.id != incident.reporter_id:
        sla.met(session, incident=incident, at={"first_response": now})
    return event


def wait_on_customer(
    session: Session, *, incident: Incident, actor: Person, now: datetime, note: str | None = None
) -> IncidentEvent:
    """Pause for the customer. An unacknowledged incident is acknowledged by this first response."""
    require_responder(incident, actor)
    require_status(incident, ("new", "acknowledged"), "errors.incident.cannot_wait")
    if incident.status == "new":
        _acknowledge(incident, actor=actor, now=now)
    incident.waiting_since = now
    event = _set_status(incident, actor=actor, now=now, to="waiting", kind="waiting", note=note)
    session.flush()
    _first_response(session, incident, now)
    sla.pause(session, incident=incident, now=now)
    return event


def resume(
    session: Session,
    *,
    org: OrgConfig,
    incident: Incident,
    actor: Person,
    now: datetime,
    note: str | None = None,
) -> IncidentEvent:
    """Back from waiting: the clocks run again and their due times move by the pause."""
    require_responder(incident, actor)
    require_status(incident, ("waiting",), "errors.incident.not_waiting")
    incident.waiting_since = None
    event = _set_status(incident, actor=actor, now=now, to="acknowledged", kind="resumed", note=note)
    session.flush()
    sla.reschedule(session, org=org, incident=incident, now=now, reason="resumed")
    return event


def resolve(
    session: Session,
    *,
    incident: Incident,
    actor: Person,
    now: datetime,
    note: str,
    first_contact: bool = False,
) -> IncidentEvent:
    """Resolve with a note. First-contact resolution is only claimable the first time round."""
    require_responder(incident, actor)
    require_status(incident, OPEN_STATUSES, "errors.incident.cannot_resolve")
    if first_contact and incident.reopen_count:
        raise InvalidTransition("errors.incident.fcr_after_reopen")
    if incident.status == "new":
        _acknowledge(incident, actor=actor, now=now)
    incident.waiting_since = None
    incident.resolved_at = now
    incident.resolution = note
    incident.first_contact_resolution = first_contact
    event = _set_status(incident, actor=actor, now=now, to="resolved", kind="resolved", note=note)
    if first_contact:
        event.to_value = "resolved:fcr"
    session.flush()
    _first_response(session, incident, now, resolved=True)
    return event


def reopen(
    session: Session, *, org: OrgConfig, incident: Incident, actor: Person, now: datetime, reason: str
) -> IncidentEvent:
    """Back to work: the resolution did not hold. Closed incidents stay closed (report a new one).

    The resolve clock continues from where the resolution stopped it (sqmsbot.domain.sla).
    """
    require_reporter_or_responder(incident, actor)
    if incident.status == "closed":
        raise InvalidTransition("errors.incident.reopen_closed")
    require_status(incident, ("resolved",), "errors.incident.cannot_reopen")
    incident.reopen_count += 1
    incident.resolved_at = None
    incident.first_contact_resolution = False
    event = _set_status(incident, actor=actor, now=now, to="acknowledged", kind="reopened", note=reason)
    session.flush()
    sla.reopen(session, org=org, incident=incident, now=now)
    return event


def close(
    session: Session, *, incident: Incident, actor: Person, now: datetime, note: str | None = None
) -> IncidentEvent:
    require_reporter_or_responder(incident, actor)
    if incident.status == "closed":
        raise InvalidTransition("errors.incident.closed")
    require_status(incident, ("resolved",), "errors.incident.close_unresolved")
    incident.closed_at = now
    event = _set_status(incident, actor=actor, now=now, to="closed", kind="closed", note=note)
    session.flush()
    return event


def change_priority(
    session: Session,
    *,
    org: OrgConfig,
    incident: Incident,
    actor: Person,
    now: datetime,
    priority: str,
    reason: str,
) -> IncidentEvent:
    """A new priority brings the new priority's commitments; the clocks keep their start."""
    if not can_manage(incident, actor):
        raise Forbidden("errors.incident.lead_required", department=incident.department)
    require_open(incident)
    if incident.priority == priority:
        raise InvalidTransition("errors.incident.same_priority", priority=priority)
    old = incident.priority
    incident.priority = priority
    event = _event(
        incident,
        actor=actor,
        now=now,
        kind="priority_changed",
        from_value=old,
        to_value=priority,
        note=reason,
    )
    session.flush()
    sla.reschedule(session, org=org, incident=incident, now=now, reason="priority")
    return event


def transfer(
    session: Session,
    *,
    org: OrgConfig,
    incident: Incident,
    actor: Person,
    now: datetime,
    department: str,
    reason: str,
) -> IncidentEvent:
    """Hand ownership to another department; the old assignee is released."""
    _require_handover(org, incident=incident, actor=actor, department=department)
    old = incident.department
    incident.department = department
    incident.assignee = None
    for involvement in list(incident.involvements):
        if involvement.department == department:
            incident.involvements.remove(involvement)
    event = _event(
        incident, actor=actor, now=now, kind="transferred", from_value=old, to_value=department, note=reason
    )
    session.flush()
    sla.reschedule(session, org=org, incident=incident, now=now, reason="transferred")
    return event


def involve(
    session: Session,
    *,
    org: OrgConfig,
    incident: Incident,
    actor: Person,
    now: datetime,
    department: str,
    note: str | None = None,
) -> IncidentEvent:
    """Bring another department in to help without moving ownership."""
    _require_handover(org, incident=incident, actor=actor, department=department)
    if any(i.department == department for i in incident.involvements):
        raise InvalidTransition("errors.incident.already_involved", department=department)
    incident.involvements.append(
        IncidentInvolvement(department=department, involved_at=now, involved_by_id=actor.id)
    )
    event = _event(incident, actor=actor, now=now, kind="involved", to_value=department, note=note)
    session.flush()
    return event


def _require_handover(org: OrgConfig, *, incident: Incident, actor: Person, department: str) -> None:
    """Transfer and involve: the owner (or an org-wide role) hands an open incident to another department."""
    _require_department(org, department)
    if not (actor.department == incident.department or actor.role in ("quality", "admin")):
        raise Forbidden("errors.incident.owner_required", department=incident.department)
    require_open(incident)
    if department == incident.department:
        raise InvalidTransition("errors.incident.same_department", department=department)


def _require_department(org: OrgConfig, department: str) -> None:
    if org.department(department) is None:
        raise NotFound(
            "errors.unknown_department", department=department[:40], choices=", ".join(org.department_by_key)
        )


def parse_ref(ref: str, *, prefix: str) -> int:
    """`SQ-42`, `sq-42`, `#42` or `42` → 42."""
    text = ref.strip().lstrip("#")
    head, sep, tail = text.rpartition("-")
    if sep and head.upper() != prefix.upper():
        raise UsageError("errors.bad_ref", ref=ref[:40], prefix=prefix)
    digits = tail if sep else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > 9 or int(digits) == 0:
        raise UsageError("errors.bad_ref", ref=ref[:40], prefix=prefix)
    return int(digits)
