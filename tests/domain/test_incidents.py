"""The incident lifecycle rules, called the way command handlers call them: with a unit of work.

Every test runs on SQLite and on PostgreSQL (the `runtime` fixture). What is checked is what people
would notice: the state an incident ends up in, who was allowed to move it, the reason a refusal
gives (its catalog key), and the timeline entry every change leaves behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from sqmsbot.clock import ManualClock
from sqmsbot.domain import incidents
from sqmsbot.domain.incident_queries import Page, list_incidents
from sqmsbot.domain.incident_workflow import WORKFLOW
from sqmsbot.domain.workflow import describe
from sqmsbot.errors import Forbidden, InvalidTransition, NotFound, UsageError
from sqmsbot.models import Incident, IncidentEvent, Person
from sqmsbot.runtime import Runtime

PLATFORM = "console"


@dataclass
class World:
    """A small organisation: people in ops (owner of the hotline), logistics, it and quality."""

    runtime: Runtime
    session: Session
    clock: ManualClock
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def tick(self, minutes: int = 5) -> datetime:
        return self.clock.advance(timedelta(minutes=minutes))

    def person(self, name: str, role: str = "member", department: str | None = None) -> Person:
        p = Person(
            platform=PLATFORM,
            platform_user_id=name,
            display_name=name,
            role=role,
            department=department,
            created_at=self.now,
        )
        self.session.add(p)
        self.session.flush()
        self.people[name] = p
        return p

    def __getitem__(self, name: str) -> Person:
        return self.people[name]

    def report(
        self, by: str = "reporter", service: str = "hotline", priority: str = "P3", **kw: str
    ) -> Incident:
        return incidents.report(
            self.session,
            org=self.runtime.org,
            actor=self[by],
            platform=PLATFORM,
            now=self.now,
            priority=priority,
            service=service,
            title=kw.pop("title", "Customer waited 40 minutes on the hotline"),
            **kw,
        )


@pytest.fixture
def world(runtime: Runtime, clock: ManualClock) -> Iterator[World]:
    with runtime.db.transaction() as session:
        w = World(runtime=runtime, session=session, clock=clock)
        w.person("reporter", "member", "finance")  # frontline person reporting for another department
        w.person("li", "member", "ops")
        w.person("wang", "lead", "ops")
        w.person("chen", "manager", "ops")
        w.person("zhao", "member", "logistics")
        w.person("sun", "lead", "logistics")
        w.person("ma", "member", "it")
        w.person("qa", "quality", "quality")
        w.person("drifter", "member", None)
        yield w


# -- a table of every step, so state-machine tests can name them ------------------------------------

Step = Callable[[World, Incident, str], IncidentEvent]


def _ack(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.acknowledge(w.session, incident=i, actor=w[by], now=w.tick())


def _assign(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.assign(w.session, incident=i, actor=w[by], assignee=w["li"], now=w.tick())


def _note(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.add_note(w.session, incident=i, actor=w[by], now=w.tick(), note="Called the customer")


def _wait(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.wait_on_customer(
        w.session, incident=i, actor=w[by], now=w.tick(), note="Need the receipt"
    )


def _resume(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.resume(w.session, org=w.runtime.org, incident=i, actor=w[by], now=w.tick())


def _resolve(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.resolve(w.session, incident=i, actor=w[by], now=w.tick(), note="Refunded")


def _resolve_fcr(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.resolve(
        w.session, incident=i, actor=w[by], now=w.tick(), note="Refunded", first_contact=True
    )


def _reopen(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.reopen(
        w.session, org=w.runtime.org, incident=i, actor=w[by], now=w.tick(), reason="Still charged"
    )


def _close(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.close(w.session, incident=i, actor=w[by], now=w.tick())


def _priority(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.change_priority(
        w.session,
        org=w.runtime.org,
        incident=i,
        actor=w[by],
        now=w.tick(),
        priority="P1",
        reason="VIP customer",
    )


def _same_priority(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.change_priority(
        w.session,
        org=w.runtime.org,
        incident=i,
        actor=w[by],
        now=w.tick(),
        priority=i.priority,
        reason="no change",
    )


def _transfer(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.transfer(
        w.session,
        org=w.runtime.org,
        incident=i,
        actor=w[by],
        now=w.tick(),
        department="logistics",
        reason="Delivery problem",
    )


def _transfer_home(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.transfer(
        w.session, org=w.runtime.org, incident=i, actor=w[by], now=w.tick(), department="ops", reason="x"
    )


def _involve(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.involve(
        w.session, org=w.runtime.org, incident=i, actor=w[by], now=w.tick(), department="it", note="Logs"
    )


def _involve_home(w: World, i: Incident, by: str) -> IncidentEvent:
    return incidents.involve(
        w.session, org=w.runtime.org, incident=i, actor=w[by], now=w.tick(), department="ops"
    )


STEPS: dict[str, Step] = {
    "ack": _ack,
    "assign": _assign,
    "note": _note,
    "wait": _wait,
    "resume": _resume,
    "resolve": _resolve,
    "resolve_fcr": _resolve_fcr,
    "reopen": _reopen,
    "close": _close,
    "priority": _priority,
    "same_priority": _same_priority,
    "transfer": _transfer,
    "transfer_home": _transfer_home,
    "involve": _involve,
    "involve_home": _involve_home,
}

# How to bring a fresh incident into each state (li of ops works it; "reporter" reported it).
ROUTES: dict[str, tuple[str, ...]] = {
    "new": (),
    "acknowledged": ("ack",),
    "assigned": ("ack", "assign"),
    "waiting": ("wait",),
    "resolved": ("ack", "resolve"),
    "reopened": ("ack", "resolve", "reopen"),
    "closed": ("ack", "resolve", "close"),
    "involved": ("involve",),
}


def incident_in(w: World, state: str) -> Incident:
    incident = w.report()
    for step in ROUTES[state]:
        STEPS[step](w, incident, "li")
    return incident


# -- the state machine -------------------------------------------------------------------------------


def test_the_whole_loop_moves_through_every_state_and_leaves_a_timeline(world: World) -> None:
    w = world
    incident = w.report(by="reporter", priority="P2", customer_ref="C-1042", category="method")
    assert (incident.status, incident.department, incident.reporter.display_name) == (
        "new",
        "ops",
        "reporter",
    )
    walk = [
        ("ack", "li", "acknowledged"),
        ("assign", "li", "acknowledged"),
        ("note", "reporter", "acknowledged"),
        ("wait", "li", "waiting"),
        ("resume", "li", "acknowledged"),
        ("resolve_fcr", "li", "resolved"),
        ("reopen", "reporter", "acknowledged"),
        ("resolve", "li", "resolved"),
        ("close", "reporter", "closed"),
    ]
    for step, by, status in walk:
        STEPS[step](w, incident, by)
        assert incident.status == status, step
    kinds = [(e.kind, e.actor.display_name if e.actor else None) for e in incident.events]
    assert kinds == [
        ("reported", "reporter"),
        ("acknowledged", "li"),
        ("assigned", "li"),
        ("note", "reporter"),
        ("waiting", "li"),
        ("resumed", "li"),
        ("resolved", "li"),
        ("reopened", "reporter"),
        ("resolved", "li"),
        ("closed", "reporter"),
    ]
    times = [e.at for e in incident.events]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert incident.closed_at == incident.events[-1].at


LEGAL: list[tuple[str, str, str]] = [  # (from state, step, status after)
    ("new", "ack", "acknowledged"),
    ("new", "assign", "new"),
    ("new", "note", "new"),
    ("new", "wait", "waiting"),
    ("new", "resolve", "resolved"),
    ("new", "resolve_fcr", "resolved"),
    ("new", "priority", "new"),
    ("new", "transfer", "new"),
    ("new", "involve", "new"),
    ("acknowledged", "assign", "acknowledged"),
    ("acknowledged", "wait", "waiting"),
    ("acknowledged", "resolve", "resolved"),
    ("acknowledged", "priority", "acknowledged"),
    ("waiting", "resume", "acknowledged"),
    ("waiting", "resolve", "resolved"),
    ("waiting", "note", "waiting"),
    ("waiting", "assign", "waiting"),
    ("resolved", "reopen", "acknowledged"),
    ("resolved", "close", "closed"),
    ("resolved", "note", "resolved"),
    ("reopened", "resolve", "resolved"),
    ("reopened", "wait", "waiting"),
]


def test_every_legal_step(world: World) -> None:
    for state, step, status in LEGAL:
        incident = incident_in(world, state)
        before = len(incident.events)
        event = STEPS[step](world, incident, "wang")  # the ops lead may do all of these
        assert incident.status == status, (state, step)
        assert incident.events[-1] is event and len(incident.events) > before, (state, step)
        assert event.actor is world["wang"] and event.at == world.now, (state, step)


ILLEGAL: list[tuple[str, str, str]] = [  # (state, step, the reason's catalog key)
    ("new", "close", "errors.incident.close_unresolved"),
    ("new", "reopen", "errors.incident.cannot_reopen"),
    ("new", "resume", "errors.incident.not_waiting"),
    ("new", "same_priority", "errors.incident.same_priority"),
    ("new", "transfer_home", "errors.incident.same_department"),
    ("new", "involve_home", "errors.incident.same_department"),
    ("acknowledged", "ack", "errors.incident.already_acknowledged"),
    ("acknowledged", "resume", "errors.incident.not_waiting"),
    ("acknowledged", "close", "errors.incident.close_unresolved"),
    ("acknowledged", "reopen", "errors.incident.cannot_reopen"),
    ("assigned", "assign", "errors.incident.already_assigned"),
    ("waiting", "wait", "errors.incident.cannot_wait"),
    ("waiting", "ack", "errors.incident.already_acknowledged"),
    ("waiting", "close", "errors.incident.close_unresolved"),
    ("resolved", "ack", "errors.incident.resolved_already"),
    ("resolved", "wait", "errors.incident.cannot_wait"),
    ("resolved", "resume", "errors.incident.not_waiting"),
    ("resolved", "resolve", "errors.incident.cannot_resolve"),
    ("resolved", "assign", "errors.incident.resolved_already"),
    ("resolved", "priority", "errors.incident.resolved_already"),
    ("resolved", "transfer", "errors.incident.resolved_already"),
    ("resolved", "involve", "errors.incident.resolved_already"),
    ("reopened", "resolve_fcr", "errors.incident.fcr_after_reopen"),
    ("reopened", "close", "errors.incident.close_unresolved"),
    ("closed", "reopen", "errors.incident.reopen_closed"),
    ("closed", "close", "errors.incident.closed"),
    ("closed", "ack", "errors.incident.closed"),
    ("closed", "note", "errors.incident.closed"),
    ("closed", "wait", "errors.incident.closed"),
    ("closed", "resolve", "errors.incident.closed"),
    ("closed", "assign", "errors.incident.closed"),
    ("closed", "priority", "errors.incident.closed"),
    ("closed", "transfer", "errors.incident.closed"),
    ("involved", "involve", "errors.incident.already_involved"),
]


def _facts(incident: Incident) -> tuple[object, ...]:
    return (
        incident.status,
        incident.priority,
        incident.department,
        incident.assignee_id,
        incident.resolved_at,
        len(incident.events),
    )


def test_illegal_steps_are_refused_with_their_reason_and_change_nothing(world: World) -> None:
    for state, step, key in ILLEGAL:
        incident = incident_in(world, state)
        before = _facts(incident)
        with pytest.raises(InvalidTransition) as refused:
            STEPS[step](world, incident, "wang")
        assert refused.value.key == key, (state, step)
        assert _facts(incident) == before, (state, step)


def test_a_refusal_names_the_current_status(world: World) -> None:
    incident = incident_in(world, "waiting")
    with pytest.raises(InvalidTransition) as refused:
        _close(world, incident, "li")
    assert refused.value.args_["status"] == "waiting"
    # ...and who put it there, so that the loser of a race reads what won
    assert (refused.value.args_["changed_by"], refused.value.args_["changed_key"]) == ("li", "event.waiting")


# -- who may do what ---------------------------------------------------------------------------------


def test_a_member_of_another_department_cannot_work_the_incident(world: World) -> None:
    incident = incident_in(world, "new")
    for step in ("ack", "assign", "wait", "resolve", "note", "transfer", "involve", "priority"):
        with pytest.raises(Forbidden) as refused:
            STEPS[step](world, incident, "zhao")
        assert refused.value.key.startswith("errors.incident."), step
        assert refused.value.args_["department"] == "ops", step
        assert _facts(incident) == ("new", "P3", "ops", None, None, 1), step


def test_someone_without_a_department_cannot_ack(world: World) -> None:
    incident = incident_in(world, "new")
    with pytest.raises(Forbidden):
        _ack(world, incident, "drifter")


def test_the_reporter_may_note_reopen_and_close_but_not_work_it(world: World) -> None:
    incident = incident_in(world, "new")
    with pytest.raises(Forbidden) as refused:
        _ack(world, incident, "reporter")
    assert refused.value.key == "errors.incident.not_responder"
    _note(world, incident, "reporter")
    _resolve(world, incident, "li")
    _reopen(world, incident, "reporter")
    _resolve(world, incident, "li")
    _close(world, incident, "reporter")
    assert incident.status == "closed"
    assert [e.actor.display_name for e in incident.events if e.actor][-1] == "reporter"


def test_an_outsider_may_not_reopen_close_or_note(world: World) -> None:
    incident = incident_in(world, "resolved")
    for step in ("reopen", "close", "note"):
        with pytest.raises(Forbidden):
            STEPS[step](world, incident, "zhao")
    assert incident.status == "resolved" and incident.reopen_count == 0


def test_who_may_change_the_priority(world: World) -> None:
    for who, allowed in [
        ("li", False),  # member of the owning department
        ("wang", True),  # lead of the owning department
        ("chen", True),  # manager of the owning department
        ("sun", False),  # lead of another department
        ("qa", True),  # quality: anywhere
        ("reporter", False),
    ]:
        incident = incident_in(world, "acknowledged")
        if allowed:
            event = _priority(world, incident, who)
            assert incident.priority == "P1", who
            assert (event.kind, event.from_value, event.to_value, event.note) == (
                "priority_changed",
                "P3",
                "P1",
                "VIP customer",
            )
        else:
            with pytest.raises(Forbidden) as refused:
                _priority(world, incident, who)
            assert refused.value.key == "errors.incident.lead_required", who
            assert incident.priority == "P3", who


def test_the_assignee_must_be_in_the_owning_department_or_quality(world: World) -> None:
    w = world
    incident = incident_in(w, "involved")
    for outsider in ("zhao", "ma"):  # another department, and the involved one: helping is not owning
        with pytest.raises(Forbidden) as refused:
            incidents.assign(
                w.session, incident=incident, actor=w["wang"], assignee=w[outsider], now=w.tick()
            )
        assert refused.value.key == "errors.incident.assignee_outside"
        assert refused.value.args_ == {"person": outsider}
        assert incident.assignee is None
    incidents.assign(w.session, incident=incident, actor=w["wang"], assignee=w["qa"], now=w.tick())
    assert incident.assignee is w["qa"]  # quality may be given anything


def test_an_involved_department_notes_and_helps_but_does_not_work_or_close_it(world: World) -> None:
    w = world
    incident = incident_in(w, "new")
    with pytest.raises(Forbidden):
        _note(w, incident, "ma")
    event = _involve(w, incident, "li")
    assert (event.kind, event.from_value, event.to_value, event.note) == ("involved", None, "it", "Logs")
    assert incident.department == "ops"  # ownership does not move
    assert [i.department for i in incident.involvements] == ["it"]
    _note(w, incident, "ma")
    for step in ("ack", "assign", "wait", "resolve", "priority", "transfer"):
        with pytest.raises(Forbidden) as refused:
            STEPS[step](w, incident, "ma")
        assert refused.value.args_["department"] == "ops", step
    _resolve(w, incident, "li")
    for step in ("close", "reopen"):
        with pytest.raises(Forbidden):
            STEPS[step](w, incident, "ma")
    assert incident.status == "resolved"


def test_transfer_moves_ownership_releases_the_assignee_and_the_old_department(world: World) -> None:
    w = world
    incident = incident_in(w, "assigned")
    assert incident.assignee is w["li"]
    for refused_by in ("zhao", "sun", "li"):  # the receiving side cannot pull it; a member cannot push it
        with pytest.raises(Forbidden) as refused:
            _transfer(w, incident, refused_by)
        assert refused.value.key == "errors.incident.lead_required", refused_by
    event = _transfer(w, incident, "wang")
    assert (event.kind, event.from_value, event.to_value, event.note) == (
        "transferred",
        "ops",
        "logistics",
        "Delivery problem",
    )
    assert incident.department == "logistics"
    assert incident.assignee is None
    with pytest.raises(Forbidden):
        _resolve(w, incident, "li")
    _resolve(w, incident, "zhao")
    assert incident.status == "resolved"


def test_transfer_to_an_involved_department_ends_its_involvement(world: World) -> None:
    w = world
    incident = incident_in(w, "new")
    incidents.involve(
        w.session, org=w.runtime.org, incident=incident, actor=w["li"], now=w.tick(), department="logistics"
    )
    _transfer(w, incident, "wang")
    assert incident.department == "logistics"
    assert incident.involvements == []


def test_quality_may_transfer_and_involve_anywhere(world: World) -> None:
    incident = incident_in(world, "new")
    _involve(world, incident, "qa")
    _transfer(world, incident, "qa")
    assert (incident.department, [i.department for i in incident.involvements]) == ("logistics", ["it"])


@pytest.mark.parametrize("department", ["nowhere", "OPS "])
def test_unknown_departments_are_refused(world: World, department: str) -> None:
    w = world
    incident = incident_in(w, "new")
    with pytest.raises(NotFound) as refused:
        incidents.involve(
            w.session,
            org=w.runtime.org,
            incident=incident,
            actor=w["li"],
            now=w.tick(),
            department=department,
        )
    assert refused.value.key == "errors.unknown_department"
    with pytest.raises(NotFound) as refused:
        incidents.transfer(
            w.session,
            org=w.runtime.org,
            incident=incident,
            actor=w["li"],
            now=w.tick(),
            department=department,
            reason="x",
        )
    assert refused.value.key == "errors.unknown_department"
    assert refused.value.args_["department"] == department
    with pytest.raises(NotFound):
        incidents.report(
            w.session,
            org=w.runtime.org,
            actor=w["li"],
            platform=PLATFORM,
            now=w.now,
            priority="P3",
            service="hotline",
            title="x",
            department=department,
        )


def test_an_unknown_service_is_refused_with_the_choices(world: World) -> None:
    with pytest.raises(NotFound) as refused:
        world.report(service="teleport")
    assert refused.value.key == "errors.unknown_service"
    assert refused.value.args_["service"] == "teleport"
    assert "hotline" in str(refused.value.args_["choices"])


def test_report_can_name_another_owning_department(world: World) -> None:
    incident = world.report(service="hotline", department="quality")
    assert incident.department == "quality"


# -- what each change records ------------------------------------------------------------------------


RECORDS: list[tuple[str, str, str, tuple[str, str | None, str | None, str | None]]] = [
    # (state, step, by, (kind, from, to, note))
    ("new", "ack", "li", ("acknowledged", "new", "acknowledged", None)),
    ("acknowledged", "assign", "wang", ("assigned", None, "li", None)),
    ("new", "note", "li", ("note", None, None, "Called the customer")),
    ("acknowledged", "wait", "li", ("waiting", "acknowledged", "waiting", "Need the receipt")),
    ("waiting", "resume", "li", ("resumed", "waiting", "acknowledged", None)),
    ("acknowledged", "resolve", "li", ("resolved", "acknowledged", "resolved", "Refunded")),
    ("acknowledged", "resolve_fcr", "li", ("resolved", "acknowledged", "resolved:fcr", "Refunded")),
    ("resolved", "reopen", "reporter", ("reopened", "resolved", "acknowledged", "Still charged")),
    ("resolved", "close", "li", ("closed", "resolved", "closed", None)),
    ("new", "priority", "wang", ("priority_changed", "P3", "P1", "VIP customer")),
    ("new", "transfer", "wang", ("transferred", "ops", "logistics", "Delivery problem")),
    ("new", "involve", "li", ("involved", None, "it", "Logs")),
]


def test_every_change_appends_an_event_with_actor_from_to_and_note(world: World) -> None:
    for state, step, by, expected in RECORDS:
        incident = incident_in(world, state)
        count = len(incident.events)
        event = STEPS[step](world, incident, by)
        assert len(incident.events) == count + 1, step
        assert (event.kind, event.from_value, event.to_value, event.note) == expected
        assert event.actor is world[by], step
        assert event.at == world.now == incident.updated_at, step


def test_the_reassignment_event_names_the_previous_assignee(world: World) -> None:
    w = world
    incident = incident_in(w, "assigned")
    event = incidents.assign(w.session, incident=incident, actor=w["wang"], assignee=w["chen"], now=w.tick())
    assert (event.from_value, event.to_value) == ("li", "chen")


def test_acknowledged_at_is_set_once_and_kept(world: World) -> None:
    w = world
    incident = incident_in(w, "new")
    assert incident.acknowledged_at is None
    _ack(w, incident, "li")
    first = w.now
    for step in ("wait", "resume", "resolve", "reopen", "wait", "resolve", "close"):
        STEPS[step](w, incident, "li")
        assert incident.acknowledged_at == first, step


def test_a_first_response_on_a_new_incident_acknowledges_it(world: World) -> None:
    for step, last in [("resolve", "resolved"), ("wait", "waiting")]:
        incident = incident_in(world, "new")
        STEPS[step](world, incident, "li")
        assert incident.acknowledged_at == world.now, step
        assert [e.kind for e in incident.events] == ["reported", "acknowledged", last]


def test_waiting_since_follows_the_pause(world: World) -> None:
    w = world
    incident = incident_in(w, "acknowledged")
    _wait(w, incident, "li")
    assert incident.waiting_since == w.now
    _resume(w, incident, "li")
    assert incident.waiting_since is None
    _wait(w, incident, "li")
    _resolve(w, incident, "li")
    assert incident.waiting_since is None and incident.resolved_at == w.now


def test_reopen_clears_the_resolution_time_and_fcr_and_counts(world: World) -> None:
    w = world
    incident = incident_in(w, "acknowledged")
    _resolve_fcr(w, incident, "li")
    assert incident.first_contact_resolution is True
    assert incident.resolved_at == w.now and incident.resolution == "Refunded"
    _reopen(w, incident, "reporter")
    assert (incident.resolved_at, incident.first_contact_resolution, incident.reopen_count) == (
        None,
        False,
        1,
    )
    _resolve(w, incident, "li")
    _reopen(w, incident, "li")
    assert incident.reopen_count == 2
    with pytest.raises(InvalidTransition):
        _resolve_fcr(w, incident, "li")
    _resolve(w, incident, "li")
    assert incident.first_contact_resolution is False and incident.resolved_at == w.now


def test_closing_records_the_time_and_the_incident_survives_a_round_trip(world: World) -> None:
    w = world
    incident = incident_in(w, "resolved")
    _close(w, incident, "li")
    number, closed_at = incident.id, w.now
    w.session.commit()
    with w.runtime.db.transaction() as other:
        again = incidents.get(other, number=number)
        assert again.status == "closed"
        assert again.closed_at == closed_at and again.closed_at.tzinfo is not None
        assert [e.kind for e in again.events][-1] == "closed"


def test_get_refuses_a_missing_incident(world: World) -> None:
    with pytest.raises(NotFound) as refused:
        incidents.get(world.session, number=4242)
    assert refused.value.args_ == {"number": 4242}


# -- references --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("SQ-42", 42),
        ("sq-42", 42),
        ("Sq-42", 42),
        ("#42", 42),
        ("42", 42),
        (" SQ-7 ", 7),
        ("SQ-999999999", 999999999),
    ],
)
def test_parse_ref_accepts_the_ways_people_write_a_reference(text: str, number: int) -> None:
    assert incidents.parse_ref(text, prefix="SQ") == number


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "SQ-0",
        "-1",
        "SQ--1",
        "XX-4",
        "1e3",
        "４２",  # full-width digits
        "SQ-４２",
        "²",  # a superscript is a digit to Python, not to people
        "1234567890",  # ten digits
        "SQ-abc",
        "",
        "SQ-",
        "SQ-1; DROP TABLE incidents",
        "4.2",
        "SQ 42",
    ],
)
def test_parse_ref_refuses_what_is_not_a_reference(text: str) -> None:
    with pytest.raises(UsageError) as refused:
        incidents.parse_ref(text, prefix="SQ")
    assert refused.value.key == "errors.bad_ref"
    assert refused.value.args_["prefix"] == "SQ"


# -- finding incidents -------------------------------------------------------------------------------


@pytest.fixture
def many(world: World) -> World:
    """ops: 5 incidents by li (P1 new, P2 ack, P3 waiting, P3 resolved, P4 closed); logistics: 2 by zhao."""
    w = world
    made = []
    for priority, service, route in [
        ("P1", "hotline", ()),
        ("P2", "store", ("ack",)),
        ("P3", "hotline", ("wait",)),
        ("P3", "store", ("ack", "resolve")),
        ("P4", "hotline", ("ack", "resolve", "close")),
    ]:
        incident = w.report(by="li", priority=priority, service=service)
        for step in route:
            STEPS[step](w, incident, "li")
        made.append(incident)
    for _ in range(2):
        w.report(by="zhao", service="delivery", priority="P2")
    incidents.assign(w.session, incident=made[0], actor=w["wang"], assignee=w["chen"], now=w.tick())
    return w


def _ids(page: Page) -> list[int]:
    return [i.id for i in page.items]


def test_list_scopes(many: World) -> None:
    w = many
    s = w.session
    assert _ids(list_incidents(s, actor=w["li"], scope="mine")) == [1, 2, 4, 3, 5]
    assert _ids(list_incidents(s, actor=w["chen"], scope="mine")) == [1]  # assigned to chen
    assert _ids(list_incidents(s, actor=w["zhao"], scope="dept")) == [7, 6]
    assert _ids(list_incidents(s, actor=w["zhao"], scope="dept", department="ops")) == [1, 2, 4, 3, 5]
    assert len(list_incidents(s, actor=w["drifter"], scope="all").items) == 7
    with pytest.raises(UsageError) as refused:
        list_incidents(s, actor=w["drifter"], scope="dept")
    assert refused.value.key == "errors.no_department"


def test_list_filters(many: World) -> None:
    w = many
    s, li = w.session, w["li"]
    assert _ids(list_incidents(s, actor=li, scope="dept", status="open")) == [1, 2, 3]
    assert _ids(list_incidents(s, actor=li, scope="dept", status="resolved")) == [4]
    assert _ids(list_incidents(s, actor=li, scope="dept", status="closed")) == [5]
    assert _ids(list_incidents(s, actor=li, scope="all", priority="P2")) == [7, 6, 2]
    assert _ids(list_incidents(s, actor=li, scope="all", service="store")) == [2, 4]
    assert _ids(list_incidents(s, actor=li, scope="all", department="logistics")) == [7, 6]
    assert _ids(
        list_incidents(s, actor=li, scope="all", status="open", priority="P3", service="hotline")
    ) == [3]
    assert list_incidents(s, actor=li, scope="all", service="app").items == []


def test_list_pagination(many: World) -> None:
    w = many
    s, li = w.session, w["li"]
    pages = [list_incidents(s, actor=li, scope="all", page=n, page_size=3) for n in (1, 2, 3)]
    assert [(p.page, p.pages, p.total) for p in pages] == [(1, 3, 7), (2, 3, 7), (3, 3, 7)]
    seen = [i for p in pages for i in _ids(p)]
    assert seen == [1, 7, 6, 2, 4, 3, 5]  # by priority, newest first within one
    with pytest.raises(UsageError) as refused:
        list_incidents(s, actor=li, scope="all", page=4, page_size=3)
    assert (refused.value.key, refused.value.args_) == ("errors.no_such_page", {"page": 4, "pages": 3})
    empty = list_incidents(s, actor=li, scope="all", service="app", page=1)
    assert (empty.items, empty.total, empty.pages) == ([], 0, 1)


def test_taking_a_new_incident_acknowledges_it_and_stops_the_acknowledge_clock(world: World) -> None:
    w = world
    incident = incident_in(w, "new")
    incidents.assign(w.session, incident=incident, actor=w["li"], assignee=w["li"], now=w.tick())
    assert (incident.status, incident.acknowledged_at, incident.assignee) == ("acknowledged", w.now, w["li"])
    assert [e.kind for e in incident.events] == ["reported", "acknowledged", "assigned"]
    ack = next(row for row in incident.targets if row.target == "acknowledge")
    assert ack.met_at == w.now


def test_a_lead_giving_a_new_incident_to_someone_leaves_it_for_them_to_acknowledge(world: World) -> None:
    w = world
    incident = incident_in(w, "new")
    incidents.assign(w.session, incident=incident, actor=w["wang"], assignee=w["li"], now=w.tick())
    assert incident.status == "new" and incident.acknowledged_at is None


def test_a_member_takes_an_unassigned_incident_but_only_leads_reassign(world: World) -> None:
    w = world
    w.person("wu", "member", "ops")
    incident = incident_in(w, "assigned")  # held by li
    for verb in ("take", "give"):
        with pytest.raises(Forbidden) as refused:
            assignee = w["wu"] if verb == "take" else w["chen"]
            incidents.assign(w.session, incident=incident, actor=w["wu"], assignee=assignee, now=w.tick())
        assert refused.value.key == "errors.incident.reassign_lead", verb
    incidents.assign(w.session, incident=incident, actor=w["li"], assignee=w["wu"], now=w.tick())  # hand on
    assert incident.assignee is w["wu"]
    incidents.release(w.session, incident=incident, actor=w["wu"], now=w.tick())
    assert incident.assignee is None


def test_the_workflow_table_decides_the_buttons_and_describes_every_verb(world: World) -> None:
    incident = incident_in(world, "resolved")
    assert [t.verb for t in WORKFLOW.available(incident)] == ["close", "reopen"]
    assert [t.verb for t in WORKFLOW.available(incident, world["zhao"])] == []  # another department
    verbs = [verb for verb, *_ in describe(WORKFLOW)]
    assert {"ack", "assign", "note", "resolve", "close", "reopen", "duplicate", "transfer"} <= set(verbs)
