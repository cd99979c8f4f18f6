"""The Bolt app: one `register()` that wires every listener, and the parts a running bot needs.

`create_bolt_app` makes the app for either mode (HTTP events or Socket Mode); listeners store the
request in the inbound queue and acknowledge, so Slack's 3-second window is always kept, and the
inbound worker (`sqmsbot.workers`, given our handler by `adapter.SlackAdapter`) does the work after.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

import commands
from sqmsbot.inbound import InboundQueue, Wake
from sqmsbot.platforms.slack.blocks import ACTION_PREFIX
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.directory import SlackDirectory
from sqmsbot.platforms.slack.edge import check_shape
from sqmsbot.platforms.slack.forms import CALLBACK_ID
from sqmsbot.platforms.slack.handlers import Handlers
from sqmsbot.platforms.slack.name import PLATFORM
from sqmsbot.platforms.slack.safe_log import BOLT_LOGGER, safe_logger
from sqmsbot.runtime import Runtime

log = safe_logger(__name__)  # no body, token or response_url in a line or a traceback


def slash_commands() -> list[str]:
    """Every command of `commands/` as a Slack slash command: what the manifest must list."""
    return [f"/{name}" for name in commands.registry()]


def register(app: App, runtime: Runtime, queue: InboundQueue) -> None:
    """Wire every listener onto `app`: slash commands, our buttons, our modals, the Home tab."""
    handlers = Handlers(runtime, queue)
    for command in slash_commands():
        app.command(command)(handlers.slash)
    app.action(re.compile("^" + re.escape(ACTION_PREFIX)))(handlers.action)
    app.view_submission(CALLBACK_ID)(handlers.view_submission)
    app.event("app_home_opened")(handlers.home_opened)

    def failed(error: Exception, body: dict[str, Any]) -> None:
        log.error("slack request failed: %s", type(error).__name__, exc_info=error)

    app.error(failed)


def create_bolt_app(
    runtime: Runtime,
    *,
    client: WebClient | None = None,
    process_before_response: bool = True,
    signing_secret: str | None = None,
    verify_token: bool = False,
    wake: Wake | None = None,
) -> App:
    """A Bolt app for this runtime. HTTP mode verifies signatures (and their 5-minute window).

    `process_before_response` (default True) runs our listeners in the request's own thread: they
    only store the request and acknowledge, so the response is immediate and never waits for a
    free thread in Bolt's pool. `wake` is called after each stored request (see InboundQueue).

    The Slack directory is registered on `runtime` if it has none, so people are resolved by Slack
    user id. `verify_token` calls auth.test now, so a wrong token stops start-up instead of the first
    request.

    Bolt logs through a scrubbing logger (`safe_log`: no body, token or response_url in any line),
    and a global middleware ignores a payload of an odd shape in either mode (`edge.check_shape`).
    """
    settings = runtime.settings
    client = client or make_client(settings.slack_bot_token, settings.slack_api_url)
    if PLATFORM not in runtime.directories:
        runtime.directories[PLATFORM] = SlackDirectory(client)
    app = App(
        client=client,
        signing_secret=signing_secret or settings.slack_signing_secret or "",
        process_before_response=process_before_response,
        token_verification_enabled=verify_token,
        request_verification_enabled=True,  # Bolt skips it for Socket Mode, where Slack is dialled
        logger=safe_logger(BOLT_LOGGER),
    )
    app.use(check_shape)
    queue = InboundQueue(runtime.db, runtime.clock, wake=wake, deadline=settings.ack_deadline)
    register(app, runtime, queue)
    return app
