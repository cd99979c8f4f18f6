"""The outbox when a send's outcome is unknown, when failures last long, and when a row is dead
(issue 9), on SQLite and PostgreSQL. The platform is a small fake that keeps what it "posted", so a
test can say what people would see: one copy per message, or two.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from sqmsbot.clock import ManualClock
from sqmsbot.messages import Message
from sqmsbot.models import OutboxMessage, Person
from sqmsbot.outbox import (
    Channel,
    Delivery,
    Notifier,
    OutboxWorker,
    Refused,
    RetryLater,
    outbox_health,
    retry_dead,
)
from sqmsbot.runtime import Runtime

Step = Callable[[Delivery], None]


class Forgetful:
    """Posts are kept per row id; `script` makes attempts fail. It cannot look for what an attempt
    posted (like the console, which never loses an answer)."""

    platform = "console"

    def __init__(self, script: list[Step] | None = None) -> None:
        self.script = list(script or [])
        self.posted: dict[int, list[str]] = {}

    def deliver(self, delivery: Delivery) -> str:
        step = self.script.pop(0) if self.script else None
        if step is posted_then_lost:
            self._post(delivery)
        if step is not None:
            step(delivery)
        return self._post(delivery)

    def copies(self) -> int:
        return sum(len(c) for c in self.posted.values())

    def _post(self, delivery: Delivery) -> str:
        copies = self.posted.setdefault(delivery.id, [])
        copies.append(f"msg-{delivery.id}-{len(copies)}")
        return copies[-1]


class Platform(Forgetful):
    """One that can look: `lookups` make the looks fail."""

    def __init__(self, script: list[Step] | None = None, lookups: list[Step] | None = None) -> None:
        super().__init__(script)
        self.lookups = list(lookups or [])
        self.looked: list[tuple[int, datetime]] = []

    def find(self, delivery: Delivery, *, since: datetime) -> str | None:
        self.looked.append((delivery.id, since))
        if self.lookups:
            self.lookups.pop(0)(delivery)
        copies = self.posted.get(delivery.id, [])
        return copies[0] if copies else None


def posted_then_lost(_: Delivery) -> None:
    """The platform posted it, and the answer was lost on the way back."""
    raise RetryLater("read timed out", maybe_sent=True)


def unreachable(_: Delivery) -> None:
    raise RetryLater("connection refused")


def garbled(_: Delivery) -> None:
    raise ValueError("the platform's answer made no sense")


def not_in_channel(_: Delivery) -> None:
    raise Refused("not_in_channel")


def enqueue(runtime: Runtime, key: str, *, not_before: datetime | None = None, **message: str) -> None:
    with runtime.db.transaction() as session:
        notifier = Notifier(session, platforms=("console",), now=runtime.clock.now())
        if not_before is None:
            notifier.to_channel(
                key=key, channel=Channel("console", "#ops"), message=Message(text=key, **message)
            )
            return
        li = Person(
            platform="console", platform_user_id="li", display_name="li", created_at=runtime.clock.now()
        )
        notifier.to_person(key=key, person=li, message=Message(text=key), not_before=not_before)


def row(runtime: Runtime, key: str) -> OutboxMessage:
    with runtime.db.transaction() as session:
        found = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert found is not None
        return found


def test_a_lost_answer_is_looked_up_and_adopted_not_sent_again(runtime: Runtime, clock: ManualClock) -> None:
    platform = Platform(script=[posted_then_lost])
    worker = OutboxWorker(runtime.db, platform, clock)
    enqueue(runtime, "card:1")
    started = clock.now()

    assert worker.run_once() == 0
    clock.advance(timedelta(seconds=5))
    assert worker.run_once() == 1

    sent = row(runtime, "card:1")
    assert (sent.status, sent.remote_id, sent.attempt_started_at) == ("sent", "msg-1-0", None)
    assert platform.copies() == 1
    assert platform.looked == [(sent.id, started)]


def test_an_unexpected_error_counts_as_maybe_sent_and_a_known_failure_does_not(
    runtime: Runtime, clock: ManualClock
) -> None:
    platform = Platform(script=[garbled, unreachable])
    worker = OutboxWorker(runtime.db, platform, clock, base_backoff=timedelta(seconds=1))
    enqueue(runtime, "card:1")
    assert worker.run_once() == 0
    assert row(runtime, "card:1").attempt_started_at is not None  # who knows what the platform did
    clock.advance(timedelta(seconds=1))
    assert worker.run_once() == 0  # looked (nothing there), tried, refused at the door
    assert row(runtime, "card:1").attempt_started_at is None  # that one certainly did not go out
    clock.advance(timedelta(seconds=2))
    assert worker.run_once() == 1
    assert len(platform.looked) == 1 and platform.copies() == 1


def test_if_it_cannot_look_it_does_not_post(runtime: Runtime, clock: ManualClock) -> None:
    platform = Platform(script=[posted_then_lost], lookups=[unreachable, unreachable])
    worker = OutboxWorker(runtime.db, platform, clock, base_backoff=timedelta(seconds=1))
    enqueue(runtime, "card:1")
    for _ in range(3):
        assert worker.run_once() == 0
        clock.advance(timedelta(minutes=1))
    assert platform.copies() == 1  # only the first, lost, attempt posted
    assert worker.run_once() == 1
    assert platform.copies() == 1 and len(platform.looked) == 3


def test_a_deliverer_that_cannot_look_sends_again(runtime: Runtime, clock: ManualClock) -> None:
    platform = Forgetful(script=[posted_then_lost])
    worker = OutboxWorker(runtime.db, platform, clock)
    enqueue(runtime, "card:1")
    assert worker.run_once() == 0
    clock.advance(timedelta(seconds=5))
    assert worker.run_once() == 1
    assert platform.copies() == 2  # at least once, as before: the console never loses an answer


def test_the_attempt_gets_a_full_lease_however_long_the_round_took(
    runtime: Runtime, clock: ManualClock
) -> None:
    """Row 2's claim ran out while row 1 was slow; its send starts with a new lease, so another
    replica looking meanwhile does not send it too."""
    enqueue(runtime, "card:1")
    enqueue(runtime, "card:2")
    other = Platform()
    replica = OutboxWorker(runtime.db, other, clock)

    def slow(_: Delivery) -> None:
        clock.advance(timedelta(minutes=3))

    def meanwhile(_: Delivery) -> None:
        assert replica.run_once() == 0

    worker = OutboxWorker(runtime.db, Platform(script=[slow, meanwhile]), clock)
    assert worker.run_once() == 2
    assert other.copies() == 0


def test_failures_are_retried_for_the_horizon_with_capped_back_off(
    runtime: Runtime, clock: ManualClock
) -> None:
    platform = Platform(script=[unreachable] * 1000)
    worker = OutboxWorker(
        runtime.db, platform, clock, max_backoff=timedelta(minutes=10), retry_horizon=timedelta(hours=24)
    )
    enqueue(runtime, "card:1")
    began = clock.now()
    while row(runtime, "card:1").status == "pending":
        worker.run_once()
        failing = row(runtime, "card:1")
        assert failing.next_attempt_at - clock.now() <= timedelta(minutes=10)
        clock.set(failing.next_attempt_at)
    dead = row(runtime, "card:1")
    assert dead.status == "dead" and dead.attempts > 12
    assert timedelta(hours=24) <= clock.now() - began <= timedelta(hours=24, minutes=10)
    assert platform.copies() == 0


def test_the_horizon_counts_from_the_first_failure_not_from_when_it_was_queued(
    runtime: Runtime, clock: ManualClock
) -> None:
    """A direct message held for the person's working hours three days away still gets its retries."""
    enqueue(runtime, "dm:1", not_before=clock.now() + timedelta(days=3))
    clock.advance(timedelta(days=3))
    platform = Platform(script=[unreachable])
    worker = OutboxWorker(runtime.db, platform, clock, retry_horizon=timedelta(days=2))
    assert worker.run_once() == 0
    assert row(runtime, "dm:1").status == "pending"
    clock.advance(timedelta(seconds=5))
    assert worker.run_once() == 1


def test_a_refusal_is_dead_at_once_counted_and_comes_back_when_retried(
    runtime: Runtime, clock: ManualClock
) -> None:
    platform = Platform(script=[not_in_channel])
    worker = OutboxWorker(runtime.db, platform, clock)
    enqueue(runtime, "card:1")
    assert worker.run_once() == 0
    dead = row(runtime, "card:1")
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 1, "not_in_channel")
    clock.advance(timedelta(days=7))
    assert worker.drain() == 0  # waiting does not heal it: not tried again
    with runtime.db.transaction() as session:
        assert outbox_health(session, now=clock.now()) == {"dead": 1, "oldest_due_seconds": None}

    enqueue(runtime, "card:2")
    with runtime.db.transaction() as session:
        assert retry_dead(session, ids=[dead.id, 999], now=clock.now()) == {dead.id: "dead", 999: "missing"}
    back = row(runtime, "card:1")
    assert (back.status, back.attempts, back.last_error) == ("pending", 0, "not_in_channel")
    clock.advance(timedelta(seconds=30))
    with runtime.db.transaction() as session:
        assert outbox_health(session, now=clock.now()) == {"dead": 0, "oldest_due_seconds": 30.0}
    assert worker.run_once() == 2
    assert platform.copies() == 2
    with runtime.db.transaction() as session:
        assert retry_dead(session, ids=[dead.id], now=clock.now()) == {dead.id: "sent"}
        assert outbox_health(session, now=clock.now()) == {"dead": 0, "oldest_due_seconds": None}


def test_a_dead_row_with_an_unknown_last_attempt_is_looked_up_after_a_retry(
    runtime: Runtime, clock: ManualClock
) -> None:
    platform = Platform(script=[posted_then_lost])
    worker = OutboxWorker(runtime.db, platform, clock, max_attempts=1)
    enqueue(runtime, "card:1")
    assert worker.run_once() == 0
    assert row(runtime, "card:1").status == "dead"
    with runtime.db.transaction() as session:
        retry_dead(session, ids=None, now=clock.now())
    assert worker.run_once() == 1
    assert platform.copies() == 1 and len(platform.looked) == 1
