"""The incident's workflow table and the rules of who may do what (README "Who may do what").

The rules, as a service organisation runs them:
- the owning department responds: any of its members acknowledges, takes an unassigned incident,
  waits on the customer, resolves; the assignee may hand their own incident on to a colleague;
- moving commitments or people is for the owner's leads and managers: priority, transfer, and
  reassigning an incident someone else holds;
- involved departments help: they add notes and see the customer's details, but do not resolve,
  close or reassign the owner's incident;
- the reporter speaks for the customer: notes, reopening and closing;
- the quality team may do everything, in every department;
- admin administers people and configuration; on incidents an admin has only the rights their
  department, report or assignment give them.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqmsbot.domain.workflow import Permission, Step, Transition, Workflow
from sqmsbot.models import Incident, Person

STATUSES = ("new", "acknowledged", "waiting", "resolved", "closed")
OPEN_STATUSES = ("new", "acknowledged", "waiting")
ORG_WIDE_ROLES = ("quality",)
MANAGING_ROLES = ("lead", "manager")


def is_quality(person: Person) -> bool:
    return person.role in ORG_WIDE_ROLES


def in_owner(incident: Incident, person: Person) -> bool:
    return person.department is not None and person.department == incident.department


def in_involved(incident: Incident, person: Person) -> bool:
    return person.department is not None and any(
        i.department == person.department for i in incident.involvements
    )


def can_respond(incident: Incident, person: Person) -> bool:
    """Responders: the owning department, the assignee, and the quality team."""
    return is_quality(person) or in_owner(incident, person) or incident.assignee_id == person.id


def can_manage(incident: Incident, person: Person) -> bool:
    """Decisions that move commitments or people: leads and managers of the owner, or quality."""
    return is_quality(person) or (in_owner(incident, person) and person.role in MANAGING_ROLES)


def can_see_customer(incident: Incident, person: Person) -> bool:
    """The customer's reference and the description: responders, involved departments, the reporter."""
    return can_respond(incident, person) or in_involved(incident, person) or incident.reporter_id == person.id


def _owner(incident: Incident) -> Mapping[str, object]:
    return {"department": incident.department}


RESPONDER: Permission[Incident] = Permission(
    "responder", can_respond, "errors.incident.not_responder", _owner
)
PARTICIPANT: Permission[Incident] = Permission(
    "participant", can_see_customer, "errors.incident.not_participant", _owner
)
REPORTER_OR_RESPONDER: Permission[Incident] = Permission(
    "reporter_or_responder",
    lambda i, p: i.reporter_id == p.id or can_respond(i, p),
    "errors.incident.not_responder",
    _owner,
)
MANAGER: Permission[Incident] = Permission("manager", can_manage, "errors.incident.lead_required", _owner)

_OPEN_ONLY = {"resolved": "errors.incident.resolved_already", "closed": "errors.incident.closed"} | {
    "*": "errors.incident.closed"
}


def _last_change(incident: Incident) -> Mapping[str, object]:
    """Who moved the incident into its state, and when: the loser of a race reads what won."""
    for event in reversed(incident.events):
        if event.to_value and event.to_value.split(":")[0] == incident.status:
            who = event.actor.display_name if event.actor else ""
            key = "incident.closed_as_duplicate" if event.kind == "duplicate" else f"event.{event.kind}"
            return {"changed_by": who, "changed_key": key, "changed_at": event.at}
    return {}


def _t(
    verb: str,
    sources: tuple[str, ...],
    target: str | None,
    who: Permission[Incident],
    records: str,
    refused: Mapping[str, str],
    step: Step | None = None,
) -> Transition[Incident]:
    return Transition(verb, sources, target, who, records, refused, step)


WORKFLOW: Workflow[Incident] = Workflow(
    entity="incident",
    states=STATUSES,
    refusal_context=_last_change,
    transitions=[
        _t(
            "ack",
            ("new",),
            "acknowledged",
            RESPONDER,
            "acknowledged",
            {"closed": "errors.incident.closed", "resolved": "errors.incident.resolved_already"}
            | {"*": "errors.incident.already_acknowledged"},
            Step("button.ack", primary_in=("new",)),
        ),
        _t("assign", OPEN_STATUSES, None, RESPONDER, "assigned", _OPEN_ONLY, Step("button.assign")),
        _t("release", OPEN_STATUSES, None, RESPONDER, "assigned", _OPEN_ONLY),
        _t(
            "note",
            (*OPEN_STATUSES, "resolved"),
            None,
            PARTICIPANT,
            "note",
            {"closed": "errors.incident.closed", "*": "errors.incident.closed"},
        ),
        _t(
            "edit",
            (*OPEN_STATUSES, "resolved"),
            None,
            REPORTER_OR_RESPONDER,
            "edited",
            {"closed": "errors.incident.closed", "*": "errors.incident.closed"},
        ),
        _t(
            "wait",
            ("new", "acknowledged"),
            "waiting",
            RESPONDER,
            "waiting",
            {"closed": "errors.incident.closed", "*": "errors.incident.cannot_wait"},
            Step("button.wait"),
        ),
        _t(
            "resume",
            ("waiting",),
            "acknowledged",
            RESPONDER,
            "resumed",
            {"closed": "errors.incident.closed", "*": "errors.incident.not_waiting"},
            Step("button.resume", primary_in=("waiting",)),
        ),
        _t(
            "resolve",
            OPEN_STATUSES,
            "resolved",
            RESPONDER,
            "resolved",
            {"closed": "errors.incident.closed", "*": "errors.incident.cannot_resolve"},
            Step("button.resolve", primary_in=("acknowledged",)),
        ),
        _t(
            "close",
            ("resolved",),
            "closed",
            REPORTER_OR_RESPONDER,
            "closed",
            {"closed": "errors.incident.closed", "*": "errors.incident.close_unresolved"},
            Step("button.close", primary_in=("resolved",)),
        ),
        _t(
            "reopen",
            ("resolved",),
            "acknowledged",
            REPORTER_OR_RESPONDER,
            "reopened",
            {"closed": "errors.incident.reopen_closed", "*": "errors.incident.cannot_reopen"},
            Step("button.reopen", danger=True),
        ),
        _t(
            "duplicate",
            OPEN_STATUSES,
            "closed",
            RESPONDER,
            "duplicate",
            {"closed": "errors.incident.closed", "*": "errors.incident.duplicate_resolved"},
        ),
        _t("priority", OPEN_STATUSES, None, MANAGER, "priority_changed", _OPEN_ONLY),
        _t("service", OPEN_STATUSES, None, MANAGER, "edited", _OPEN_ONLY),  # edit service=: new commitments
        _t("transfer", OPEN_STATUSES, None, MANAGER, "transferred", _OPEN_ONLY),
        _t("involve", OPEN_STATUSES, None, RESPONDER, "involved", _OPEN_ONLY),
    ],
)
