"""The durable inbound queue behind the acknowledgements: nothing acknowledged is lost or done twice.

The bot here runs without its background inbound worker, so each test decides when the work after
the ack happens (`bot.process()`), or has a worker die half-way through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

import commands
from sqmsbot.clock import ManualClock
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.inbound import InboundItem, InboundWorker, queue_store
from sqmsbot.inbound.wake import WakeReceiver, wake_pipe
from sqmsbot.models import InboundRequest, Incident
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.inbound import SlackInboundHandler
from sqmsbot.runtime import Runtime
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import OPS, SlackBot, assert_all_payloads_valid, running_bot, wait_for

REPORT = 'report P2 hotline "Customer charged twice"'


class Crash(BaseException):
    """The worker process dying mid-request: not an error it could catch and settle."""


@pytest.fixture
def held(runtime: Runtime, fake_slack: FakeSlack) -> Iterator[SlackBot]:
    fake_slack.add_user("U1", name="li", locale="en-US")
    fake_slack.add_user("U2", name="wang", locale="en-US")
    with running_bot(runtime, fake_slack, inbound_worker_running=False) as running:
        yield running
        assert_all_payloads_valid(running)


def rows(bot: SlackBot) -> list[InboundRequest]:
    with queue_store(bot.runtime.db).transaction() as session:
        found = list(session.scalars(select(InboundRequest).order_by(InboundRequest.id)))
        session.expunge_all()
        return found


def incident_count(bot: SlackBot) -> int:
    with bot.runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def clock(bot: SlackBot) -> ManualClock:
    assert isinstance(bot.runtime.clock, ManualClock)
    return bot.runtime.clock


def worker(bot: SlackBot, handler: Any, **kw: Any) -> InboundWorker:
    return InboundWorker(bot.runtime.db, handler, bot.runtime.clock, **kw)


def slack_handler(bot: SlackBot) -> SlackInboundHandler:
    return SlackInboundHandler(bot.runtime, make_client(bot.slack.token, bot.slack.api_url))


class DiesBeforeWork(SlackInboundHandler):
    def handle(self, item: InboundItem) -> None:
        raise Crash


class DiesAfterDispatch(SlackInboundHandler):
    """Commits the command, then dies before the reply and before marking the row done."""

    def handle(self, item: InboundItem) -> None:
        commands.dispatch(CommandRequest(**item.payload["request"]), runtime=self.runtime)
        raise Crash


class AlwaysFails(SlackInboundHandler):
    def handle(self, item: InboundItem) -> None:
        raise RuntimeError("the store is down")


def test_an_acknowledged_command_waits_in_the_store_and_a_new_worker_runs_it_once(held: SlackBot) -> None:
    assert held.slash(REPORT).status == 200
    [row] = rows(held)
    assert (row.kind, row.status, row.attempts) == ("slash", "pending", 0)
    assert row.payload["request"]["text"] == f"incident {REPORT}"
    assert row.payload["reply"]["response_url"] == held.response_url
    assert incident_count(held) == 0 and held.sink.received == []  # acknowledged, not yet worked

    dying = worker(held, DiesBeforeWork(held.runtime, make_client(held.slack.token, held.slack.api_url)))
    with pytest.raises(Crash):
        dying.run_once()
    assert rows(held)[0].status == "working"
    assert held.process() == 0  # its lease still holds: nobody takes it over yet

    clock(held).advance(timedelta(minutes=3))  # the lease runs out: the restarted worker takes it
    assert held.process() == 1
    [reply] = held.sink.received
    assert "Reported SQ-1." in reply["text"]
    assert incident_count(held) == 1
    [row] = rows(held)
    assert (row.status, row.attempts) == ("done", 1) and row.finished_at is not None
    assert held.process() == 0
    assert held.deliver() == 1 and len(held.slack.messages(OPS)) == 1


def test_a_worker_that_dies_after_the_change_does_not_make_it_twice(held: SlackBot) -> None:
    held.slash(REPORT)
    dying = DiesAfterDispatch(held.runtime, make_client(held.slack.token, held.slack.api_url))
    with pytest.raises(Crash):
        worker(held, dying).run_once()
    assert incident_count(held) == 1 and held.sink.received == []

    clock(held).advance(timedelta(minutes=3))
    assert held.process() == 1
    assert incident_count(held) == 1  # answered from processed_requests: no second incident
    [reply] = held.sink.received  # the reply the crash swallowed
    assert "Reported SQ-1." in reply["text"]
    assert held.deliver() == 1 and len(held.slack.messages(OPS)) == 1


def test_the_same_request_delivered_twice_is_one_row(held: SlackBot) -> None:
    for retry in (None, 1):
        assert held.slash(REPORT, trigger_id="trig-same", retry_num=retry).status == 200
    assert len(rows(held)) == 1
    assert held.process() == 1
    assert incident_count(held) == 1 and len(held.sink.received) == 1


def test_buttons_and_modal_submissions_go_through_the_queue(held: SlackBot) -> None:
    held.person("U2", role="lead")
    held.slash(REPORT)
    held.process()
    held.deliver()
    [card] = held.slack.messages(OPS)
    values = {
        e["value"].split()[1]: e["value"]
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }

    assert held.press(values["ack"], user="U2", message_ts=card["ts"]).status == 200
    assert [r.kind for r in rows(held)] == ["slash", "action"]
    assert rows(held)[1].status == "pending" and len(held.sink.received) == 1
    assert held.process() == 1
    assert "SQ-1 acknowledged." in held.sink.received[-1]["text"]

    held.press(values["resolve"], user="U2", message_ts=card["ts"])  # opens its modal at once
    [view] = wait_for(held.opened_views)
    assert len(rows(held)) == 2  # a form opening is not queued work
    note = {"note": {"value": {"type": "plain_text_input", "value": "Refunded"}}}
    assert held.submit(view, note, user="U2").body == ""
    assert [r.kind for r in rows(held)][-1] == "view_submission"
    assert held.slack.ephemerals == []
    assert held.process() == 1
    assert "SQ-1" in held.slack.ephemerals[0]["text"]
    with held.runtime.db.transaction() as session:
        assert session.scalars(select(Incident.status)).one() == "resolved"


def test_failing_work_is_retried_with_back_off_then_the_person_is_told(held: SlackBot) -> None:
    held.slash(REPORT)
    failing = worker(
        held,
        AlwaysFails(held.runtime, make_client(held.slack.token, held.slack.api_url)),
        max_attempts=3,
        base_backoff=timedelta(seconds=2),
    )
    assert failing.run_once() == 1
    row = rows(held)[0]
    assert (row.status, row.attempts) == ("pending", 1) and "store is down" in str(row.last_error)
    assert failing.run_once() == 0  # not due until the back-off has passed
    clock(held).advance(timedelta(seconds=2))
    assert failing.run_once() == 1
    assert failing.run_once() == 0
    clock(held).advance(timedelta(seconds=4))  # doubled
    assert failing.run_once() == 1
    assert rows(held)[0].status == "dead"
    [told] = held.sink.received
    assert "E-" in told["text"] and told["response_type"] == "ephemeral"
    clock(held).advance(timedelta(hours=1))
    assert failing.run_once() == 0 and held.process() == 0  # dead stays dead


def test_the_wake_pipe_wakes_without_blocking_and_its_closing_means_stop() -> None:
    receiving, sender = wake_pipe()
    receiver = WakeReceiver(receiving)
    assert receiver.wait(0) is False
    for _ in range(100_000):  # far more than a pipe holds: the sender never blocks
        sender.set()
    assert receiver.wait(0) is True
    receiver.clear()
    assert receiver.wait(0) is False and not receiver.closed.is_set()
    sender.close()  # the server stopped (or died)
    assert receiver.wait(1) is True and receiver.closed.is_set()
