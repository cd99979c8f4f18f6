"""Socket Mode: the bot dials out to Slack, so it needs no public URL (`make run`).

Runs the Bolt app over Slack's websocket until interrupted; the inbound and outbox workers run
beside it (in a child process by default, see `workers.py`) and stop with it.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt.adapter.socket_mode import SocketModeHandler

from sqmsbot.platforms.slack.app import SlackParts, build_slack_runtime_parts
from sqmsbot.platforms.slack.workers import WorkerMode, Workers
from sqmsbot.runtime import Runtime
from sqmsbot.supervisor import GaveUp

log = logging.getLogger(__name__)


def socket_mode_handler(parts: SlackParts, app_token: str) -> SocketModeHandler:
    """Bolt's Socket Mode handler for our app (tests drive its `handle` without a websocket)."""
    return SocketModeHandler(parts.app, app_token=app_token, web_client=parts.client)


def run_socket_mode(runtime: Runtime, *, workers: WorkerMode = "process") -> None:
    """Serve Slack over Socket Mode (SLACK_BOT_TOKEN + SLACK_APP_TOKEN) until Ctrl-C, or until the
    worker process kept dying and was given up on: then nothing would work the requests this
    connection goes on acknowledging, so it is closed and `GaveUp` raised (the CLI exits with 1)."""
    app_token = runtime.settings.slack_app_token
    if not app_token:
        raise ValueError("SLACK_APP_TOKEN is not set")
    gave_up = threading.Event()
    runner = Workers(runtime, workers, scheduler=True, on_give_up=gave_up.set)  # the jobs too, as serve
    parts = build_slack_runtime_parts(runtime, wake=runner.wake)
    handler = socket_mode_handler(parts, app_token)
    runner.start()
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        gave_up.wait()
    finally:
        handler.close()  # type: ignore[no-untyped-call]
        runner.stop()
    raise GaveUp("the worker process kept dying")
