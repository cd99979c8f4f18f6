"""Slack's side of the inbound queue: what a listener stores, and what the worker does with it.

A stored command is the normalised `CommandRequest` plus where the answer goes (`ReplyTo`): the
response_url of a slash command or a button, else an ephemeral in the channel (a modal submission
has no response_url), the trigger for a form the command may answer with, and the language when
the listener already knew it (for the one answer given without the dispatcher: "it failed"). The
worker runs it through `commands.dispatch` — the one path — and replies in the language the
dispatcher decided (`Reply.locale`); an App Home event rebuilds the person's Home tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

import commands
from sqmsbot.cmd.locale import reader_locale
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.i18n import Translator
from sqmsbot.inbound import InboundItem
from sqmsbot.platforms.slack.home import publish_home
from sqmsbot.platforms.slack.modals import open_form
from sqmsbot.platforms.slack.name import PLATFORM
from sqmsbot.platforms.slack.replies import Replier, tell_unexpected
from sqmsbot.runtime import Runtime

EVENT = "event"


@dataclass(frozen=True)
class ReplyTo:
    """Where and how the person who acted hears back."""

    user: str
    channel: str
    response_url: str | None = None
    trigger_id: str | None = None  # set when a form in the reply may be opened as a modal
    locale: str | None = None  # the form's language for a modal submission (for `gave_up`)


def command_payload(request: CommandRequest, reply_to: ReplyTo) -> dict[str, Any]:
    """The JSON a listener stores for one command (flat dataclasses: `vars` is their fields, and a
    fraction of the cost of `dataclasses.asdict` on the acknowledgement's path)."""
    return {"request": dict(vars(request)), "reply": dict(vars(reply_to))}


def home_payload(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON a listener stores for app_home_opened: just what `publish_home` reads."""
    event = body.get("event") or {}
    return {
        "team_id": body.get("team_id"),
        "event_id": body.get("event_id"),
        "event": {"user": event.get("user"), "channel": event.get("channel")},
    }


class SlackInboundHandler:
    """The inbound worker's handler for Slack rows."""

    platform = PLATFORM

    def __init__(self, runtime: Runtime, client: WebClient) -> None:
        self.runtime = runtime
        self.client = client

    def handle(self, item: InboundItem) -> None:
        if item.kind == EVENT:
            self._home(item.payload)
            return
        request = CommandRequest(**item.payload["request"])
        to = ReplyTo(**item.payload["reply"])
        reply = commands.dispatch(request, runtime=self.runtime)
        t = Translator(reply.locale or self.runtime.org.default_locale)  # decided once, by the dispatcher
        replier = Replier(self.client, to.user, to.channel, to.response_url)
        form, trigger = reply.form, to.trigger_id
        if form is not None and trigger and open_form(self.client, trigger, form, to.channel, replier, t):
            return
        replier.send(reply.messages, t)

    def gave_up(self, item: InboundItem, error: str) -> None:
        if item.kind == EVENT:  # nobody is waiting for an answer; the log has it
            return
        to = ReplyTo(**item.payload["reply"])
        replier = Replier(self.client, to.user, to.channel, to.response_url)
        locale = to.locale or self.runtime.org.default_locale
        tell_unexpected(replier, locale, f"slack {item.kind} {item.request_key} ({error})")

    def _home(self, body: dict[str, Any]) -> None:
        user = str((body.get("event") or {}).get("user", ""))
        profile = self.runtime.directory(PLATFORM).profile(user)
        locale = reader_locale(org=self.runtime.org, profile=profile.locale if profile else None)
        tz = (profile.timezone if profile else None) or self.runtime.org.timezone
        publish_home(self.runtime, self.client, body, locale, tz)
