"""`testchat`: a platform that exists only in the tests, enabled beside Slack by the Settings alone.

It is what a new platform package is (`sqmsbot.platforms.adapter`), at its smallest: one HTTP route
that stores a typed command through the shared gate and acknowledges, an inbound handler that runs
it through `commands.dispatch`, and a deliverer. Its "platform" is a JSON-lines file (`TESTCHAT_SINK`):
every reply and every delivered message is appended there, so a test — in this process or reading
after the worker process — sees what a person on testchat would. Nothing in `sqmsbot/` knows it: it
is named in SQMS_PLATFORMS as `testchat=tests.platforms.testchat.adapter:TestChatAdapter`.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

import commands
from sqmsbot import mentions
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.config import Settings
from sqmsbot.inbound import InboundItem, InboundQueue, Wake
from sqmsbot.outbox import Delivery
from sqmsbot.platforms.http_gate import StoreGate
from sqmsbot.runtime import Runtime

PLATFORM = "testchat"
SINK_ENV = "TESTCHAT_SINK"
FACTORY = "tests.platforms.testchat.adapter:TestChatAdapter"
_lock = threading.Lock()


def sink_path() -> Path:
    return Path(os.environ[SINK_ENV])


def append(record: dict[str, Any]) -> None:
    with _lock, sink_path().open("a", encoding="utf-8") as sink:
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_sink(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def shown(text: str) -> str:
    """Mentions as testchat shows them: `@ann` for its own people, the name of anyone else's."""
    return mentions.render(
        text, platform=PLATFORM, native=lambda user: "@" + user, foreign=lambda name: "@" + name
    )


class TestChatHandler:
    platform = PLATFORM

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def handle(self, item: InboundItem) -> None:
        request = CommandRequest(**item.payload)
        reply = commands.dispatch(request, runtime=self.runtime)
        record = {
            "kind": "reply",
            "user": request.user_id,
            "channel": request.channel,
            "text": shown(reply.text),
        }
        append(record)

    def gave_up(self, item: InboundItem, error: str) -> None:
        append({"kind": "failed", "user": item.payload.get("user_id"), "text": error})


class TestChatDeliverer:
    platform = PLATFORM

    def deliver(self, delivery: Delivery) -> str:
        append(
            {
                "kind": delivery.target_kind,
                "target": delivery.target,
                "text": shown(delivery.message.text),
                "thread": delivery.thread_remote_id,
                "update": delivery.update_remote_id,
            }
        )
        return f"tc-{delivery.id}"


class TestChatAdapter:
    __test__ = False  # not a test class, whatever its name says
    name = PLATFORM
    transport = "http"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def attach(self, runtime: Runtime) -> None:
        """No directory: people exist once they have spoken, as on the console."""

    def inbound_handler(self, runtime: Runtime) -> TestChatHandler:
        return TestChatHandler(runtime)

    def deliverer(self, runtime: Runtime) -> TestChatDeliverer:
        return TestChatDeliverer()

    def routes(self, runtime: Runtime, *, wake: Wake | None, gate: StoreGate) -> Sequence[BaseRoute]:
        queue = InboundQueue(runtime.db, runtime.clock, wake=wake, deadline=self.settings.ack_deadline)

        async def typed(request: Request) -> Response:
            body = await request.json()
            command = CommandRequest(
                platform=PLATFORM,
                channel=str(body["channel"]),
                user_id=str(body["user"]),
                text=str(body["text"]),
                display_name=str(body["user"]),
                request_key=f"testchat:{body['key']}",
            )

            def store() -> Response:
                queue.put(
                    platform=PLATFORM, key=str(command.request_key), kind="command", payload=vars(command)
                )
                return JSONResponse({"ok": True})

            return await gate.answer(store)

        return [Route("/testchat/commands", typed, methods=["POST"])]

    def connection(self, runtime: Runtime, *, wake: Wake | None) -> None:
        return None
