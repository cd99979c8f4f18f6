"""The Slack adapter: Bolt handlers, Block Kit rendering, outbox delivery and the user directory.

Only this package imports slack_bolt / slack_sdk (DESIGN §2; an import contract holds it). The rest of
the bot sees one object, `SlackAdapter` (`sqmsbot.platforms.adapter`), made by the registry when the
Settings serve Slack.
"""

from sqmsbot.platforms.slack.adapter import SlackAdapter
from sqmsbot.platforms.slack.app import create_bolt_app
from sqmsbot.platforms.slack.name import PLATFORM

__all__ = ["PLATFORM", "SlackAdapter", "create_bolt_app"]
