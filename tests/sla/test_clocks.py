"""Commitment clocks on incidents, through the lifecycle functions every platform calls.

Times are Shanghai wall clock; the example organisation's commitments apply: P3 on business hours
(Mon–Fri 09:00–12:00, 13:00–18:00, CN holidays; a working day is 8 h), P1 round the clock, and the
hotline's own, faster P2.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from sqmsbot.clock import ManualClock
from sqmsbot.domain import incidents, sla, sla_alerts
from sqmsbot.models import Incident, IncidentTarget, Person
from sqmsbot.runtime import Runtime

SH = ZoneInfo("Asia/Shanghai")


def at(text_: str) -> datetime:
    """`Mon 10:00`-free spelling: an ISO local time in Shanghai."""
    return datetime.fromisoformat(text_).replace(tzinfo=SH)


@dataclass
class Desk:
    runtime: Runtime
    session: Session
    clock: ManualClock
    li: Person
    wang: Person

    def set(self, when: str) -> datetime:
        return self.clock.set(at(when))

    def report(self, priority: str = "P3", service: str = "store") -> Incident:
        return incidents.report(
            self.session,
            org=self.runtime.org,
            actor=self.li,
            platform="console",
            now=self.clock.now(),
            priority=priority,
            service=service,
            title="Queue too long",
        )

    def due(self, incident: Incident) -> dict[str, datetime | None]:
        return {
            row.target: (row.due_at.astimezone(SH) if row.due_at else None)
            for row in sla.targets_of(incident)
        }

    def states(self, incident: Incident) -> dict[str, str]:
        clocks = sla.clocks(org=self.runtime.org, incident=incident, now=self.clock.now())
        return {c.target: c.state for c in clocks}


@pytest.fixture
def desk(runtime: Runtime, clock: ManualClock) -> Iterator[Desk]:
    with runtime.db.transaction() as session:
        people = [
            Person(
                platform="console",
                platform_user_id=name,
                display_name=name,
                role=role,
                department="ops",
                created_at=clock.now(),
            )
            for name, role in (("li", "member"), ("wang", "lead"))
        ]
        session.add_all(people)
        session.flush()
        yield Desk(runtime, session, clock, *people)


def test_due_times_at_report_follow_priority_service_and_the_default(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")  # Monday
    assert desk.due(desk.report("P3", "store")) == {
        "acknowledge": at("2026-11-23T11:00"),
        "first_response": at("2026-11-23T14:00"),  # the lunch hour does not count
        "resolve": at("2026-11-25T18:00"),  # 3 working days of 8 h
    }
    assert desk.due(desk.report("P2", "hotline")) == {  # the hotline's own policy
        "acknowledge": at("2026-11-23T09:10"),
        "first_response": at("2026-11-23T09:30"),
        "resolve": at("2026-11-23T14:00"),
    }
    assert desk.due(desk.report("P2", "billing")) == {  # no policy of its own: the default
        "acknowledge": at("2026-11-23T09:30"),
        "first_response": at("2026-11-23T10:00"),
        "resolve": at("2026-11-23T18:00"),
    }
    assert desk.due(desk.report("P4", "billing")) == {  # P4 promises no first response
        "acknowledge": at("2026-11-23T18:00"),
        "resolve": at("2026-11-27T18:00"),
    }


def test_p1_counts_round_the_clock_and_p3_waits_for_monday(desk: Desk) -> None:
    desk.set("2026-11-27T17:30")  # Friday evening
    assert desk.due(desk.report("P1", "app"))["resolve"] == at("2026-11-27T21:30")
    assert desk.due(desk.report("P3", "app"))["acknowledge"] == at("2026-11-30T10:30")


def test_a_wait_pauses_the_clock_and_resuming_moves_it_by_the_paused_business_time(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")
    incident = desk.report("P3", "store")
    desk.set("2026-11-23T10:00")
    incidents.wait_on_customer(desk.session, incident=incident, actor=desk.li, now=desk.clock.now())
    assert desk.due(incident)["resolve"] is None
    assert desk.states(incident) == {"acknowledge": "met", "first_response": "met", "resolve": "paused"}
    desk.set("2026-11-24T10:00")
    paused = sla.clocks(org=desk.runtime.org, incident=incident, now=desk.clock.now())[2]
    assert paused.left == timedelta(hours=23)  # 24 h promised, 1 h used before the wait
    incidents.resume(
        desk.session, org=desk.runtime.org, incident=incident, actor=desk.li, now=desk.clock.now()
    )
    # Paused Mon 10:00–18:00 (7 h of business time) and Tue 09:00–10:00 (1 h): due 8 h later than Wed 18:00.
    assert desk.due(incident)["resolve"] == at("2026-11-26T18:00")
    assert desk.states(incident)["resolve"] == "running"
    moves = [(m.target, m.reason, m.from_due, m.to_due) for m in sla.moves(desk.session, incident)]
    assert moves == [
        ("resolve", "paused", at("2026-11-25T18:00"), None),
        ("resolve", "resumed", None, at("2026-11-26T18:00")),
    ]


def test_a_priority_change_recomputes_from_the_report_and_can_breach_at_once(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")
    incident = desk.report("P3", "store")
    desk.set("2026-11-23T10:00")
    incidents.change_priority(
        desk.session,
        org=desk.runtime.org,
        incident=incident,
        actor=desk.wang,
        now=desk.clock.now(),
        priority="P2",
        reason="VIP",
    )
    assert desk.due(incident) == {
        "acknowledge": at("2026-11-23T09:30"),
        "first_response": at("2026-11-23T10:00"),
        "resolve": at("2026-11-23T18:00"),
    }
    assert desk.states(incident)["acknowledge"] == "breached"  # P2's 30 minutes ran out at 09:30
    assert {m.reason for m in sla.moves(desk.session, incident)} == {"priority"}
    assert len(sla.moves(desk.session, incident)) == 3
    incidents.change_priority(
        desk.session,
        org=desk.runtime.org,
        incident=incident,
        actor=desk.wang,
        now=desk.clock.now(),
        priority="P3",
        reason="Not so urgent after all",
    )
    assert desk.states(incident)["acknowledge"] == "running"  # back to 2 h: due 11:00
    incidents.change_priority(
        desk.session,
        org=desk.runtime.org,
        incident=incident,
        actor=desk.wang,
        now=desk.clock.now(),
        priority="P4",
        reason="A suggestion, not a complaint",
    )
    assert "first_response" not in desk.due(incident)  # P4 promises no first response
    assert ("first_response", "dropped") in [(m.target, m.reason) for m in sla.moves(desk.session, incident)]


def test_met_on_time_and_met_late(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")
    incident = desk.report("P2", "hotline")
    desk.set("2026-11-23T09:05")
    incidents.acknowledge(desk.session, incident=incident, actor=desk.li, now=desk.clock.now())
    desk.set("2026-11-23T09:45")  # first response was due 09:30
    incidents.add_note(
        desk.session, incident=incident, actor=desk.li, now=desk.clock.now(), note="Called back"
    )
    desk.set("2026-11-23T13:00")
    incidents.resolve(desk.session, incident=incident, actor=desk.li, now=desk.clock.now(), note="Refunded")
    assert desk.states(incident) == {"acknowledge": "met", "first_response": "breached", "resolve": "met"}
    rows = {r.target: r for r in sla.targets_of(incident)}
    assert rows["first_response"].breached_at == at("2026-11-23T09:30")
    assert rows["resolve"].met_at == at("2026-11-23T13:00") and rows["resolve"].breached_at is None


def test_a_note_by_the_reporter_is_not_a_first_response(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")
    incident = desk.report("P3", "store")  # li reports, and li is in ops
    incident.reporter = desk.wang
    desk.session.flush()
    incidents.add_note(desk.session, incident=incident, actor=desk.wang, now=desk.clock.now(), note="More")
    assert desk.states(incident)["first_response"] == "running"
    incidents.add_note(desk.session, incident=incident, actor=desk.li, now=desk.clock.now(), note="On it")
    assert desk.states(incident)["first_response"] == "met"


def test_an_open_clock_past_its_due_time_is_breached(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")
    incident = desk.report("P2", "hotline")
    desk.set("2026-11-23T15:00")
    clocks = sla.clocks(org=desk.runtime.org, incident=incident, now=desk.clock.now())
    resolve = clocks[2]
    assert resolve.state == "breached" and resolve.overdue == timedelta(hours=1)


def test_a_reopen_continues_the_resolve_clock_without_the_resolved_time(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")
    incident = desk.report("P1", "store")
    desk.set("2026-11-23T09:10")
    incidents.resolve(desk.session, incident=incident, actor=desk.li, now=desk.clock.now(), note="Restarted")
    desk.set("2026-11-23T11:10")
    incidents.reopen(
        desk.session,
        org=desk.runtime.org,
        incident=incident,
        actor=desk.li,
        now=desk.clock.now(),
        reason="No",
    )
    assert desk.due(incident)["resolve"] == at("2026-11-23T15:00")  # 4 h + the 2 h it looked resolved
    assert desk.states(incident) == {"acknowledge": "met", "first_response": "met", "resolve": "running"}
    assert [m.reason for m in sla.moves(desk.session, incident)] == ["reopened"]


def test_a_transfer_keeps_the_commitments(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")
    incident = desk.report("P3", "store")
    before = desk.due(incident)
    incidents.transfer(
        desk.session,
        org=desk.runtime.org,
        incident=incident,
        actor=desk.wang,
        now=desk.clock.now(),
        department="logistics",
        reason="Delivery",
    )
    assert desk.due(incident) == before and sla.moves(desk.session, incident) == []


def _due(desk: Desk) -> list[tuple[str, str]]:
    return [(d.target, d.threshold) for d in sla_alerts.due_thresholds(desk.session, now=desk.clock.now())]


def _fire_all(desk: Desk) -> None:
    for due in sla_alerts.due_thresholds(desk.session, now=desk.clock.now()):
        assert sla_alerts.mark_fired(
            desk.session, target_id=due.target_id, threshold=due.threshold, now=desk.clock.now()
        )


def test_each_threshold_is_due_once_and_not_after_it_fired(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")
    incident = desk.report("P1", "store")  # acknowledge 15m, first response 30m, resolve 4h; 24×7
    desk.set("2026-11-23T09:12")
    assert _due(desk) == [("acknowledge", "warn:0.5"), ("acknowledge", "warn:0.75")]
    assert _due(desk) == _due(desk)  # reading is not firing
    _fire_all(desk)
    assert _due(desk) == []
    first = sla.targets_of(incident)[0]
    now = desk.clock.now()
    assert not sla_alerts.mark_fired(desk.session, target_id=first.id, threshold="warn:0.5", now=now)
    desk.set("2026-11-23T09:16")
    assert _due(desk) == [
        ("acknowledge", "warn:0.9"),
        ("acknowledge", "breach"),
        ("acknowledge", "escalate:0:lead"),
        ("first_response", "warn:0.5"),
    ]
    due = sla_alerts.due_thresholds(desk.session, now=desk.clock.now())
    kinds = [(d.kind, d.fraction, d.role) for d in due]
    assert kinds == [
        ("warn", 0.9, None),
        ("breach", None, None),
        ("escalate", None, "lead"),
        ("warn", 0.5, None),
    ]
    _fire_all(desk)
    assert first.breached_at == at("2026-11-23T09:15")
    desk.set("2026-11-23T09:20")
    incidents.acknowledge(desk.session, incident=incident, actor=desk.li, now=desk.clock.now())
    desk.set("2026-11-23T11:00")  # the manager's escalation at 09:45 no longer happens: it was acknowledged
    assert ("acknowledge", "escalate:1:manager") not in _due(desk)
    # Resolve's half-way is 11:00: due once that instant has passed, not at it.
    assert [t for t, _ in _due(desk)] == ["first_response"] * 6
    desk.set("2026-11-23T11:01")
    assert [t for t, _ in _due(desk)] == ["first_response"] * 6 + ["resolve"]


def test_a_paused_clock_still_announces_what_it_crossed_but_a_met_one_nothing(desk: Desk) -> None:
    desk.set("2026-11-23T09:00")
    incident = desk.report("P2", "hotline")  # resolve 4 h: half-way at 11:00
    desk.set("2026-11-23T11:10")
    incidents.acknowledge(desk.session, incident=incident, actor=desk.li, now=desk.clock.now())
    incidents.wait_on_customer(desk.session, incident=incident, actor=desk.li, now=desk.clock.now())
    assert ("resolve", "warn:0.5") in _due(desk)  # crossed before the pause
    assert ("resolve", "warn:0.75") not in _due(desk)  # would have been 12:00: the clock stopped
    assert ("acknowledge", "breach") not in _due(desk)  # met (late): nothing more to chase…
    rows = {r.target: r for r in sla.targets_of(incident)}
    assert rows["acknowledge"].breached_at == at("2026-11-23T09:10")  # …but the breach is on record
    assert rows["first_response"].breached_at == at("2026-11-23T09:30")


def test_the_watch_query_reads_the_next_check_index(desk: Desk) -> None:
    query = "SELECT id FROM incident_targets WHERE next_check_at <= :now"
    if desk.session.get_bind().dialect.name == "sqlite":
        plan = desk.session.execute(text("EXPLAIN QUERY PLAN " + query), {"now": "2026-11-23 00:00:00"}).all()
    else:  # an empty table is cheapest to scan; say that scanning is not wanted, to see the index is usable
        desk.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = desk.session.execute(text("EXPLAIN " + query), {"now": desk.clock.now()}).all()
    assert any("ix_incident_targets_next_check_at" in str(row) for row in plan), plan


def test_without_commitments_there_are_no_clocks(desk: Desk) -> None:
    desk.runtime.org = desk.runtime.org.model_copy(update={"sla": type(desk.runtime.org.sla)()})
    incident = desk.report("P1", "store")
    assert sla.targets_of(incident) == []
    assert desk.session.query(IncidentTarget).count() == 0
