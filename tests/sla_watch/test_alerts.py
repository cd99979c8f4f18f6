"""The `sla_watch` job as the people it alerts see it: which messages reach whom, in which language, with
which buttons — and never twice, whatever is retried or re-run.

The example organisation's commitments apply (times are Shanghai wall clock, Monday 2026-11-23): the
hotline's P2 resolves within 4 business hours (09:00–12:00, 13:00–18:00), warns at 50/75/90 %, escalates
to the lead at the breach and to the manager an hour later. Customer Service (`ops`) reads Chinese in
its channel; people read English unless they chose otherwise.

A threshold is announced by the first tick after its instant (a target met at its due minute is met):
the 11:00 warning goes out at 11:01, the 14:00 breach at 14:01.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import jobs.sla_watch
from jobs.sla_watch import sla_watch
from sqmsbot.clock import ManualClock
from sqmsbot.domain import incidents, sla_alerts
from sqmsbot.messages import Message
from sqmsbot.models import AccountabilityRecord, IncidentTarget, OutboxMessage, Person
from sqmsbot.outbox import Delivery, Notifier, OutboxWorker, RetryLater
from sqmsbot.platforms.console.render import plain  # mentions as the console reads them
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import run_due
from sqmsbot.scheduling.runner import due_runs, run_period
from sqmsbot.scheduling.spec import JobContext

SH = ZoneInfo("Asia/Shanghai")
ONLY_WATCH = {"sla_watch": sla_watch}
CARD = "incident:1:card:console:ops"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@dataclass(frozen=True)
class Sent:
    key: str
    kind: str  # channel | user
    target: str
    message: Message


@dataclass
class Desk:
    runtime: Runtime
    clock: ManualClock
    ids: dict[str, int]

    def do(self, when: str, what: Any) -> Any:
        """Run `what(session, people)` at a Shanghai wall-clock time, in one unit of work."""
        self.clock.set(at(when))
        with self.runtime.db.transaction() as session:
            people = {name: session.get(Person, pid) for name, pid in self.ids.items()}
            return what(session, people)

    def report(self, when: str, priority: str = "P2", service: str = "hotline") -> int:
        def go(session: Any, people: dict[str, Person]) -> int:
            incident = incidents.report(
                session,
                org=self.runtime.org,
                actor=people["me"],
                platform="console",
                now=self.clock.now(),
                priority=priority,
                service=service,
                title="Customer waited 40 minutes",
            )
            return incident.id

        number: int = self.do(when, go)
        return number

    def take(self, when: str, number: int = 1) -> None:
        """li acknowledges, takes it and tells the customer: only the resolve clock runs on."""

        def go(session: Any, people: dict[str, Person]) -> None:
            incident = incidents.get(session, number=number)
            now = self.clock.now()
            incidents.acknowledge(session, incident=incident, actor=people["li"], now=now)
            incidents.assign(session, incident=incident, actor=people["li"], assignee=people["li"], now=now)
            incidents.add_note(session, incident=incident, actor=people["li"], now=now, note="Called back")

        self.do(when, go)

    def watch(self, until: str, since: datetime | None = None) -> None:
        """Move the clock to `until`, running every `sla_watch` minute in between (as `:clock` does)."""
        run_due(self.runtime, since or self.clock.now(), at(until), registry=ONLY_WATCH)

    def sent(self) -> list[Sent]:
        with self.runtime.db.transaction() as session:
            rows = session.scalars(
                select(OutboxMessage).where(OutboxMessage.dedupe_key.like("sla:%")).order_by(OutboxMessage.id)
            ).all()
            return [
                Sent(r.dedupe_key, r.target_kind, r.target, Message.model_validate(r.payload)) for r in rows
            ]


@pytest.fixture
def desk(runtime: Runtime, clock: ManualClock) -> Iterator[Desk]:
    with runtime.db.transaction() as session:
        people = [
            Person(
                platform="console",
                platform_user_id=name,
                display_name=name,
                role=role,
                department=department,
                locale=locale,
                timezone=timezone,
                created_at=clock.now(),
            )
            for name, role, department, locale, timezone in (
                ("me", "admin", None, None, None),
                ("li", "member", "ops", None, None),
                ("wang", "lead", "ops", None, None),
                ("zhao", "manager", "ops", "zh_CN", "Europe/London"),
                ("qiu", "quality", "quality", None, None),
            )
        ]
        session.add_all(people)
        session.flush()
        ids = {p.platform_user_id: p.id for p in people}
    yield Desk(runtime, clock, ids)


def _keys(sent: list[Sent]) -> list[str]:
    return [s.key for s in sent]


def _pid(desk: Desk, name: str) -> int:
    return desk.ids[name]


def _commands(message: Message) -> list[str]:
    return [b.command for block in message.blocks if block.type == "actions" for b in block.buttons]


def test_warn_breach_and_escalations_each_reach_the_right_people_once(desk: Desk) -> None:
    desk.report("2026-11-23T09:00")
    desk.take("2026-11-23T09:00")
    desk.watch("2026-11-23T11:00")  # half of the 4 business hours gone, at this very minute: not yet
    assert desk.sent() == []

    desk.watch("2026-11-23T11:01")
    warn = desk.sent()
    assert [(s.key, s.kind, s.target) for s in warn] == [
        ("sla:SQ-1:resolve:warn:0.5", "channel", "#ops"),
        (f"sla:SQ-1:resolve:warn:0.5:{_pid(desk, 'li')}", "user", "li"),
    ]
    channel, dm = warn[0].message, warn[1].message
    assert channel.thread_of == CARD  # under the incident card, where the team works it
    assert channel.text.startswith("⚠️ SQ-1 · 解决：承诺时限已用去 50%")
    # Time left in business time: the lunch hour does not count (wall clock would say 2h 59m).
    assert "解决：截止 2026-11-23 14:00 +08:00 · 剩余工作时间 1小时59分钟" in channel.text
    assert dm.text.startswith("⚠️ SQ-1 · Resolve: 50% of the committed time is used up")
    assert "due 2026-11-23 14:00 +08:00 · 1h 59m of business time left" in dm.text
    assert _commands(channel) == ["incident assign SQ-1", "incident resolve SQ-1"]
    assert _commands(dm) == ["incident resolve SQ-1"]  # li has it already: no "take it" for her

    desk.watch("2026-11-23T16:00")
    wang, zhao, li = _pid(desk, "wang"), _pid(desk, "zhao"), _pid(desk, "li")
    assert _keys(desk.sent()) == [
        "sla:SQ-1:resolve:warn:0.5",
        f"sla:SQ-1:resolve:warn:0.5:{li}",
        "sla:SQ-1:resolve:warn:0.75",  # 12:00
        f"sla:SQ-1:resolve:warn:0.75:{li}",  # held over li's lunch hour (below)
        "sla:SQ-1:resolve:warn:0.9",  # 13:36: the lunch hour does not count
        f"sla:SQ-1:resolve:warn:0.9:{li}",
        "sla:SQ-1:resolve:breach",  # 14:00: the alert (with whom it escalated to), the card edited,
        "sla:SQ-1:resolve:breach:card",
        f"sla:SQ-1:resolve:breach:{li}",  # the owner told
        f"sla:SQ-1:resolve:escalate:0:lead:{wang}",  # and the lead, at the breach
        "sla:SQ-1:resolve:escalate:1:manager",  # an hour later: the channel and the manager
        f"sla:SQ-1:resolve:escalate:1:manager:{zhao}",
    ]
    with desk.runtime.db.transaction() as session:  # 12:01 is li's lunch hour: it waited for 13:00
        held = session.scalars(
            select(OutboxMessage.next_attempt_at).where(OutboxMessage.dedupe_key.like("sla:%:warn:0.75%"))
        ).all()
        assert sorted(held) == [at("2026-11-23T12:01"), at("2026-11-23T13:00")]  # the channel's is not held
    by_key = {s.key: s for s in desk.sent()}
    breach = by_key["sla:SQ-1:resolve:breach"].message
    assert breach.thread_of is None  # a breach is not tucked away in a thread
    assert breach.text.startswith("🔴 SQ-1 · 解决：未能兑现服务承诺")
    assert "对客户承诺的补救：由热线经理回电致歉，并赠送 50 元抵用金。" in breach.text
    assert "解决：截止 2026-11-23 14:00 +08:00 · 刚刚超时" in breach.text
    assert "⏫ SQ-1 · 解决：已升级给" in breach.text and "@wang" in plain(breach.text)  # one channel message
    assert by_key["sla:SQ-1:resolve:breach:card"].message.update_of == CARD
    assert "🔴 解决" in by_key["sla:SQ-1:resolve:breach:card"].message.text
    owner = by_key[f"sla:SQ-1:resolve:breach:{li}"].message.text
    assert "Promised to the customer: A call-back from the hotline manager" in owner
    assert "It is assigned to you." in owner
    assert "Resolve: due 2026-11-23 14:00 +08:00 · missed just now" in owner
    lead = by_key[f"sla:SQ-1:resolve:escalate:0:lead:{wang}"].message
    assert lead.text.startswith("⏫ SQ-1 · Resolve: commitment missed — escalated to you (lead)")
    assert "Owner: @li" in plain(lead.text)
    assert _commands(lead) == ["incident assign SQ-1", "incident resolve SQ-1"]
    manager = by_key[f"sla:SQ-1:resolve:escalate:1:manager:{zhao}"].message.text
    assert manager.startswith("⏫ SQ-1 · 解决：未能兑现服务承诺，已升级给你（经理）")  # her language
    assert "截止 2026-11-23 06:00 +00:00 · 已超时 1小时1分钟" in manager  # and her time zone
    assert (
        plain(by_key["sla:SQ-1:resolve:escalate:1:manager"].message.text)
        == "⏫ SQ-1 · 解决：已升级给经理：@zhao"
    )

    with desk.runtime.db.transaction() as session:  # the breach is recorded on the incident's clock
        row = session.scalars(select(IncidentTarget).where(IncidentTarget.target == "resolve")).one()
        assert row.breached_at == at("2026-11-23T14:00")
        assert row.next_check_at is None

    before = desk.sent()
    desk.watch("2026-11-23T19:00")  # the clock moves on: nothing more to say
    assert desk.sent() == before


def test_re_running_a_period_or_the_job_sends_nothing_twice(desk: Desk) -> None:
    desk.report("2026-11-23T09:00")
    desk.take("2026-11-23T09:00")
    start = desk.clock.now()
    desk.watch("2026-11-23T14:05")
    sent = desk.sent()
    assert len(sent) == 10  # three warnings (2 each), the breach (alert, card, owner), the lead

    # The same interval again (a restart, a second replica): nothing is due any more, so each minute
    # is let go after one look, unclaimed.
    outcomes = run_due(desk.runtime, start, at("2026-11-23T14:05"), registry=ONLY_WATCH)
    assert {o.status for o in outcomes} == {"idle"}
    assert desk.sent() == sent

    # A minute that did announce something is claimed: with its thresholds due again (marks lost), it
    # is still not run twice.
    _forget_marks(desk)
    due = next(due_runs(ONLY_WATCH, at("2026-11-23T14:00"), at("2026-11-23T14:01"), org=desk.runtime.org))
    assert run_period(desk.runtime, due).status == "skipped"
    assert desk.sent() == sent

    # The job body itself, run again for a period whose claim were lost: the outbox keys hold.
    _run_body(desk, at("2026-11-23T14:05"))
    assert desk.sent() == sent

    # That run marked them again: the next minute has nothing to announce.
    with desk.runtime.db.transaction() as session:
        assert not sla_alerts.any_due(session, at("2026-11-23T14:06"))


def _forget_marks(desk: Desk) -> None:
    """As if the announced thresholds had never been marked: every one of them due again."""
    with desk.runtime.db.transaction() as session:
        for row in session.scalars(select(IncidentTarget).where(IncidentTarget.met_at.is_(None))):
            row.fired = []
            row.next_check_at = row.started_at


def _run_body(desk: Desk, now: datetime, *, session: Session | None = None) -> None:
    """The job's body without its claim, in its own unit of work or in `session`."""
    if session is None:
        with desk.runtime.db.transaction() as own:
            _run_body(desk, now, session=own)
        return
    sla_watch(
        JobContext(
            job=sla_watch,
            session=session,
            runtime=desk.runtime,
            now=now,
            period_key="sla_watch/again",
            department=None,
            notifier=Notifier(session, platforms=("console",), now=now),
        )
    )


def test_a_paused_clock_raises_no_alerts_until_work_resumes(desk: Desk) -> None:
    desk.report("2026-11-23T09:00")
    desk.take("2026-11-23T09:00")

    def wait(session: Any, people: dict[str, Person]) -> None:
        incident = incidents.get(session, number=1)
        incidents.wait_on_customer(session, incident=incident, actor=people["li"], now=desk.clock.now())

    desk.do("2026-11-23T10:00", wait)  # one business hour used of four
    desk.watch("2026-11-23T16:00")  # past the original breach (14:00) and escalations (15:00)
    assert desk.sent() == []

    def resume(session: Any, people: dict[str, Person]) -> None:
        incident = incidents.get(session, number=1)
        incidents.resume(
            session, org=desk.runtime.org, incident=incident, actor=people["li"], now=desk.clock.now()
        )

    desk.do("2026-11-23T16:00", resume)
    desk.watch("2026-11-23T17:00")
    assert desk.sent() == []
    desk.watch("2026-11-23T17:01")  # the second business hour has ended: half the target used
    assert _keys(desk.sent()) == [
        "sla:SQ-1:resolve:warn:0.5",
        f"sla:SQ-1:resolve:warn:0.5:{_pid(desk, 'li')}",
    ]


def test_a_met_target_gets_no_later_alerts(desk: Desk) -> None:
    desk.report("2026-11-23T09:00")  # acknowledge within 10 minutes
    desk.watch("2026-11-23T09:06")
    warn = [s for s in desk.sent() if ":acknowledge:" in s.key]
    assert _keys(warn) == ["sla:SQ-1:acknowledge:warn:0.5"]  # nobody owns it: the channel only
    assert _commands(warn[0].message) == [
        "incident ack SQ-1",
        "incident assign SQ-1",
        "incident resolve SQ-1",
    ]
    assert "请尽快受理或认领" in warn[0].message.text

    def ack(session: Any, people: dict[str, Person]) -> None:
        incidents.acknowledge(
            session, incident=incidents.get(session, number=1), actor=people["li"], now=desk.clock.now()
        )

    desk.do("2026-11-23T09:07", ack)
    desk.watch("2026-11-23T10:00")
    assert [s.key for s in desk.sent() if ":acknowledge:" in s.key] == ["sla:SQ-1:acknowledge:warn:0.5"]


def test_an_unowned_breach_goes_to_the_lead_and_quality_hears_of_a_p1(desk: Desk) -> None:
    desk.report("2026-11-23T09:00", priority="P1", service="app")  # IT: no lead, no manager
    desk.report("2026-11-23T09:00", priority="P1", service="store")  # Customer Service
    desk.watch("2026-11-23T10:20")  # acknowledge (15m) missed 1h05m ago: lead, manager, quality told
    keys = set(_keys(desk.sent()))
    wang, zhao, qiu = _pid(desk, "wang"), _pid(desk, "zhao"), _pid(desk, "qiu")
    assert {
        f"sla:SQ-2:acknowledge:breach:{wang}",  # unassigned: the lead owns it
        f"sla:SQ-2:acknowledge:escalate:1:manager:{zhao}",
        f"sla:SQ-2:acknowledge:escalate:2:quality:{qiu}",
        f"sla:SQ-1:acknowledge:escalate:2:quality:{qiu}",
    } <= keys
    # The lead owns the breach and is its first escalation step: one message, not two.
    assert f"sla:SQ-2:acknowledge:escalate:0:lead:{wang}" not in keys
    by_key = {s.key: s for s in desk.sent()}
    owner = by_key[f"sla:SQ-2:acknowledge:breach:{wang}"].message.text
    assert "you as a head of Customer Service" in owner
    assert "escalated to you" not in owner
    # IT has no lead: nobody is DMed, and its channel's breach alert says the escalation reached nobody.
    assert not any(k.startswith("sla:SQ-1:acknowledge:escalate:0:lead:") for k in keys)
    nobody = by_key["sla:SQ-1:acknowledge:breach"].message
    assert nobody.thread_of is None
    assert "reached nobody — no one in IT has that role" in nobody.text  # IT's channel reads English


def test_a_tick_is_bounded_and_the_next_minute_goes_on(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    desk.report("2026-11-23T09:00")
    desk.report("2026-11-23T09:00")
    desk.take("2026-11-23T09:00", 1)
    desk.take("2026-11-23T09:00", 2)
    monkeypatch.setattr(jobs.sla_watch, "BATCH", 1)
    desk.watch("2026-11-23T11:01")
    assert _keys(desk.sent()) == [
        "sla:SQ-1:resolve:warn:0.5",
        f"sla:SQ-1:resolve:warn:0.5:{_pid(desk, 'li')}",
    ]
    desk.watch("2026-11-23T11:02")
    assert [k for k in _keys(desk.sent()) if k.startswith("sla:SQ-2")] == [
        "sla:SQ-2:resolve:warn:0.5",
        f"sla:SQ-2:resolve:warn:0.5:{_pid(desk, 'li')}",
    ]


class FlakyDeliverer:
    """The platform is down for the first attempt at each message, then fine."""

    platform = "console"

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.delivered: list[str] = []

    def deliver(self, delivery: Delivery) -> str:
        self.attempts.append(delivery.dedupe_key)
        if self.attempts.count(delivery.dedupe_key) == 1:
            raise RetryLater("503 from the platform")
        self.delivered.append(delivery.dedupe_key)
        return f"remote-{delivery.id}"


def test_a_failed_delivery_is_retried_and_the_alert_arrives_once(desk: Desk) -> None:
    desk.report("2026-11-23T09:00")
    desk.take("2026-11-23T09:00")
    desk.watch("2026-11-23T11:01")
    deliverer = FlakyDeliverer()
    worker = OutboxWorker(desk.runtime.db, deliverer, desk.clock)
    worker.drain()
    assert [k for k in deliverer.delivered if k.startswith("sla:")] == []  # both attempts failed
    desk.watch("2026-11-23T11:06")  # the backoff passes; the watch adds nothing meanwhile
    worker.drain()
    worker.drain()
    sla_keys = [k for k in deliverer.delivered if k.startswith("sla:")]
    assert sla_keys == ["sla:SQ-1:resolve:warn:0.5", f"sla:SQ-1:resolve:warn:0.5:{_pid(desk, 'li')}"]
    with desk.runtime.db.transaction() as session:
        statuses = session.scalars(
            select(OutboxMessage.status).where(OutboxMessage.dedupe_key.like("sla:%"))
        ).all()
        assert statuses == ["sent", "sent"]


def test_a_second_tick_skips_the_clocks_the_first_is_announcing(desk: Desk) -> None:
    if not desk.runtime.db.is_postgresql:
        pytest.skip("SQLite has one writer at a time: a second tick waits for the first to commit")
    desk.report("2026-11-23T09:00")
    desk.take("2026-11-23T09:00")
    desk.watch("2026-11-23T13:58")  # the warnings are out; the breach is due at 14:00
    before = len(desk.sent())

    with desk.runtime.db.transaction() as first:
        _run_body(desk, at("2026-11-23T14:01"), session=first)  # announced, not committed yet
        with desk.runtime.db.transaction() as second:
            # Were the rows not shared out, this tick would wait for the first one's locks: fail fast.
            second.execute(text("SET LOCAL lock_timeout = '2s'"))
            _run_body(desk, at("2026-11-23T14:02"), session=second)

    sent = desk.sent()
    keys = [s.key for s in sent[before:]]
    assert "sla:SQ-1:resolve:breach" in keys
    assert len(keys) == len(set(keys))
    with desk.runtime.db.transaction() as session:
        assert session.scalar(select(func.count(AccountabilityRecord.id))) == 1
