"""Socket Mode: the bot dials out to Slack, so it needs no public URL (`make run`).

Runs the Bolt app over Slack's websocket and the outbox worker beside it until interrupted.
"""

from __future__ import annotations

import logging
import threading

from slack_bolt.adapter.socket_mode import SocketModeHandler

from sqmsbot.platforms.slack.app import SlackParts, build_slack_runtime_parts
from sqmsbot.runtime import Runtime

log = logging.getLogger(__name__)


def socket_mode_handler(parts: SlackParts, app_token: str) -> SocketModeHandler:
    """Bolt's Socket Mode handler for our app (tests drive its `handle` without a websocket)."""
    return SocketModeHandler(parts.app, app_token=app_token, web_client=parts.client)


def run_socket_mode(runtime: Runtime) -> None:
    """Serve Slack over Socket Mode (SLACK_BOT_TOKEN + SLACK_APP_TOKEN) until Ctrl-C."""
    app_token = runtime.settings.slack_app_token
    if not app_token:
        raise ValueError("SLACK_APP_TOKEN is not set")
    parts = build_slack_runtime_parts(runtime)
    stop = threading.Event()
    worker = threading.Thread(target=parts.worker.run_forever, args=(stop,), name="slack-outbox", daemon=True)
    worker.start()
    handler = socket_mode_handler(parts, app_token)
    try:
        handler.start()  # type: ignore[no-untyped-call]
    finally:
        stop.set()
        worker.join(timeout=10)
        handler.close()  # type: ignore[no-untyped-call]
