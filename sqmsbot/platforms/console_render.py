"""Messages as terminal text: the fallback text, mentions shown as @name, continuation lines indented."""

from __future__ import annotations

import re

from sqmsbot.i18n import Translator
from sqmsbot.outbox import Delivery

MENTION = re.compile(r"<@([^<>|\s]+)(?:\|[^<>]*)?>")


def plain(text: str) -> str:
    return MENTION.sub(lambda m: "@" + m.group(1), text)


def indent(text: str, prefix: str) -> str:
    lines = plain(text).splitlines() or [""]
    pad = " " * len(prefix)
    return "\n".join([prefix + lines[0], *(pad + line for line in lines[1:])])


def delivery_text(delivery: Delivery, t: Translator) -> str:
    """`[#ops] …` for a channel, `[@li] …` for a person; card edits are one line, not the whole card."""
    target = delivery.target if delivery.target_kind == "channel" else "@" + delivery.target
    message = delivery.message
    if message.update_of:
        first = plain(message.text).splitlines()[0]
        return f"[{target}] ✎ {first} {t('console.updated')}"
    if message.thread_of:
        return indent(message.text, f"[{target} ↳] ")
    return indent(message.text, f"[{target}] ")
