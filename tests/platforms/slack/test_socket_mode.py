"""The same handlers through Bolt's Socket Mode request path.

A real websocket would need Slack's servers (apps.connections.open hands out a wss:// URL), so the
test drives `SocketModeHandler.handle` — what the websocket client calls for each envelope — with
real SocketModeRequests, and records the envelope acknowledgements instead of sending them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from sqmsbot.platforms.slack import SlackAdapter
from sqmsbot.platforms.slack.app import create_bolt_app
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.socket import socket_mode_handler
from sqmsbot.platforms.slack.workers import outbox_worker
from sqmsbot.runtime import Runtime
from sqmsbot.workers import Workers
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import OPS, TEAM, assert_slack_payloads_valid, wait_for


class Envelopes:
    """Bolt's Socket Mode handler with the inbound worker on a thread; the test delivers the outbox."""

    def __init__(self, runtime: Runtime, slack: FakeSlack) -> None:
        client = make_client(slack.token, slack.api_url)
        adapter = SlackAdapter(runtime.settings, client=client)
        self.workers = Workers(runtime, "thread", adapters=[adapter], outbox=False)
        app = create_bolt_app(runtime, client=client, wake=self.workers.wake)
        self.outbox = outbox_worker(runtime, client)
        self.handler = socket_mode_handler(app, client, "xapp-1-A0SQMS-1-test")
        self.acks: list[SocketModeResponse] = []
        self.handler.client.send_socket_mode_response = self.acks.append  # type: ignore[method-assign, assignment]

    def send(self, kind: str, payload: dict[str, Any], envelope: str, retry: int | None = None) -> None:
        request = SocketModeRequest(type=kind, envelope_id=envelope, payload=payload, retry_attempt=retry)
        self.handler.handle(self.handler.client, request)


@pytest.fixture
def envelopes(runtime: Runtime, fake_slack: FakeSlack) -> Iterator[Envelopes]:
    fake_slack.add_user("U1", name="li", locale="en-US")
    env = Envelopes(runtime, fake_slack)
    env.workers.start()
    yield env
    env.workers.stop()
    env.handler.client.close()
    assert_slack_payloads_valid(fake_slack)


def slash(text: str, trigger: str) -> dict[str, Any]:
    return {
        "team_id": TEAM,
        "channel_id": OPS,
        "user_id": "U1",
        "user_name": "li",
        "command": "/incident",
        "text": text,
        "trigger_id": trigger,
    }


def test_slash_command_over_socket_mode_acks_the_envelope_and_posts_the_card(
    envelopes: Envelopes, fake_slack: FakeSlack
) -> None:
    envelopes.send("slash_commands", slash('report P2 hotline "Card declined"', "t1"), "env-1")
    assert [a.envelope_id for a in envelopes.acks] == ["env-1"]
    # No response_url in this payload: the reply goes as an ephemeral message in the channel.
    ephemeral = wait_for(lambda: fake_slack.ephemerals)[0]
    assert "Reported SQ-1." in ephemeral["text"] and ephemeral["user"] == "U1"
    assert envelopes.outbox.drain() == 1
    [card] = fake_slack.messages(OPS)
    assert "SQ-1" in card["blocks"][0]["text"]["text"]

    envelopes.send("slash_commands", slash('report P2 hotline "Card declined"', "t1"), "env-1", retry=1)
    assert [a.envelope_id for a in envelopes.acks] == ["env-1", "env-1"]  # acknowledged again
    time.sleep(0.2)  # a second reply, had the redelivery been queued, would be here by now
    assert len(fake_slack.ephemerals) == 1
    assert envelopes.outbox.drain() == 0  # the redelivered envelope made no second card


def test_bare_command_over_socket_mode_opens_the_modal(envelopes: Envelopes, fake_slack: FakeSlack) -> None:
    envelopes.send("slash_commands", slash("", "t2"), "env-2")
    [call] = wait_for(lambda: fake_slack.calls_to("views.open"))
    assert call.params["trigger_id"] == "t2"
    assert call.params["view"]["callback_id"] == "sqms:form"


def test_view_submission_errors_come_back_in_the_envelope(
    envelopes: Envelopes, fake_slack: FakeSlack
) -> None:
    envelopes.send("slash_commands", slash("", "t3"), "env-3")
    [call] = wait_for(lambda: fake_slack.calls_to("views.open"))
    view = dict(call.response["view"])
    values = {
        "service": {"value": {"type": "static_select", "selected_option": {"value": "hotline"}}},
        "title": {"value": {"type": "plain_text_input", "value": "x" * 201}},
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": "U1"},
        "trigger_id": "t4",
        "view": dict(view, state={"values": values}),
    }
    envelopes.send("interactive", payload, "env-4")
    ack = envelopes.acks[-1]
    assert ack.envelope_id == "env-4"
    assert ack.payload is not None and ack.payload["response_action"] == "errors"
    assert list(ack.payload["errors"]) == ["title"]
