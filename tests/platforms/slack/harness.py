"""A running bot on Slack for scenario tests: real Bolt behind uvicorn on 127.0.0.1, the real
WebClient talking to the fake Slack, signed requests sent over real HTTP, and a response_url sink.

Requests are signed exactly as Slack signs them (v0 HMAC-SHA256 of `v0:timestamp:body` with the
signing secret), using slack_sdk's SignatureVerifier so the scheme is the SDK's, not ours.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import uvicorn
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette

from sqmsbot.domain.people import sandbox_person
from sqmsbot.inbound import InboundWorker
from sqmsbot.outbox import OutboxWorker
from sqmsbot.platforms.slack import SlackAdapter
from sqmsbot.platforms.slack.app import create_bolt_app
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.workers import inbound_worker, outbox_worker
from sqmsbot.runtime import Runtime
from sqmsbot.web import create_web_app
from sqmsbot.workers import Workers
from tests.conftest import served_on
from tests.fakes.slack_api import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
OPS = "C0000000OPS"
TEAM = "T0FAKE"


class _Sink(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.received: list[dict[str, Any]] = []


class _SinkHandler(BaseHTTPRequestHandler):
    """Slack's response_url: records what the bot posts there."""

    server: _Sink

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@dataclass
class Answer:
    status: int
    body: str

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body)) if self.body else {}


def signed_post(
    url: str,
    body: str,
    content_type: str,
    *,
    retry_num: int | None = None,
    timestamp: int | None = None,
    secret: str = SECRET,
) -> Answer:
    """POST to /slack/events signed as Slack signs (v0, HMAC-SHA256 of `v0:timestamp:body`)."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = str(SignatureVerifier(secret).generate_signature(timestamp=ts, body=body))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    request = urllib.request.Request(url + "/slack/events", body.encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode())


@dataclass
class SlackBot:
    runtime: Runtime
    slack: FakeSlack
    url: str
    sink: _Sink
    worker: OutboxWorker
    inbound: InboundWorker  # for tests without the background inbound worker: `process()` steps it
    triggers: list[str] = field(default_factory=list)

    @property
    def response_url(self) -> str:
        host, port = self.sink.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    # ----- inbound, signed like Slack -------------------------------------------------------------

    def post(self, body: str, content_type: str, **kw: Any) -> Answer:
        return signed_post(self.url, body, content_type, **kw)

    def slash(self, text: str, *, user: str = "U1", command: str = "/incident", **kw: Any) -> Answer:
        trigger = kw.pop("trigger_id", f"trig-{len(self.triggers) + 1}")
        self.triggers.append(trigger)
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "fake",
            "channel_id": kw.pop("channel", OPS),
            "channel_name": "ops",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0SQMS",
            "response_url": self.response_url,
            "trigger_id": trigger,
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **kw)

    def interact(self, payload: dict[str, Any], **kw: Any) -> Answer:
        return self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded", **kw
        )

    def press(
        self,
        command: str,
        *,
        user: str = "U1",
        channel: str = OPS,
        message_ts: str = "",
        trigger_id: str = "",
    ) -> Answer:
        """A block_actions payload for the button that carries `command`."""
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0SQMS",
            "trigger_id": trigger_id or f"trig-btn-{time.monotonic_ns()}",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "channel": {"id": channel, "name": "ops"},
            "response_url": self.response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": "sqms:cmd:0",
                    "block_id": "b1",
                    "value": command,
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.interact(payload)

    def submit(self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str = "U1") -> Answer:
        """A view_submission of `view` (as the bot opened it) with the given input states."""
        submitted = dict(view, state={"values": values}, hash=f"h{time.monotonic_ns()}")
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0SQMS",
            "trigger_id": f"trig-view-{time.monotonic_ns()}",
            "view": submitted,
        }
        return self.interact(payload)

    def event(self, event: dict[str, Any], *, event_id: str, **kw: Any) -> Answer:
        body = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0SQMS",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        }
        return self.post(json.dumps(body), "application/json", **kw)

    # ----- arranging and waiting ------------------------------------------------------------------

    def person(self, user: str, *, role: str = "member", department: str | None = "ops") -> None:
        with self.runtime.db.transaction() as session:
            sandbox_person(
                session,
                org=self.runtime.org,
                platform="slack",
                name=user,
                now=self.runtime.clock.now(),
                role=role,
                department=department,
            )

    def opened_views(self) -> list[dict[str, Any]]:
        return [dict(c.params["view"]) for c in self.slack.calls_to("views.open") if c.response.get("ok")]

    def deliver(self) -> int:
        return self.worker.drain()

    def process(self) -> int:
        """Work the acknowledged requests waiting in the inbound queue (when no worker runs)."""
        return self.inbound.drain()


def wait_for(condition: Callable[[], Any], *, timeout: float = 10.0) -> Any:
    """Listeners run after the ack, so tests wait for what they do (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def assert_all_payloads_valid(bot: SlackBot) -> None:
    """The production code sends plain dicts (no model parse on the hot path); this is where every
    block and view it sent is checked with slack_sdk's models."""
    assert_slack_payloads_valid(bot.slack, bot.sink.received)


def assert_slack_payloads_valid(slack: FakeSlack, hook_bodies: Sequence[dict[str, Any]] = ()) -> None:
    """Every block sent through the Web API or a response_url, and every view, parses and validates."""
    blocks: list[dict[str, Any]] = []
    for method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
        for call in slack.calls_to(method):
            blocks += call.params.get("blocks") or []
    for body in hook_bodies:
        blocks += body.get("blocks") or []
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
    for method in ("views.open", "views.publish"):
        for call in slack.calls_to(method):
            view = dict(call.params["view"])
            View(**{k: v for k, v in view.items() if k not in ("id", "hash", "team_id")}).validate_json()


@contextmanager
def serving(web: Starlette) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on an ephemeral loopback port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def running_bot(
    runtime: Runtime, slack: FakeSlack, *, inbound_worker_running: bool = True
) -> Iterator[SlackBot]:
    """The bot in HTTP mode for one test: the inbound worker on a thread (as in production, but in
    this process, with the test's manual clock) unless `inbound_worker_running` is False (then the
    test steps it with `bot.process()`), and the outbox worker driven by the test."""
    runtime = served_on(runtime, "slack")  # the cards go to the departments' Slack channels
    client = make_client(slack.token, slack.api_url)
    adapter = SlackAdapter(runtime.settings, client=client)
    workers = Workers(runtime, "thread", adapters=[adapter], outbox=False) if inbound_worker_running else None
    adapter = SlackAdapter(
        runtime.settings,
        client=client,
        bolt=create_bolt_app(
            runtime, client=client, signing_secret=SECRET, wake=workers.wake if workers else None
        ),
    )
    web = create_web_app(runtime, adapters=[adapter], workers=workers)
    sink = _Sink()
    sink_thread = threading.Thread(target=sink.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    sink_thread.start()
    outbox = outbox_worker(runtime, client)
    try:
        with serving(web) as url:
            yield SlackBot(runtime, slack, url, sink, outbox, inbound_worker(runtime, client))
    finally:
        sink.shutdown()
        sink.server_close()
