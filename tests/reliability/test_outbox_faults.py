"""A card is posted once, and its edits reach that one copy, whatever Slack or the worker does (issue 9).

chat.postMessage has no idempotency key: a send whose outcome is unknown (the worker killed mid-send,
an answer that never came after Slack posted, a connection reset) used to be sent again, and people
saw the card twice with later edits on the second copy. Here the real outbox worker, built as the
Slack adapter builds it, talks over HTTP to the fake Slack, which breaks on cue (`FakeSlack.inject`).

The manual clock starts just before the fake's first message timestamp (1700000000), so the
worker's "look in the channel since the attempt started" (`oldest`) and the fake's timestamps share
one timeline, as our clock and Slack's do in production.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sqmsbot.cli import app
from sqmsbot.clock import ManualClock
from sqmsbot.config import EXAMPLE_ORG_FILE
from sqmsbot.messages import Message
from sqmsbot.models import OutboxMessage, Person
from sqmsbot.outbox import Channel, Notifier, OutboxWorker
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.workers import outbox_worker
from sqmsbot.runtime import Runtime
from tests.fakes.slack_api import FakeSlack

SLACK_EPOCH = datetime.fromtimestamp(1_700_000_000, UTC)
OPS, SALES = "C0000000OPS", "C000000SALES"
REPO = Path(__file__).resolve().parents[2]
DEADLINE_S = 60.0  # safety bound on waiting for the child process; not a measurement


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(SLACK_EPOCH - timedelta(minutes=1))


def worker(runtime: Runtime, slack: FakeSlack, *, clock: ManualClock | None = None) -> OutboxWorker:
    """The outbox worker exactly as the Slack adapter builds it, giving up on a call after 1 s."""
    settings = runtime.settings.model_copy(update={"slack_timeout": 1.0})
    shaped = dataclasses.replace(runtime, settings=settings, clock=clock or runtime.clock)
    return outbox_worker(shaped, make_client(slack.token, slack.api_url))


def card(runtime: Runtime, key: str, text: str, *, channel: str = OPS, **message: str) -> None:
    with runtime.db.transaction() as session:
        notifier = Notifier(session, platforms=("slack",), now=runtime.clock.now())
        notifier.to_channel(key=key, channel=Channel("slack", channel), message=Message(text=text, **message))


def row(runtime: Runtime, key: str) -> OutboxMessage:
    with runtime.db.transaction() as session:
        found = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert found is not None
        return found


def posts(slack: FakeSlack) -> int:
    return len(slack.calls_to("chat.postMessage"))


def assert_one_card_and_edits_reach_it(runtime: Runtime, slack: FakeSlack, key: str) -> None:
    """Exactly one copy is in the channel, it is the one recorded, and the next edit lands on it."""
    [posted] = slack.messages(OPS)
    sent = row(runtime, key)
    assert (sent.status, sent.remote_id) == ("sent", f"{OPS}:{posted['ts']}")
    card(runtime, f"{key}:edit", "SQ-1 · acknowledged", update_of=key)
    assert worker(runtime, slack).drain() == 1
    [edited] = slack.messages(OPS)
    assert edited["ts"] == posted["ts"] and edited["text"] == "SQ-1 · acknowledged"
    assert [c.params["ts"] for c in slack.calls_to("chat.update")] == [posted["ts"]]


def test_a_worker_killed_mid_send_is_followed_by_one_that_adopts_the_post(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card(runtime, "card:1", "SQ-1 · P2 · New")
    fake_slack.inject("chat.postMessage", "accept_then_timeout", delay=30)  # posted; the answer held
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.outbox_send_process", runtime.db.url,
         fake_slack.api_url, fake_slack.token, clock.now().isoformat()],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + DEADLINE_S
        while posts(fake_slack) == 0 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert posts(fake_slack) == 1, child.stderr.read().decode() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=DEADLINE_S)
    left = row(runtime, "card:1")
    assert left.status == "sending" and left.attempt_started_at is not None

    replacement = worker(runtime, fake_slack)
    clock.advance(timedelta(minutes=1))
    assert replacement.run_once() == 0  # the dead worker's lease still holds the row
    clock.advance(timedelta(minutes=1, seconds=1))
    assert replacement.run_once() == 1

    assert posts(fake_slack) == 1  # adopted from the channel's history, not posted again
    [lookup] = fake_slack.calls_to("conversations.history")
    assert lookup.params["channel"] == OPS
    assert_one_card_and_edits_reach_it(runtime, fake_slack, "card:1")


def test_an_answer_that_never_comes_after_slack_posted_is_adopted(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card(runtime, "card:1", "SQ-1 · P2 · New")
    fake_slack.inject("chat.postMessage", "accept_then_timeout", delay=3)
    sender = worker(runtime, fake_slack)

    assert sender.run_once() == 0
    waiting = row(runtime, "card:1")
    assert waiting.status == "pending" and waiting.attempt_started_at is not None
    clock.advance(timedelta(seconds=5))
    assert sender.run_once() == 1

    assert posts(fake_slack) == 1
    assert_one_card_and_edits_reach_it(runtime, fake_slack, "card:1")


def test_a_retry_after_longer_than_the_lease_reschedules_without_sleeping(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card(runtime, "card:1", "SQ-1 · P2 · New")
    fake_slack.inject("chat.postMessage", "ratelimit", retry_after=150)
    first = worker(runtime, fake_slack)
    assert first.lease == timedelta(seconds=120)
    started = clock.now()

    assert first.run_once() == 0  # returns at once: the row waits, not the worker
    limited = row(runtime, "card:1")
    assert limited.status == "pending" and limited.lease_until is None
    assert limited.next_attempt_at >= started + timedelta(seconds=150)
    other_replica = worker(runtime, fake_slack, clock=ManualClock(started + timedelta(seconds=121)))
    assert other_replica.run_once() == 0  # past the lease, but the row is not due: nobody takes it
    assert posts(fake_slack) == 1

    clock.set(started + timedelta(seconds=151))
    assert first.run_once() == 1
    assert posts(fake_slack) == 2  # the refused one and the one that went out
    assert_one_card_and_edits_reach_it(runtime, fake_slack, "card:1")


def test_a_reset_before_slack_served_it_is_looked_up_then_sent_once(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card(runtime, "card:1", "SQ-1 · P2 · New")
    fake_slack.inject("chat.postMessage", "reset_before")
    sender = worker(runtime, fake_slack)

    assert sender.run_once() == 0
    clock.advance(timedelta(seconds=5))
    assert sender.run_once() == 1

    assert len(fake_slack.calls_to("conversations.history")) == 1  # looked, found nothing, sent
    assert posts(fake_slack) == 2
    assert_one_card_and_edits_reach_it(runtime, fake_slack, "card:1")


def test_when_the_lookup_fails_nothing_is_posted_until_it_succeeds(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card(runtime, "card:1", "SQ-1 · P2 · New")
    fake_slack.inject("chat.postMessage", "reset_after")  # posted, then the connection reset
    fake_slack.fail_next("conversations.history", status=500)
    sender = worker(runtime, fake_slack)

    assert sender.run_once() == 0
    clock.advance(timedelta(seconds=5))
    assert sender.run_once() == 0  # could not look: not posted blindly
    assert posts(fake_slack) == 1
    waiting = row(runtime, "card:1")
    assert waiting.status == "pending" and waiting.last_error is not None
    assert "looking for an earlier attempt" in waiting.last_error
    clock.advance(timedelta(seconds=10))
    assert sender.run_once() == 1

    assert posts(fake_slack) == 1
    assert_one_card_and_edits_reach_it(runtime, fake_slack, "card:1")


def test_a_lookup_slack_refuses_for_good_sends_again_and_says_so(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A bot that may post to a channel but not read it (`chat:write.public`, not a member) cannot
    tell whether a lost post went out. A card seen twice is a lesser harm than a card never seen:
    it is sent again, and the log says why (the README asks for the bot to be invited)."""
    card(runtime, "card:1", "SQ-1 · P2 · New")
    fake_slack.inject("chat.postMessage", "accept_then_timeout", delay=3)
    fake_slack.fail_next("conversations.history", error="not_in_channel")
    sender = worker(runtime, fake_slack)
    assert sender.run_once() == 0
    clock.advance(timedelta(seconds=5))
    with caplog.at_level(logging.WARNING, logger="sqmsbot.outbox.worker"):
        assert sender.run_once() == 1
    assert row(runtime, "card:1").status == "sent"
    assert posts(fake_slack) == 2  # what remains when Slack will not let us look
    assert any(
        "not_in_channel" in r.getMessage() and "sending it again" in r.getMessage() for r in caplog.records
    )


def test_a_thread_reply_and_a_direct_message_are_looked_up_where_they_went(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card(runtime, "card:1", "SQ-1 · P2 · New")
    sender = worker(runtime, fake_slack)
    assert sender.drain() == 1
    card(runtime, "card:1:event:2", "acknowledged by li", thread_of="card:1")
    li = Person(platform="slack", platform_user_id="U0LI", display_name="li", created_at=clock.now())
    with runtime.db.transaction() as session:
        notifier = Notifier(session, platforms=("slack",), now=clock.now())
        notifier.to_person(key="dm:li:1", person=li, message=Message(text="SQ-1 is yours"))
    fake_slack.inject("chat.postMessage", "accept_then_timeout", times=2, delay=3)

    assert sender.run_once() == 0
    clock.advance(timedelta(seconds=5))
    assert sender.run_once() == 2

    assert posts(fake_slack) == 3
    card_ts = fake_slack.messages(OPS)[0]["ts"]
    [_, reply] = fake_slack.thread(OPS, card_ts)
    assert row(runtime, "card:1:event:2").remote_id == f"{OPS}:{reply['ts']}"
    [dm] = fake_slack.messages("U0LI")
    assert row(runtime, "dm:li:1").remote_id == f"{fake_slack.dm_channel('U0LI')}:{dm['ts']}"
    assert [c.params["ts"] for c in fake_slack.calls_to("conversations.replies")] == [card_ts]
    assert [c.params["users"] for c in fake_slack.calls_to("conversations.open")] == ["U0LI"]


def test_a_day_and_more_of_server_errors_still_delivers_it_once(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card(runtime, "card:1", "SQ-1 · P2 · New")
    sender = worker(runtime, fake_slack)
    outage_ends = clock.now() + timedelta(hours=30)
    waits: list[timedelta] = []
    while clock.now() < outage_ends:
        fake_slack.inject("chat.postMessage", "server_error")
        assert sender.run_once() == 0
        failing = row(runtime, "card:1")
        assert failing.status == "pending"
        waits.append(failing.next_attempt_at - clock.now())
        clock.set(failing.next_attempt_at)

    assert sender.run_once() == 1
    assert max(waits) == timedelta(seconds=600)  # capped back-off: tried every ten minutes at worst
    assert len(waits) > 150
    assert len(fake_slack.messages(OPS)) == 1
    assert_one_card_and_edits_reach_it(runtime, fake_slack, "card:1")


def test_a_refusal_is_dead_at_once_listed_and_retried(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    card(runtime, "card:1", "SQ-1 · P2 · New")
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")
    sender = worker(runtime, fake_slack)

    assert sender.run_once() == 0
    dead = row(runtime, "card:1")
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert dead.last_error is not None and "channel_not_found" in dead.last_error
    clock.advance(timedelta(days=7))
    assert sender.drain() == 0 and posts(fake_slack) == 1  # waiting does not heal it: not tried again

    for name in [k for k in os.environ if k.startswith(("SQMS_", "SLACK_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SQMS_DATABASE_URL", runtime.db.url)
    monkeypatch.setenv("SQMS_CONFIG", str(EXAMPLE_ORG_FILE))
    monkeypatch.setenv("LANG", "C.UTF-8")
    cli = CliRunner()
    listed = cli.invoke(app, ["outbox", "list", "--dead"])
    assert listed.exit_code == 0, listed.output
    [heading, line] = listed.stdout.strip().splitlines()
    assert heading.split() == ["ID", "KEY", "TARGET", "STATUS", "ATTEMPTS", "QUEUED", "LAST", "ERROR"]
    assert line.split()[:5] == [str(dead.id), "card:1", OPS, "dead", "1"]
    assert "channel_not_found" in line

    retried = cli.invoke(app, ["outbox", "retry", "--all-dead"])
    assert retried.exit_code == 0, retried.output
    assert f"#{dead.id}" in retried.stdout
    assert cli.invoke(app, ["outbox", "list", "--dead"]).stdout.strip() == "No dead messages."
    back = row(runtime, "card:1")
    assert (back.status, back.attempts, back.last_error) == ("pending", 0, dead.last_error)

    clock.set(datetime.now(UTC) + timedelta(seconds=1))  # the command queued it on the system clock
    assert sender.drain() == 1
    assert len(fake_slack.messages(OPS)) == 1
    assert_one_card_and_edits_reach_it(runtime, fake_slack, "card:1")


def test_a_rate_limited_target_waits_while_other_targets_are_sent(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card(runtime, "ops:1", "first for ops")
    card(runtime, "ops:2", "second for ops")
    card(runtime, "sales:1", "for sales", channel=SALES)
    fake_slack.inject("chat.postMessage", "ratelimit", retry_after=30)
    sender = worker(runtime, fake_slack)

    assert sender.run_once() == 1
    assert [c.params["channel"] for c in fake_slack.calls_to("chat.postMessage")] == [OPS, SALES]
    assert [m["text"] for m in fake_slack.messages(SALES)] == ["for sales"]
    first, second = row(runtime, "ops:1"), row(runtime, "ops:2")
    assert second.next_attempt_at == first.next_attempt_at >= clock.now() + timedelta(seconds=30)
    assert (second.status, second.attempts) == ("pending", 0)  # not tried, so not counted

    clock.advance(timedelta(seconds=30))
    assert sender.run_once() == 2
    assert [m["text"] for m in fake_slack.messages(OPS)] == ["first for ops", "second for ops"]
