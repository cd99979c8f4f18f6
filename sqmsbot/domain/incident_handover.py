"""Handing an incident over: to a person (assign, release), to another department (transfer,
involve), or to other commitments (priority). Who may is in the workflow table; the extra rules
about people are here: only the owner's leads reassign someone else's incident, and only the owning
department (or quality) can hold one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain import sla
from sqmsbot.domain.incident_events import acknowledge_implicitly, record
from sqmsbot.domain.incident_workflow import WORKFLOW, can_manage, in_owner, is_quality
from sqmsbot.domain.kpi.business import stamp
from sqmsbot.errors import Forbidden, InvalidTransition, NotFound
from sqmsbot.models import Incident, IncidentEvent, IncidentInvolvement, Person


def assign(
    session: Session,
    *,
    incident: Incident,
    actor: Person,
    assignee: Person,
    now: datetime,
    org: OrgConfig | None = None,
) -> IncidentEvent:
    """Give the incident an owner in the owning department (or quality).

    A responder takes an unassigned incident; its assignee hands it on; anything else (giving it to
    someone, taking it from someone) is for the owner's leads and managers. Taking a new incident
    acknowledges it: the one who takes it is on it.
    """
    WORKFLOW.check("assign", incident, actor)
    if incident.assignee_id == assignee.id:
        raise InvalidTransition("errors.incident.already_assigned", person=assignee.display_name)
    held_by_other = incident.assignee_id is not None and incident.assignee_id != actor.id
    gives_away = incident.assignee_id is None and assignee.id != actor.id
    if (held_by_other or gives_away) and not can_manage(incident, actor):
        key = "errors.incident.reassign_lead" if held_by_other else "errors.incident.assign_lead"
        raise Forbidden(key, department=incident.department)
    if not (in_owner(incident, assignee) or is_quality(assignee)):
        raise Forbidden("errors.incident.assignee_outside", person=assignee.display_name)
    if assignee.id == actor.id:
        acknowledged = incident.status == "new"
        acknowledge_implicitly(incident, actor=actor, now=now)
        if acknowledged:
            sla.met(session, incident=incident, at={"acknowledge": now})
            stamp(incident, org=org)  # `org`: the business time to acknowledge (see incidents.acknowledge)
    old = incident.assignee.display_name if incident.assignee else None
    incident.assignee = assignee
    event = record(
        incident, actor=actor, now=now, kind="assigned", from_value=old, to_value=assignee.display_name
    )
    session.flush()
    return event


def release(session: Session, *, incident: Incident, actor: Person, now: datetime) -> IncidentEvent:
    """Hand an incident back to the department: its assignee, or the owner's leads, may."""
    WORKFLOW.check("release", incident, actor)
    if incident.assignee is None:
        raise InvalidTransition("errors.incident.not_assigned")
    if incident.assignee_id != actor.id and not can_manage(incident, actor):
        raise Forbidden("errors.incident.reassign_lead", department=incident.department)
    old = incident.assignee.display_name
    incident.assignee = None
    event = record(incident, actor=actor, now=now, kind="assigned", from_value=old, to_value=None)
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
    WORKFLOW.check("priority", incident, actor)
    if incident.priority == priority:
        raise InvalidTransition("errors.incident.same_priority", priority=priority)
    old = incident.priority
    incident.priority = priority
    event = record(
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
    _require_other_department(org, incident=incident, actor=actor, department=department, verb="transfer")
    old = incident.department
    incident.department = department
    for clock in incident.targets:  # its commitments go with it (sqmsbot.models.sla)
        clock.department = department
    incident.assignee = None
    for involvement in list(incident.involvements):
        if involvement.department == department:
            incident.involvements.remove(involvement)
    event = record(
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
    _require_other_department(org, incident=incident, actor=actor, department=department, verb="involve")
    if any(i.department == department for i in incident.involvements):
        raise InvalidTransition("errors.incident.already_involved", department=department)
    incident.involvements.append(
        IncidentInvolvement(department=department, involved_at=now, involved_by_id=actor.id)
    )
    event = record(incident, actor=actor, now=now, kind="involved", to_value=department, note=note)
    session.flush()
    return event


def _require_other_department(
    org: OrgConfig, *, incident: Incident, actor: Person, department: str, verb: str
) -> None:
    if org.department(department) is None:
        raise NotFound(
            "errors.unknown_department", department=department[:40], choices=", ".join(org.department_by_key)
        )
    WORKFLOW.check(verb, incident, actor)
    if department == incident.department:
        raise InvalidTransition("errors.incident.same_department", department=department)
