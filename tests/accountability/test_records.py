"""The domain rules for accountability records, on SQLite and PostgreSQL.

Story: Li (member, ops) owns a P3 incident whose acknowledge clock runs out; the SLA watch drafts a
record. Who may see it and who may decide on it is the point of DESIGN §9.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sqmsbot.clock import ManualClock
from sqmsbot.domain import accountability, accountability_workflow, incidents
from sqmsbot.errors import Forbidden, InvalidTransition, NotFound, UsageError
from sqmsbot.models import AccountabilityEvent, AccountabilityRecord, Incident, IncidentTarget, Person
from sqmsbot.runtime import Runtime

PEOPLE = {
    # name: (role, department)
    "li": ("member", "ops"),
    "sun": ("member", "ops"),
    "wang": ("lead", "ops"),
    "zhao": ("manager", "ops"),
    "qian": ("manager", "ops"),
    "chen": ("manager", "logistics"),
    "qa": ("quality", None),
    "root": ("admin", "ops"),
}


@dataclass
class Desk:
    session: Session
    runtime: Runtime
    clock: ManualClock
    people: dict[str, Person]

    def __getitem__(self, name: str) -> Person:
        return self.people[name]

    def incident(self, *, owner: str | None = "li") -> Incident:
        found = incidents.report(
            self.session,
            org=self.runtime.org,
            actor=self["li"],
            platform="console",
            now=self.clock.now(),
            priority="P3",
            service="store",
            title="Queue too long",
        )
        if owner is not None:
            incidents.assign(
                self.session, incident=found, actor=self["wang"], assignee=self[owner], now=self.clock.now()
            )
        return found

    def breach(self, incident: Incident, target: str = "acknowledge") -> AccountabilityRecord | None:
        """Walk past the due time, as the watch would find it, and draft."""
        clock = self.session.scalar(
            select(IncidentTarget).where(
                IncidentTarget.incident_id == incident.id, IncidentTarget.target == target
            )
        )
        assert clock is not None and clock.due_at is not None
        self.clock.set(clock.due_at + timedelta(minutes=1))
        return accountability.draft_for_breach(
            self.session, incident=incident, target=target, now=self.clock.now()
        )


@pytest.fixture
def desk(runtime: Runtime, clock: ManualClock) -> Iterator[Desk]:
    with runtime.db.transaction() as session:
        people = {}
        for name, (role, department) in PEOPLE.items():
            person = Person(
                platform="console",
                platform_user_id=name,
                display_name=name,
                role=role,
                department=department,
                created_at=clock.now(),
            )
            session.add(person)
            people[name] = person
        session.flush()
        yield Desk(session, runtime, clock, people)


def _records(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AccountabilityRecord)) or 0


def test_a_breach_drafts_one_record_for_the_owner_however_often_it_is_announced(desk: Desk) -> None:
    incident = desk.incident()
    record = desk.breach(incident)
    assert record is not None
    assert (record.subject.display_name, record.department, record.status) == ("li", "ops", "draft")
    assert (record.reason_key, record.evidence_kind, record.incident_id, record.target) == (
        "sla_breach",
        "breach",
        incident.id,
        "acknowledge",
    )
    due = desk.session.scalar(select(IncidentTarget.due_at).where(IncidentTarget.incident_id == incident.id))
    assert record.evidence_at == due
    assert record.created_by is None
    desk.clock.advance(timedelta(minutes=5))
    again = accountability.draft_for_breach(
        desk.session, incident=incident, target="acknowledge", now=desk.clock.now()
    )
    assert again is record
    assert _records(desk.session) == 1
    assert [(e.action, e.actor, e.from_status, e.to_status) for e in record.events] == [
        ("drafted", None, None, "draft")
    ]
    # Another commitment of the same incident missed while the draft waits: the same draft lists it.
    other = desk.breach(incident, "first_response")
    assert other is record
    assert _records(desk.session) == 1
    assert accountability.missed_targets(record) == ["acknowledge", "first_response"]
    assert [(e.action, e.from_status, e.to_status, e.note) for e in record.events] == [
        ("drafted", None, "draft", None),
        ("also_missed", "draft", "draft", "first_response"),
    ]
    assert desk.breach(incident, "first_response") is record  # announced again: nothing new
    assert len(record.events) == 2


def test_a_breach_after_the_draft_was_decided_starts_a_new_episode(desk: Desk) -> None:
    incident = desk.incident()
    first = desk.breach(incident)
    assert first is not None
    accountability.dismiss(
        desk.session,
        record=first,
        actor=desk["zhao"],
        note="The queue sensor was wrong",
        now=desk.clock.now(),
    )
    later = desk.breach(incident, "first_response")
    assert later is not None and later.id != first.id  # the manager has not judged this one yet
    assert (later.status, later.target, accountability.missed_targets(first)) == (
        "draft",
        "first_response",
        ["acknowledge"],
    )


def test_a_breach_with_someone_else_owning_it_is_their_own_draft(desk: Desk) -> None:
    incident = desk.incident()
    first = desk.breach(incident)
    assert first is not None
    incidents.assign(
        desk.session, incident=incident, actor=desk["wang"], assignee=desk["sun"], now=desk.clock.now()
    )
    later = desk.breach(incident, "first_response")
    assert later is not None and later.id != first.id
    assert (later.subject.display_name, first.subject.display_name) == ("sun", "li")


def test_no_owner_no_draft(desk: Desk) -> None:
    assert desk.breach(desk.incident(owner=None)) is None
    assert _records(desk.session) == 0


# Who sees a record about li (member, ops): the subject, ops' managers, quality and admin.
VISIBILITY = {
    "li": True,
    "sun": False,
    "wang": False,
    "zhao": True,
    "qian": True,
    "chen": False,
    "qa": True,
    "root": True,
}


def test_who_sees_a_record(desk: Desk) -> None:
    record = desk.breach(desk.incident())
    assert record is not None
    seen = {name: record in accountability.list_for(desk.session, viewer=desk[name]) for name in PEOPLE}
    assert seen == VISIBILITY
    for name, visible in VISIBILITY.items():
        assert accountability_workflow.can_see(record, desk[name]) is visible
        if not visible:
            with pytest.raises(NotFound):
                accountability.get(desk.session, viewer=desk[name], number=record.id)


def test_a_managers_record_is_not_shown_to_fellow_managers(desk: Desk) -> None:
    record = desk.breach(desk.incident(owner="zhao"))
    assert record is not None
    seen = {name for name in PEOPLE if accountability.list_for(desk.session, viewer=desk[name])}
    assert seen == {"zhao", "qa", "root"}


def test_a_lead_sees_only_their_own(desk: Desk) -> None:
    mine = desk.breach(desk.incident(owner="wang"))
    desk.breach(desk.incident(owner="li"))
    assert accountability.list_for(desk.session, viewer=desk["wang"]) == [mine]
    assert len(accountability.list_for(desk.session, viewer=desk["zhao"])) == 2


def test_the_department_manager_confirms_with_a_note(desk: Desk) -> None:
    record = desk.breach(desk.incident())
    assert record is not None
    before = (record.subject_id, record.reason_key, record.incident_id, record.target, record.evidence_at)
    desk.clock.advance(timedelta(hours=1))
    event = accountability.confirm(
        desk.session, record=record, actor=desk["zhao"], note="Rota covered the queue", now=desk.clock.now()
    )
    assert record.status == "confirmed"
    assert (event.action, event.actor, event.from_status, event.to_status, event.note, event.at) == (
        "confirmed",
        desk["zhao"],
        "draft",
        "confirmed",
        "Rota covered the queue",
        desk.clock.now(),
    )
    assert [e.action for e in record.events] == ["drafted", "confirmed"]
    assert (
        record.subject_id,
        record.reason_key,
        record.incident_id,
        record.target,
        record.evidence_at,
    ) == before
    # Decided once: neither a second confirmation nor a dismissal changes it.
    with pytest.raises(InvalidTransition):
        accountability.dismiss(desk.session, record=record, actor=desk["qa"], note="x", now=desk.clock.now())
    assert desk.session.scalar(select(func.count()).select_from(AccountabilityEvent)) == 2


def test_quality_may_dismiss(desk: Desk) -> None:
    record = desk.breach(desk.incident())
    assert record is not None
    accountability.dismiss(
        desk.session, record=record, actor=desk["qa"], note="The queue sensor was wrong", now=desk.clock.now()
    )
    assert record.status == "dismissed"
    assert [(e.action, e.actor_id) for e in record.events] == [
        ("drafted", None),
        ("dismissed", desk["qa"].id),
    ]


@pytest.mark.parametrize(
    ("who", "error"),
    [("li", Forbidden), ("sun", NotFound), ("wang", NotFound), ("chen", NotFound)],
)
def test_who_may_not_decide(desk: Desk, who: str, error: type[Exception]) -> None:
    record = desk.breach(desk.incident())
    assert record is not None
    for decide in (accountability.confirm, accountability.dismiss):
        with pytest.raises(error):
            decide(desk.session, record=record, actor=desk[who], note="Not mine", now=desk.clock.now())
    assert record.status == "draft" and len(record.events) == 1


def test_the_subject_never_decides_even_as_admin(desk: Desk) -> None:
    record = desk.breach(desk.incident(owner="root"))
    assert record is not None
    with pytest.raises(Forbidden):
        accountability.dismiss(
            desk.session, record=record, actor=desk["root"], note="Mine", now=desk.clock.now()
        )


def test_a_decision_needs_a_note(desk: Desk) -> None:
    record = desk.breach(desk.incident())
    assert record is not None
    with pytest.raises(UsageError):
        accountability.confirm(
            desk.session, record=record, actor=desk["zhao"], note="  ", now=desk.clock.now()
        )
    assert record.status == "draft"


def test_references() -> None:
    assert [accountability.parse_ref(t) for t in ("AR-7", "ar7", "#7", "7")] == [7, 7, 7, 7]
    with pytest.raises(UsageError):
        accountability.parse_ref("SQ-7")
