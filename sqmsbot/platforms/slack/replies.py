"""Getting a reply back to the person who acted, privately, by the best way the request offers.

A slash command or a message button comes with a response_url (works in any channel, even one the
bot is not in); a modal submission does not, so it gets chat.postEphemeral in the channel it was
opened from, and a DM when that fails. Nothing is swallowed: a reply that cannot go out is logged
(never its response_url, which lets whoever holds it post as the bot: see `safe_log`).
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from sqmsbot.i18n import Translator
from sqmsbot.messages import Message
from sqmsbot.platforms.slack.blocks import fallback_text, message_blocks
from sqmsbot.platforms.slack.safe_log import WEBHOOK_LOGGER, safe_logger

log = safe_logger(__name__)  # no body, token or response_url in a line or a traceback


@dataclass
class Replier:
    client: WebClient
    user_id: str
    channel: str
    response_url: str | None = None

    def send(self, messages: list[Message], t: Translator) -> None:
        for message in messages:
            self.send_one(message, t)

    def send_one(self, message: Message, t: Translator) -> None:
        text = fallback_text(message)
        blocks = message_blocks(message, t)
        if self.response_url and self._via_response_url(text, blocks):
            return
        try:
            if self.channel and not self.channel.startswith(("U", "W")):
                try:
                    self.client.chat_postEphemeral(
                        channel=self.channel, user=self.user_id, text=text, blocks=blocks or None
                    )
                    return
                except SlackApiError as exc:  # not in that channel: tell them directly instead
                    log.info(
                        "ephemeral reply in %s failed (%s); sending a DM",
                        self.channel,
                        exc.response.get("error"),
                    )
            self.client.chat_postMessage(channel=self.user_id, text=text, blocks=blocks or None)
        except (SlackClientError, OSError):
            log.exception("could not reply to %s", self.user_id)

    def _via_response_url(self, text: str, blocks: list[dict[str, object]]) -> bool:
        try:
            hook = WebhookClient(self.response_url or "", timeout=10, logger=safe_logger(WEBHOOK_LOGGER))
            response = hook.send(
                text=text, blocks=blocks or None, response_type="ephemeral", replace_original=False
            )
        except (SlackClientError, OSError):
            log.warning("response_url unreachable; replying through the Web API", exc_info=True)
            return False
        if response.status_code != 200:
            log.warning("response_url answered %s; replying through the Web API", response.status_code)
            return False
        return True


def tell_unexpected(replier: Replier, locale: str, context: str) -> str:
    """Work failed outside the dispatcher: the person hears "something went wrong (ref E-…)" and the
    log has what failed (with the trace, when called while handling it) under the same ref (DESIGN §3)."""
    ref = "E-" + secrets.token_hex(4).upper()
    log.error("%s failed, ref %s", context, ref, exc_info=sys.exc_info()[1])
    t = Translator(locale)
    replier.send_one(Message(text=t("errors.unexpected", ref=ref), ephemeral=True, ok=False), t)
    return ref
