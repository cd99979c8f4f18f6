"""The Slack adapter: Bolt handlers, Block Kit rendering, outbox delivery and the user directory.

Only this package (and `sqmsbot.web`) imports slack_bolt / slack_sdk (DESIGN §2). The CLI wires it
with `run_socket_mode(runtime)` (Socket Mode) or `sqmsbot.web.create_web_app(runtime)` (HTTP mode).
"""

from sqmsbot.platforms.slack.app import SlackParts, build_slack_runtime_parts, create_bolt_app
from sqmsbot.platforms.slack.socket import run_socket_mode

PLATFORM = "slack"

__all__ = ["PLATFORM", "SlackParts", "build_slack_runtime_parts", "create_bolt_app", "run_socket_mode"]
