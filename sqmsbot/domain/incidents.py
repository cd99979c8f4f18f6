"""The incident lifecycle: report, respond, wait, resolve, reopen, close.

Every verb goes through the incident's workflow table (sqmsbot.domain.incident_workflow), which says
who may and from which states, and every change appends an event, so the timeline and the KPIs read
the same facts whatever platform the change came from. Handing over (assign, transfer, involve,
priority) lives in incident_handover; editing and duplicates in incident_edits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain import sla
from sqmsbot.domain.incident_edits import edit, mark_duplicate
from sqmsbot.domain.incident_events import acknowledge_implicitly, move, record
from sqmsbot.domain.incident_handover import assign, change_priority, involve, release, transfer
from sqmsbot.domain.incident_workflow import OPEN_STATUSES, STATUSES, WORKFLOW, can_respond
from sqmsbot.domain.kpi.business import reopened, stamp
from sqmsbot.errors import InvalidTransition, NotFound, UsageError
from sqmsbot.models import Incident, IncidentEvent, Person
from sqmsbot.vocabulary import CATEGORIES, PRIORITIES, SOURCES  # re-exported: `incidents.PRIORITIES`

__all__ = [
    "CATEGORIES",
    "PRIORITIES",
    "SOURCES",
    "STATUSES",
    "acknowledge",
    "add_note",
    "assign",
    "change_priority",
    "close",
    "edit",
    "get",
    "involve",
    "mark_duplicate",
    "parse_ref",
    "release",
    "reopen",
    "report",
    "resolve",
    "resume",
    "transfer",
    "wait_on_customer",
]


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
    record(incident, actor=actor, now=now, kind="reported", to_value="new", note=title)
    session.flush()
    sla.start(session, org=org, incident=incident, now=now)
    return incident


def get(session: Session, *, number: int) -> Incident:
    incident = session.get(Incident, number)
    if incident is None:
        raise NotFound("errors.unknown_incident", number=number)
    return incident


def acknowledge(
    session: Session, *, incident: Incident, actor: Person, now: datetime, org: OrgConfig | None = None
) -> IncidentEvent:
    """`org`: the calendar the business time to acknowledge counts in (sqmsbot.domain.kpi.business);
    without it that figure is left unknown (for `sqmsbot kpi backfill`)."""
    transition = WORKFLOW.check("ack", incident, actor)
    incident.acknowledged_at = incident.acknowledged_at or now
    event = move(incident, actor=actor, now=now, to=transition.target or "acknowledged", kind="acknowledged")
    sla.met(session, incident=incident, at={"acknowledge": now})
    stamp(incident, org=org)
    return event


def first_response(session: Session, incident: Incident, now: datetime, *, resolved: bool = False) -> None:
    """Something the customer notices (see sqmsbot.domain.sla): the early clocks stop, and with a
    resolution the resolve clock too."""
    met = {"acknowledge": incident.acknowledged_at or now, "first_response": now}
    sla.met(session, incident=incident, at=met | ({"resolve": now} if resolved else {}))


def add_note(
    session: Session, *, incident: Incident, actor: Person, now: datetime, note: str
) -> IncidentEvent:
    """A note keeps the state; a responder's note is something the customer hears of (first response)."""
    WORKFLOW.check("note", incident, actor)
    event = record(incident, actor=actor, now=now, kind="note", note=note)
    session.flush()
    if incident.status in OPEN_STATUSES and can_respond(incident, actor) and actor.id != incident.reporter_id:
        sla.met(session, incident=incident, at={"first_response": now})
    return event


def wait_on_customer(
    session: Session,
    *,
    incident: Incident,
    actor: Person,
    now: datetime,
    note: str | None = None,
    org: OrgConfig | None = None,
) -> IncidentEvent:
    """Pause for the customer. An unacknowledged incident is acknowledged by this first response."""
    WORKFLOW.check("wait", incident, actor)
    acknowledge_implicitly(incident, actor=actor, now=now)
    incident.waiting_since = now
    event = move(incident, actor=actor, now=now, to="waiting", kind="waiting", note=note)
    session.flush()
    first_response(session, incident, now)
    sla.pause(session, incident=incident, now=now)
    stamp(incident, org=org)
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
    WORKFLOW.check("resume", incident, actor)
    incident.waiting_since = None
    event = move(incident, actor=actor, now=now, to="acknowledged", kind="resumed", note=note)
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
    org: OrgConfig | None = None,
) -> IncidentEvent:
    """Resolve with a note. First-contact resolution is only claimable the first time round.

    `org`: the calendar of the business time to resolve (and to acknowledge, when this resolution
    acknowledges it), as in `acknowledge`."""
    WORKFLOW.check("resolve", incident, actor)
    if first_contact and incident.reopen_count:
        raise InvalidTransition("errors.incident.fcr_after_reopen")
    acknowledge_implicitly(incident, actor=actor, now=now)
    incident.waiting_since = None
    incident.resolved_at = now
    incident.resolution = note
    incident.first_contact_resolution = first_contact
    event = move(incident, actor=actor, now=now, to="resolved", kind="resolved", note=note)
    if first_contact:
        event.to_value = "resolved:fcr"
    session.flush()
    first_response(session, incident, now, resolved=True)
    stamp(incident, org=org)
    return event


def reopen(
    session: Session, *, org: OrgConfig, incident: Incident, actor: Person, now: datetime, reason: str
) -> IncidentEvent:
    """Back to work: the resolution did not hold. Closed incidents stay closed (report a new one).

    The resolve clock continues from where the resolution stopped it (sqmsbot.domain.sla).
    """
    WORKFLOW.check("reopen", incident, actor)
    incident.reopen_count += 1
    incident.resolved_at = None
    incident.first_contact_resolution = False
    event = move(incident, actor=actor, now=now, to="acknowledged", kind="reopened", note=reason)
    session.flush()
    sla.reopen(session, org=org, incident=incident, now=now)
    reopened(incident)  # no resolution now: its business time goes with `resolved_at`
    return event


def close(
    session: Session, *, incident: Incident, actor: Person, now: datetime, note: str | None = None
) -> IncidentEvent:
    WORKFLOW.check("close", incident, actor)
    incident.closed_at = now
    event = move(incident, actor=actor, now=now, to="closed", kind="closed", note=note)
    session.flush()
    return event


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
