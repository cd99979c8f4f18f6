"""The durable outbox (DESIGN §5), on SQLite and PostgreSQL: what people would notice if it broke.

A notification that the platform refuses for a while still arrives, once; a restart loses nothing;
a thread reply lands under its card; a refused command notifies nobody. The deliverer here is a
small fake of the platform that records what it was asked to send; the worker is the real one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import commands
from sqmsbot.clock import ManualClock
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.dispatch import dispatch as raw_dispatch
from sqmsbot.cmd.request import CommandRequest, Reply
from sqmsbot.cmd.spec import Args, Command, Pos
from sqmsbot.errors import UsageError
from sqmsbot.messages import Message
from sqmsbot.models import Incident, OutboxMessage
from sqmsbot.outbox import Channel, Delivery, Notifier, OutboxWorker, RetryLater
from sqmsbot.runtime import Runtime

Outcome = Callable[[Delivery], str | None]


class Crash(BaseException):
    """The process dies in the middle of a delivery (not an error the worker could handle)."""


class FakePlatform:
    """Records every delivery attempt; `script` decides, per attempt, what the platform does."""

    def __init__(self, platform: str = "console", script: list[Outcome] | None = None) -> None:
        self.platform = platform
        self.script = list(script or [])
        self.attempts: list[Delivery] = []
        self.delivered: list[Delivery] = []

    def deliver(self, delivery: Delivery) -> str:
        self.attempts.append(delivery)
        if self.script:
            self.script.pop(0)(delivery)
        self.delivered.append(delivery)
        return f"remote-{delivery.dedupe_key}"

    def texts(self) -> list[str]:
        return [d.message.text for d in self.delivered]


def rate_limited(retry_after: float | None = None) -> Outcome:
    def outcome(_: Delivery) -> str | None:
        raise RetryLater("429 rate limited", retry_after=retry_after)

    return outcome


def server_bug(_: Delivery) -> str | None:
    raise RuntimeError("platform returned garbage")


def crash(_: Delivery) -> str | None:
    raise Crash


def enqueue(runtime: Runtime, key: str, text: str, *, platform: str = "console", **message: str) -> bool:
    with runtime.db.transaction() as session:
        notifier = Notifier(session, platforms=(platform,), now=runtime.clock.now())
        return notifier.to_channel(
            key=key, channel=Channel(platform, "#ops"), message=Message(text=text, **message)
        )


def row(runtime: Runtime, key: str) -> OutboxMessage:
    with runtime.db.transaction() as session:
        found = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert found is not None
        return found


def outbox_rows(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(select(func.count(OutboxMessage.id))) or 0


def test_rate_limited_delivery_backs_off_and_arrives_once(runtime: Runtime, clock: ManualClock) -> None:
    platform = FakePlatform(script=[rate_limited(), rate_limited(retry_after=60), rate_limited()])
    worker = OutboxWorker(runtime.db, platform, clock, base_backoff=timedelta(seconds=5))
    enqueue(runtime, "card:1", "SQ-1 · P2 · New")

    waits = []
    for _ in range(3):
        before = clock.now()
        assert worker.run_once() == 0
        waits.append(row(runtime, "card:1").next_attempt_at - before)
        # Just before the back-off ends nothing is tried; the platform is left alone.
        clock.advance(waits[-1] - timedelta(milliseconds=1))
        tried = len(platform.attempts)
        assert worker.run_once() == 0
        assert len(platform.attempts) == tried
        clock.advance(timedelta(milliseconds=1))

    # 5 s, then the platform's Retry-After of 60 s beats the 10 s back-off, then 20 s.
    assert waits == [timedelta(seconds=5), timedelta(seconds=60), timedelta(seconds=20)]
    assert worker.run_once() == 1
    sent = row(runtime, "card:1")
    assert (sent.status, sent.attempts, sent.remote_id) == ("sent", 4, "remote-card:1")
    assert sent.last_error is not None and "429" in sent.last_error

    clock.advance(timedelta(days=1))
    assert worker.drain() == 0
    assert platform.texts() == ["SQ-1 · P2 · New"]
    assert len(platform.attempts) == 4


def test_an_unexpected_platform_error_is_retried_too(runtime: Runtime, clock: ManualClock) -> None:
    platform = FakePlatform(script=[server_bug])
    worker = OutboxWorker(runtime.db, platform, clock, base_backoff=timedelta(seconds=5))
    enqueue(runtime, "card:1", "hello")
    enqueue(runtime, "card:2", "second")

    assert worker.run_once() == 1  # one bad answer does not stop the rest of the batch
    failed = row(runtime, "card:1")
    assert failed.status == "pending"
    assert failed.last_error is not None and "RuntimeError" in failed.last_error
    clock.advance(timedelta(seconds=5))
    assert worker.run_once() == 1
    assert sorted(platform.texts()) == ["hello", "second"]


def test_an_unreadable_row_is_set_aside_and_the_rest_still_go_out(
    runtime: Runtime, clock: ManualClock
) -> None:
    with runtime.db.transaction() as session:
        session.add(
            OutboxMessage(
                dedupe_key="garbled",
                platform="console",
                target_kind="channel",
                target="#ops",
                payload={"no": "text"},
                status="pending",
                attempts=0,
                next_attempt_at=clock.now(),
                created_at=clock.now(),
            )
        )
    enqueue(runtime, "card:1", "after the garbled one")
    platform = FakePlatform()
    worker = OutboxWorker(runtime.db, platform, clock)
    assert worker.run_once() == 1
    assert platform.texts() == ["after the garbled one"]
    garbled = row(runtime, "garbled")
    assert garbled.status == "dead" and garbled.last_error is not None
    clock.advance(timedelta(hours=1))
    assert worker.drain() == 0


def test_gives_up_after_max_attempts(runtime: Runtime, clock: ManualClock) -> None:
    platform = FakePlatform(script=[rate_limited()] * 10)
    worker = OutboxWorker(runtime.db, platform, clock, max_attempts=3, base_backoff=timedelta(seconds=1))
    enqueue(runtime, "card:1", "hello")
    for _ in range(5):
        worker.run_once()
        clock.advance(timedelta(hours=1))
    dead = row(runtime, "card:1")
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert len(platform.attempts) == 3 and platform.delivered == []
    clock.advance(timedelta(days=7))
    assert worker.drain() == 0
    assert len(platform.attempts) == 3


def test_a_restart_resumes_rows_a_crashed_worker_left_behind(runtime: Runtime, clock: ManualClock) -> None:
    for n in range(3):
        enqueue(runtime, f"card:{n}", f"message {n}")
    dying = FakePlatform(script=[crash])
    with pytest.raises(Crash):
        OutboxWorker(runtime.db, dying, clock, lease=timedelta(minutes=2)).run_once()
    assert {row(runtime, f"card:{n}").status for n in range(3)} == {"sending"}
    assert dying.delivered == []

    # A new process starts: rows another worker may still be sending are not touched within its lease.
    fresh = FakePlatform()
    worker = OutboxWorker(runtime.db, fresh, clock, lease=timedelta(minutes=2))
    clock.advance(timedelta(minutes=1))
    assert worker.run_once() == 0
    assert fresh.attempts == []
    clock.advance(timedelta(minutes=1, seconds=1))
    assert worker.drain() == 3
    assert fresh.texts() == ["message 0", "message 1", "message 2"]
    assert {row(runtime, f"card:{n}").status for n in range(3)} == {"sent"}
    clock.advance(timedelta(hours=1))
    assert worker.drain() == 0


def test_a_slow_worker_failing_late_does_not_resend_what_another_sent(
    runtime: Runtime, clock: ManualClock
) -> None:
    """Worker A's lease runs out mid-delivery; B sends the row; A's late failure must not undo that."""
    enqueue(runtime, "card:1", "hello")
    b_platform = FakePlatform()
    b = OutboxWorker(runtime.db, b_platform, clock, lease=timedelta(minutes=2))

    def slow_then_fail(_: Delivery) -> str | None:
        clock.advance(timedelta(minutes=3))
        assert b.run_once() == 1
        raise RetryLater("timed out")

    a = OutboxWorker(runtime.db, FakePlatform(script=[slow_then_fail]), clock, lease=timedelta(minutes=2))
    assert a.run_once() == 0
    assert row(runtime, "card:1").status == "sent"
    clock.advance(timedelta(hours=1))
    a.drain()
    b.drain()
    assert b_platform.texts() == ["hello"]


def test_one_dedupe_key_is_one_row_and_one_delivery(runtime: Runtime, clock: ManualClock) -> None:
    enqueue(runtime, "digest:ops:2026-11-23", "first")
    enqueue(runtime, "digest:ops:2026-11-23", "second")
    with runtime.db.transaction() as session:  # twice in one unit of work as well
        notifier = Notifier(session, platforms=("console",), now=clock.now())
        assert notifier.has("digest:ops:2026-11-23")  # stored by an earlier unit of work
        assert not notifier.has("sla:SQ-1:breach")
        assert notifier.to_channel(
            key="sla:SQ-1:breach", channel=Channel("console", "#ops"), message=Message(text="a")
        )
        assert notifier.has("sla:SQ-1:breach")  # queued in this one
        assert not notifier.to_channel(
            key="sla:SQ-1:breach", channel=Channel("console", "#ops"), message=Message(text="b")
        )
    assert outbox_rows(runtime) == 2
    platform = FakePlatform()
    worker = OutboxWorker(runtime.db, platform, clock)
    assert worker.drain() == 2
    enqueue(runtime, "digest:ops:2026-11-23", "third")  # sent already: still once
    assert outbox_rows(runtime) == 2
    clock.advance(timedelta(hours=1))
    assert worker.drain() == 0
    assert platform.texts() == ["first", "a"]


def test_a_thread_reply_waits_for_its_card_and_gets_its_id(runtime: Runtime, clock: ManualClock) -> None:
    platform = FakePlatform(script=[rate_limited()])  # the card itself is refused once
    worker = OutboxWorker(runtime.db, platform, clock, base_backoff=timedelta(seconds=5))
    enqueue(runtime, "card:1", "the card")
    enqueue(runtime, "card:1:event:2", "SQ-1 · acknowledged", thread_of="card:1")
    enqueue(runtime, "card:1:edit:2", "the card, edited", update_of="card:1")

    assert worker.drain() == 0
    assert [d.dedupe_key for d in platform.attempts] == ["card:1"]  # replies not sent before the card
    assert row(runtime, "card:1:event:2").status == "pending"
    clock.advance(timedelta(seconds=5))
    assert worker.drain() == 3
    assert [d.dedupe_key for d in platform.delivered] == ["card:1", "card:1:event:2", "card:1:edit:2"]
    reply, edit = platform.delivered[1], platform.delivered[2]
    assert (reply.thread_remote_id, reply.update_remote_id) == ("remote-card:1", None)
    assert (edit.update_remote_id, edit.thread_remote_id) == ("remote-card:1", None)


def test_a_reply_to_a_card_that_never_went_out_is_sent_on_its_own(
    runtime: Runtime, clock: ManualClock
) -> None:
    platform = FakePlatform(script=[rate_limited()])
    worker = OutboxWorker(runtime.db, platform, clock, max_attempts=1)
    enqueue(runtime, "card:1", "the card")
    enqueue(runtime, "card:1:event:2", "SQ-1 · acknowledged", thread_of="card:1")
    assert worker.drain() == 1
    assert row(runtime, "card:1").status == "dead"
    assert len(platform.delivered) == 1
    assert platform.delivered[0].message.text == "SQ-1 · acknowledged"
    assert platform.delivered[0].thread_remote_id is None


def test_rows_for_another_platform_are_left_to_its_worker(runtime: Runtime, clock: ManualClock) -> None:
    enqueue(runtime, "slack-card", "for slack", platform="slack")
    enqueue(runtime, "console-card", "for the console", platform="console")
    console = FakePlatform("console")
    assert OutboxWorker(runtime.db, console, clock).drain() == 1
    assert console.texts() == ["for the console"]
    waiting = row(runtime, "slack-card")
    assert (waiting.status, waiting.attempts) == ("pending", 0)
    slack = FakePlatform("slack")
    assert OutboxWorker(runtime.db, slack, clock).drain() == 1
    assert slack.texts() == ["for slack"]


# --- notifications commit with the change, or not at all ---------------------------------------------


class ShoutArgs(Args):
    text: str


def _shouting_commands() -> dict[str, Command]:
    """A command that queues a notification and then fails: the notification must vanish with it."""
    shout = Command("shout")

    @shout.sub("refused", positional=(Pos("text", rest=True),))
    def refused(ctx: Ctx, args: ShoutArgs) -> Reply:
        """refused TEXT"""
        ctx.notify.to_channel(
            key="shout:refused", channel=Channel("console", "#ops"), message=Message(text=args.text)
        )
        raise UsageError("errors.missing_field", field="title")

    @shout.sub("broken", positional=(Pos("text", rest=True),))
    def broken(ctx: Ctx, args: ShoutArgs) -> Reply:
        """broken TEXT"""
        ctx.notify.to_channel(
            key="shout:broken", channel=Channel("console", "#ops"), message=Message(text=args.text)
        )
        raise RuntimeError("bug after the notification was queued")

    @shout.sub("fine", positional=(Pos("text", rest=True),))
    def fine(ctx: Ctx, args: ShoutArgs) -> Reply:
        """fine TEXT"""
        ctx.notify.to_channel(
            key="shout:fine", channel=Channel("console", "#ops"), message=Message(text=args.text)
        )
        return Reply([Message(text="done")])

    return {"shout": shout}


def _request(text: str, user: str = "me") -> CommandRequest:
    return CommandRequest(platform="console", channel="#ops", user_id=user, text=text)


def test_a_failed_command_queues_no_notification(runtime: Runtime) -> None:
    table = _shouting_commands()
    refused = raw_dispatch(_request("/shout refused hello"), runtime=runtime, commands=table)
    assert not refused.messages[0].ok and "Missing title." in refused.text
    broken = raw_dispatch(_request("/shout broken hello"), runtime=runtime, commands=table)
    assert not broken.messages[0].ok and "(ref E-" in broken.text
    assert outbox_rows(runtime) == 0
    fine = raw_dispatch(_request("/shout fine hello"), runtime=runtime, commands=table)
    assert fine.text == "done"
    assert outbox_rows(runtime) == 1


def test_an_incident_card_is_queued_with_the_report_and_not_with_a_refusal(
    runtime: Runtime, clock: ManualClock
) -> None:
    def run(text: str) -> Reply:
        return commands.dispatch(_request(text), runtime=runtime)

    reported = run('/incident report P2 billing "Customer charged twice" cust=C-1042')
    assert "Reported SQ-1." in reported.text
    with runtime.db.transaction() as session:
        incidents = session.scalar(select(func.count(Incident.id)))
        cards = session.scalars(select(OutboxMessage.target)).all()
    assert (incidents, cards) == (1, ["#finance"])

    refused = run("/incident close SQ-1")  # not resolved yet: refused, so nobody hears about it
    assert not refused.messages[0].ok
    assert outbox_rows(runtime) == 1
    platform = FakePlatform()
    assert OutboxWorker(runtime.db, platform, clock).drain() == 1
    assert platform.delivered[0].target == "#finance"
    assert "Customer charged twice" in platform.delivered[0].message.text


def test_workers_running_side_by_side_send_each_row_once(runtime: Runtime, clock: ManualClock) -> None:
    """Replicas share the outbox: rows are split between them, never sent by two."""
    for n in range(40):
        enqueue(runtime, f"card:{n}", f"message {n}")
    platforms = [FakePlatform() for _ in range(3)]
    workers = [OutboxWorker(runtime.db, p, clock, batch=5) for p in platforms]
    with ThreadPoolExecutor(max_workers=3) as pool:
        sent = sum(pool.map(lambda w: w.drain(rounds=100), workers))
    keys = [d.dedupe_key for p in platforms for d in p.delivered]
    assert sent == 40
    assert sorted(keys) == sorted(f"card:{n}" for n in range(40))


def test_a_backlog_larger_than_a_batch_goes_out_without_waiting_between_batches(
    runtime: Runtime, clock: ManualClock
) -> None:
    """After an outage, a long queue must drain at once, not one batch per polling interval."""
    for n in range(7):
        enqueue(runtime, f"backlog:{n}", f"message {n}")
    platform = FakePlatform()
    worker = OutboxWorker(runtime.db, platform, clock, batch=2)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), kwargs={"interval": 30.0})
    thread.start()
    try:
        for _ in range(500):  # a pause of 30 s between batches would leave most of them waiting
            if len(platform.delivered) == 7:
                break
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert platform.texts() == [f"message {n}" for n in range(7)]
