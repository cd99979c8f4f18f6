"""App Home: the person's open incidents and their department's, published on app_home_opened.

Both lists come from the same commands people type (`incident list mine|dept status=open`), so the
Home tab shows exactly what the commands would, with the same visibility rules.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

import commands
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.i18n import Translator
from sqmsbot.messages import Message
from sqmsbot.platforms.slack.blocks import message_blocks, mrkdwn, plain
from sqmsbot.platforms.slack.name import PLATFORM
from sqmsbot.platforms.slack.request_keys import event_key
from sqmsbot.runtime import Runtime
from sqmsbot.timefmt import local

HOME_BLOCKS = 100
log = logging.getLogger(__name__)
LISTS = (("mine", "incident list mine status=open"), ("dept", "incident list dept status=open"))


def publish_home(runtime: Runtime, client: WebClient, body: dict[str, Any], locale: str, tz: str) -> None:
    """Build and publish one person's Home tab."""
    event = body.get("event") or {}
    user = str(event.get("user", ""))
    t = Translator(locale)
    sections: list[list[dict[str, Any]]] = []
    for name, line in LISTS:
        request = CommandRequest(
            platform=PLATFORM,
            channel=str(event.get("channel") or user),
            user_id=user,
            text=line,
            workspace=str(body.get("team_id") or ""),
            request_key=event_key(body, name),
        )
        reply = commands.dispatch(request, runtime=runtime)
        if not all(m.ok for m in reply.messages):  # no department yet: say how to get one
            reply_blocks = [{"type": "context", "elements": [mrkdwn(t("slack.home_no_department"))]}]
        else:
            reply_blocks = [b for m in reply.messages for b in _blocks(m, t)]
        sections.append(reply_blocks)
    intro = t("slack.home_intro", time=local(runtime.clock.now(), tz))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(t("slack.home_title"), 150)},
        {"type": "context", "elements": [mrkdwn(intro)]},
    ]
    for part in sections:
        blocks += [{"type": "divider"}, *part]
    view = {"type": "home", "blocks": blocks[:HOME_BLOCKS]}
    client.views_publish(user_id=user, view=view)


def _blocks(message: Message, t: Translator) -> list[dict[str, Any]]:
    return message_blocks(message, t, block_limit=45)
