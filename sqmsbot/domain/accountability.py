"""Accountability records (DESIGN §9): drafted by the system on a breach, decided by a manager.

Fair: a record is about the process, not blame; it always carries its reason and the evidence (the
incident and the commitment it missed, with the instant). Private: only these people may see it —
- the subject;
- the subject's manager chain: the managers of the department the record belongs to (the subject's
  department when it was drafted). Leads are not in the chain: they work beside the people they lead
  and do not decide on records. A record about a manager (or anyone above) is not shown to fellow
  managers; quality and admin are the rung above them;
- the quality and admin roles, organisation-wide.
The rule is enforced here, in the queries themselves, so no adapter or presenter can leak a record;
one hidden from the viewer is reported as not existing. Records never go to channels or digests.

Never edited: every step is a new `AccountabilityEvent` (who, when, from → to, note). Here only the
first steps exist — a draft is confirmed or dismissed, with a note; the people records issue adds the
subject's acknowledgement and appeal, upholding and withdrawal as further events.

One draft per incident and breach episode, not one per commitment: an incident nobody works misses its
acknowledge, first-response and resolve targets one after the other, and that is one lapse for a
manager to judge, not three. The first breach drafts the record (its `target` and `evidence_at` are
that breach's); each later breach of the same incident while the draft waits for a decision, with the
same person owning it, is added to that draft as an `also_missed` step (its note the target), so the
draft lists them all. A breach after the draft was decided, or with someone else owning the incident,
starts a new episode, and a new draft: the manager has not judged it yet, and a record is about the
person who owned the incident when the commitment was missed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from sqmsbot.domain.accountability_workflow import (
    BELOW_MANAGER,
    DECIDING_ROLE,
    ORG_WIDE_ROLES,
    REF_PREFIX,
    WORKFLOW,
    can_see,
    ref,
)
from sqmsbot.errors import NotFound, UsageError
from sqmsbot.models import (
    AccountabilityEvent,
    AccountabilityRecord,
    Incident,
    Person,
)

BREACH_REASON = "sla_breach"
BREACH_EVIDENCE = "breach"
ALSO_MISSED = "also_missed"
REF = re.compile(rf"^(?:{REF_PREFIX}-?)?#?(\d{{1,9}})$", re.IGNORECASE)
MAX_LISTED = 50


def parse_ref(text: str) -> int:
    match = REF.match(text.strip())
    if match is None:
        raise UsageError("account.bad_ref", ref=text.strip()[:40], prefix=REF_PREFIX)
    return int(match.group(1))


def draft_for_breach(
    session: Session, *, incident: Incident, target: str, now: datetime
) -> AccountabilityRecord | None:
    """The draft for the person who owned the incident when `target` was breached (see the module
    docstring: a later breach of the same episode joins the draft already there).

    Returns None when nobody owned it (unassigned: the process, not a person, is the gap). Calling it
    again for the same incident and target returns the record that lists it, whatever its status.
    """
    return draft_for_breaches(session, breaches=[(incident, target)], now=now)[0]


def draft_for_breaches(
    session: Session, *, breaches: Sequence[tuple[Incident, str]], now: datetime
) -> list[AccountabilityRecord | None]:
    """`draft_for_breach` for each (incident, target), in order, with one query for the records already
    there: a watch tick that sees many breaches at once pays for one."""
    if not breaches:
        return []
    ids = sorted({incident.id for incident, _ in breaches})
    records: dict[int, list[AccountabilityRecord]] = {}
    for record in session.scalars(
        select(AccountabilityRecord)
        .where(
            AccountabilityRecord.evidence_kind == BREACH_EVIDENCE,
            AccountabilityRecord.incident_id.in_(ids),
        )
        .order_by(AccountabilityRecord.id)
    ):
        records.setdefault(record.incident_id or 0, []).append(record)
    found: list[AccountabilityRecord | None] = []
    for incident, target in breaches:
        mine = records.setdefault(incident.id, [])
        listed = next((r for r in mine if target in missed_targets(r)), None)
        if listed is not None or incident.assignee is None:
            found.append(listed)
            continue
        subject = incident.assignee
        episode = next(
            (r for r in reversed(mine) if r.status == "draft" and r.subject_id == subject.id), None
        )
        if episode is not None:
            _event(
                episode,
                actor=None,
                now=now,
                action=ALSO_MISSED,
                from_status="draft",
                to_status="draft",
                note=target,
            )
            # Adding to a draft is a change of the record too: its version is checked, so a manager
            # deciding it at the same moment and this step never both commit.
            flag_modified(episode, "status")
            found.append(episode)
            continue
        clock = next((row for row in incident.targets if row.target == target), None)
        breached_at = (clock.breached_at or clock.due_at) if clock is not None else None
        record = AccountabilityRecord(
            subject=subject,
            department=subject.department or incident.department,
            status="draft",
            reason_key=BREACH_REASON,
            evidence_kind=BREACH_EVIDENCE,
            incident_id=incident.id,
            target=target,
            evidence_at=breached_at or now,
            created_at=now,
            created_by=None,
        )
        session.add(record)
        _event(record, actor=None, now=now, action="drafted", to_status="draft")
        mine.append(record)
        found.append(record)
    session.flush()
    return found


def missed_targets(record: AccountabilityRecord) -> list[str]:
    """The commitments a breach record is about: the one it was drafted for, then those added to it."""
    added = [e.note for e in record.events if e.action == ALSO_MISSED and e.note]
    return [t for t in [record.target, *added] if t]


def _visible(viewer: Person) -> ColumnElement[bool]:
    """The SQL condition for the records `viewer` may see (the module docstring's rule)."""
    if viewer.role in ORG_WIDE_ROLES:
        return AccountabilityRecord.id.is_not(None)
    own = AccountabilityRecord.subject_id == viewer.id
    if viewer.role == DECIDING_ROLE and viewer.department is not None:
        below = select(Person.id).where(Person.role.in_(BELOW_MANAGER))
        return or_(
            own,
            and_(
                AccountabilityRecord.department == viewer.department,
                AccountabilityRecord.subject_id.in_(below),
            ),
        )
    return own


def list_for(session: Session, *, viewer: Person, limit: int = MAX_LISTED) -> list[AccountabilityRecord]:
    """The records `viewer` may see: drafts waiting for a decision first, then the newest.

    Each comes with its steps (and their actors) loaded: the list shows every record's history, and
    read one record at a time that would be a query per record.
    """
    rows = session.scalars(
        select(AccountabilityRecord)
        .where(_visible(viewer))
        .options(selectinload(AccountabilityRecord.events))
        .order_by((AccountabilityRecord.status == "draft").desc(), AccountabilityRecord.id.desc())
        .limit(limit)
    ).all()
    return list(rows)


def get(session: Session, *, viewer: Person, number: int) -> AccountabilityRecord:
    """One record, if `viewer` may see it; a hidden record is reported as missing, not as forbidden.

    With its steps loaded, as every reply about a record shows them (the same one query a first look
    at `record.events` would cost, made here so the presenter reads only what it is given).
    """
    record = session.scalar(
        select(AccountabilityRecord)
        .where(AccountabilityRecord.id == number, _visible(viewer))
        .options(selectinload(AccountabilityRecord.events))
    )
    if record is None:
        raise NotFound("account.unknown", ref=f"{REF_PREFIX}-{number}")
    return record


def confirm(
    session: Session, *, record: AccountabilityRecord, actor: Person, note: str, now: datetime
) -> AccountabilityEvent:
    """The manager agrees the draft stands: it becomes a confirmed record (the subject will be told)."""
    return _decide(session, record=record, actor=actor, note=note, now=now, verb="confirm")


def dismiss(
    session: Session, *, record: AccountabilityRecord, actor: Person, note: str, now: datetime
) -> AccountabilityEvent:
    """The manager finds it was not the subject's doing (a process gap, an unfair clock): no record."""
    return _decide(session, record=record, actor=actor, note=note, now=now, verb="dismiss")


def _decide(
    session: Session, *, record: AccountabilityRecord, actor: Person, note: str, now: datetime, verb: str
) -> AccountabilityEvent:
    """A decision is a step of the record's workflow table (who may, from which state)."""
    if not can_see(record, actor):
        raise NotFound("account.unknown", ref=ref(record))
    transition = WORKFLOW.check(verb, record, actor)
    if not note.strip():
        raise UsageError("account.note_required")
    to = transition.target or record.status
    event = _event(
        record, actor=actor, now=now, action=to, from_status=record.status, to_status=to, note=note
    )
    record.status = to
    session.flush()
    return event


def _event(
    record: AccountabilityRecord,
    *,
    actor: Person | None,
    now: datetime,
    action: str,
    to_status: str,
    from_status: str | None = None,
    note: str | None = None,
) -> AccountabilityEvent:
    event = AccountabilityEvent(
        actor=actor, at=now, action=action, from_status=from_status, to_status=to_status, note=note
    )
    record.events.append(event)
    return event
