"""Socket Mode: the bot dials out to Slack, so it needs no public URL (`make run`).

Slack's connection for the adapter (`SlackAdapter.connection`): Bolt's Socket Mode handler on the
same listeners as HTTP mode. The workers and the scheduled jobs run beside it, started by the
serving layer (`sqmsbot.serving`), which also closes it when the worker process is given up on.
"""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient


def socket_mode_handler(app: App, client: WebClient, app_token: str) -> SocketModeHandler:
    """Bolt's Socket Mode handler for our app (tests drive its `handle` without a websocket)."""
    return SocketModeHandler(app, app_token=app_token, web_client=client)


class SocketModeConnection:
    def __init__(self, app: App, client: WebClient, app_token: str) -> None:
        self.handler = socket_mode_handler(app, client, app_token)

    def start(self) -> None:
        self.handler.connect()  # type: ignore[no-untyped-call]

    def close(self) -> None:
        self.handler.close()  # type: ignore[no-untyped-call]
