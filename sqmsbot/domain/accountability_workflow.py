"""An accountability record's workflow table, on the same mechanism as an incident's
(sqmsbot.domain.workflow): a draft is confirmed or dismissed by the subject's manager chain, once.

The appeal steps of the people-records issue (acknowledge, appeal, uphold, withdraw) are further rows
of this table; the version column on the record makes each step a compare-and-set, so two managers
deciding the same draft at once never both succeed.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqmsbot.domain.workflow import Permission, Transition, Workflow
from sqmsbot.models import AccountabilityRecord, Person
from sqmsbot.models.accountability import RECORD_STATUSES
from sqmsbot.vocabulary import ROLES

ORG_WIDE_ROLES = ("quality", "admin")
DECIDING_ROLE = "manager"
# Whose records a department's managers see: the people below them.
BELOW_MANAGER = ROLES[: ROLES.index(DECIDING_ROLE)]
REF_PREFIX = "AR"
DONE_KEYS = {"confirmed": "account.did.confirmed", "dismissed": "account.did.dismissed"}


def ref(record: AccountabilityRecord) -> str:
    return f"{REF_PREFIX}-{record.id}"


def can_see(record: AccountabilityRecord, viewer: Person) -> bool:
    if viewer.role in ORG_WIDE_ROLES or record.subject_id == viewer.id:
        return True
    return (
        viewer.role == DECIDING_ROLE
        and viewer.department is not None
        and record.department == viewer.department
        and record.subject.role in BELOW_MANAGER
    )


def can_decide(record: AccountabilityRecord, viewer: Person) -> bool:
    """The subject's manager chain decides, never the subject (whatever their role)."""
    return record.subject_id != viewer.id and can_see(record, viewer)


def _context(record: AccountabilityRecord) -> Mapping[str, object]:
    """The record's ref, and who decided it: what a second manager deciding at once is told."""
    context: dict[str, object] = {"ref": ref(record)}
    for event in reversed(record.events):
        if event.to_status == record.status and event.to_status in DONE_KEYS:
            who = event.actor.display_name if event.actor else ""
            context |= {"changed_by": who, "changed_key": DONE_KEYS[event.to_status], "changed_at": event.at}
            break
    return context


DECIDER: Permission[AccountabilityRecord] = Permission("decider", can_decide, "account.not_decider")
NOT_DRAFT = {"*": "account.not_draft"}

WORKFLOW: Workflow[AccountabilityRecord] = Workflow(
    entity="accountability record",
    states=RECORD_STATUSES,
    refusal_context=_context,
    transitions=[
        Transition("confirm", ("draft",), "confirmed", DECIDER, "confirmed", NOT_DRAFT),
        Transition("dismiss", ("draft",), "dismissed", DECIDER, "dismissed", NOT_DRAFT),
    ],
)
