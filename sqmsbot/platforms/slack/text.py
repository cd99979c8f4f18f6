"""Text as Slack reads it: escaping, mentions, length limits, and the adapter's own catalog keys.

Our messages name people as `<@slack:U…|name>` (`sqmsbot.mentions`): a Slack person becomes a real
mention, anyone else (a person on another platform) their name in plain text. A picked user (`<@U…>`,
no platform) is Slack's own. Everything else is data and has its `&`, `<` and `>` escaped so a title
like "<!channel>" cannot ping a channel.
"""

from __future__ import annotations

import re

from sqmsbot import mentions
from sqmsbot.platforms.slack.name import PLATFORM

SLACK_USER = re.compile(r"[UW][A-Z0-9]{1,20}")
_INBOUND_MENTION = re.compile(r"<@([A-Z0-9]{1,64})(?:\|([^<>]*))?>")
ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape Slack's control characters, keeping Slack people's mentions as real mentions."""
    out: list[str] = []
    last = 0
    for match in mentions.MENTION.finditer(text):
        out.append(_escape_plain(text[last : match.start()]))
        owner, user_id, label = match.groups()
        if owner in (None, PLATFORM) and SLACK_USER.fullmatch(user_id):
            out.append(f"<@{user_id}>")
        else:  # someone on another platform: their name, which nothing on Slack can ping
            out.append(_escape_plain("@" + (label or user_id)))
        last = match.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending in "…" when cut (Slack refuses longer, it does not cut)."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def inbound(text: str) -> str:
    """A slash command's text (sent with should_escape) as the dispatcher expects it.

    `<@U1|li>` keeps its label while it is one word, so that a mention in free text can be shown as
    the `@li` the person saw (sqmsbot.cmd.markup); Slack's `&amp;`, `&lt;`, `&gt;` become the
    characters that were typed.
    """
    text = _INBOUND_MENTION.sub(_mention, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _mention(match: re.Match[str]) -> str:
    user, label = match.group(1), match.group(2) or ""
    one_word = label and not any(ch.isspace() or ch in "<>|" for ch in label)
    return f"<@{user}|{label}>" if one_word else f"<@{user}>"
