"""Who may act on an incident, and in which states: the guards the lifecycle functions share."""

from __future__ import annotations

from collections.abc import Iterable

from sqmsbot.errors import Forbidden, InvalidTransition
from sqmsbot.models import Incident, Person

OPEN_STATUSES = ("new", "acknowledged", "waiting")
ORG_WIDE_ROLES = ("quality", "admin")


def can_respond(incident: Incident, actor: Person) -> bool:
    """Responders: the owning and involved departments, the assignee, and the org-wide roles."""
    if actor.role in ORG_WIDE_ROLES or incident.assignee_id == actor.id:
        return True
    departments = {incident.department, *(i.department for i in incident.involvements)}
    return actor.department in departments


def can_manage(incident: Incident, actor: Person) -> bool:
    """Decisions that move commitments (priority): leads and managers of the owner, or org-wide roles."""
    if actor.role in ORG_WIDE_ROLES:
        return True
    return actor.department == incident.department and actor.role in ("lead", "manager")


def require_responder(incident: Incident, actor: Person) -> None:
    if not can_respond(incident, actor):
        raise Forbidden("errors.incident.not_responder", department=incident.department)


def require_reporter_or_responder(incident: Incident, actor: Person) -> None:
    """Notes, reopening and closing are the reporter's too: they speak for the customer."""
    if incident.reporter_id != actor.id and not can_respond(incident, actor):
        raise Forbidden("errors.incident.not_responder", department=incident.department)


def require_open(incident: Incident) -> None:
    if incident.status == "closed":
        raise InvalidTransition("errors.incident.closed")
    if incident.status == "resolved":
        raise InvalidTransition("errors.incident.resolved_already")


def require_status(incident: Incident, allowed: Iterable[str], key: str) -> None:
    if incident.status not in allowed:
        if incident.status == "closed":
            raise InvalidTransition("errors.incident.closed")
        raise InvalidTransition(key, status=incident.status)
