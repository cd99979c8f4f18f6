"""Message → Block Kit, kept within Slack's limits.

Slack refuses a payload over its limits instead of cutting it, so everything is clipped here with
"…": header 150, section text 3000, a field 2000, ten fields per section, 50 blocks per message.
A button's `value` is the command line it stands for; pressing it dispatches exactly that.

The output is plain dicts, not parsed through slack_sdk's block models at run time: that parse cost
about a fifth of a command's CPU to re-check what these few builders always produce. The tests
check every payload the bot sends with those models instead (tests/platforms/slack/harness.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqmsbot.i18n import Translator
from sqmsbot.messages import Actions, Context, Divider, File, Header, Image, Message, Section
from sqmsbot.platforms.slack.text import clip, escape

MAX_BLOCKS = 50
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
BUTTONS_PER_ACTIONS = 25
BUTTON_TEXT_LIMIT = 75
VALUE_LIMIT = 2000
FALLBACK_LIMIT = 3000
ACTION_PREFIX = "sqms:cmd:"
ALT_TEXT_LIMIT = 2000
IMAGE_TITLE_LIMIT = 2000
INLINE_IMAGES = (".png", ".jpg", ".jpeg", ".gif")
"""What an image block can show from a Slack file (Slack's Block Kit reference); other files are
offered as a link instead."""

Json = dict[str, Any]


@dataclass(frozen=True)
class SlackFile:
    """A message's file as Slack holds it (the deliverer uploaded it): its id, and its permalink."""

    id: str
    permalink: str | None = None


def mrkdwn(text: str, limit: int = SECTION_LIMIT) -> Json:
    return {"type": "mrkdwn", "text": clip(escape(text), limit)}


def plain(text: str, limit: int) -> Json:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def fallback_text(message: Message) -> str:
    """The notification / screen-reader text Slack shows beside the blocks."""
    return clip(escape(message.text), FALLBACK_LIMIT) or " "


def message_blocks(
    message: Message,
    t: Translator,
    *,
    block_limit: int = MAX_BLOCKS,
    files: Mapping[str, SlackFile] | None = None,
) -> list[Json]:
    """Every block of a Message in Block Kit; at most `block_limit` blocks. `files`: the message's
    stored files as uploaded to Slack, by hash; a file not among them is named, not shown (a reply
    made without the outbox cannot upload)."""
    blocks: list[Json] = []
    for block in message.blocks:
        if isinstance(block, Image | File):
            blocks.append(_attached(block, (files or {}).get(block.blob), t))
        else:
            blocks.extend(_render(block, t))
    if len(blocks) > block_limit:
        blocks = [*blocks[: block_limit - 1], _context(t("slack.truncated"))]
    return blocks


def _render(block: object, t: Translator) -> list[Json]:
    if isinstance(block, Header):
        return [{"type": "header", "text": plain(block.text, HEADER_LIMIT)}]
    if isinstance(block, Section):
        return _sections(block)
    if isinstance(block, Context):
        return [_context(block.text)]
    if isinstance(block, Divider):
        return [{"type": "divider"}]
    if isinstance(block, Actions):
        return _actions(block)
    return []


def _attached(block: Image | File, file: SlackFile | None, t: Translator) -> Json:
    """An uploaded image in the card itself (`slack_file`: Block Kit's way to show a file the bot
    holds, no public URL needed); any other file as a link to it (a file the bot uploaded becomes
    visible to the readers of the message that links it)."""
    if isinstance(block, Image) and file is not None and block.name.lower().endswith(INLINE_IMAGES):
        return {
            "type": "image",
            "slack_file": {"id": file.id},
            "alt_text": clip(block.alt or block.name, ALT_TEXT_LIMIT),
            "title": plain(block.name, IMAGE_TITLE_LIMIT),
        }
    if file is None or not file.permalink:
        if isinstance(block, Image):
            return _context(t("slack.image_placeholder", alt=block.alt))
        return _context(t("slack.file_link", link=block.title or block.name))
    label = escape(clip((block.title if isinstance(block, File) else block.alt) or block.name, 200))
    link = f"<{file.permalink}|{label}>"
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t("slack.file_link", link=link)}]}


def _context(text: str) -> Json:
    return {"type": "context", "elements": [mrkdwn(text or " ")]}


def _sections(block: Section) -> list[Json]:
    out: list[Json] = []
    if block.text.strip():
        out.append({"type": "section", "text": mrkdwn(block.text)})
    fields = [mrkdwn(f"*{f.label}*\n{f.value}", FIELD_LIMIT) for f in block.fields]
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        out.append({"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]})
    return out


def _actions(block: Actions) -> list[Json]:
    out: list[Json] = []
    buttons = [b for b in block.buttons if len(b.command) <= VALUE_LIMIT]
    for start in range(0, len(buttons), BUTTONS_PER_ACTIONS):
        elements: list[Json] = []
        for index, button in enumerate(buttons[start : start + BUTTONS_PER_ACTIONS], start=start):
            element: Json = {
                "type": "button",
                "action_id": f"{ACTION_PREFIX}{index}",
                "text": plain(button.label, BUTTON_TEXT_LIMIT),
                "value": button.command,
            }
            if button.style:
                element["style"] = button.style
            elements.append(element)
        if elements:
            out.append({"type": "actions", "elements": elements})
    return out
