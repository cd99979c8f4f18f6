"""How a message names a person, whatever platform it is read on (a leaf: the standard library only).

A message is written once and may be read on another platform than its people's: a card for a
department on Lark names a reporter who typed on Slack. So a mention says whose platform it is —
`<@slack:U123|Li Lei>` — and each adapter renders it as it reads it: a native mention for its own
people, the person's name in plain text for anyone else's (`render`). Free text people type never
carries a mention (`sqmsbot.cmd.markup`), so every mention in a message is one of these.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MENTION = re.compile(r"<@(?:([a-z][a-z0-9_-]{0,31}):)?([^<>|\s:]{1,80})(?:\|([^<>]{0,80}))?>")
LABEL_LIMIT = 80


def mention(*, platform: str, user_id: str, name: str | None) -> str:
    """The mention of one person; the name is what readers on other platforms see."""
    label = " ".join((name or user_id).replace("<", "").replace(">", "").replace("|", "").split())
    return f"<@{platform}:{user_id}|{label[:LABEL_LIMIT] or user_id}>"


def render(text: str, *, platform: str, native: Callable[[str], str], foreign: Callable[[str], str]) -> str:
    """Each mention as `native(user_id)` when the person is on `platform` (or the mention names no
    platform: an adapter's own, as a Slack user picker hands it over), else as `foreign(name)`."""

    def one(match: re.Match[str]) -> str:
        owner, user_id, label = match.groups()
        if owner is None or owner == platform:
            return native(user_id)
        return foreign(label or user_id)

    return MENTION.sub(one, text)
