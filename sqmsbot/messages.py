"""The platform-neutral Message and Form every reply and notification is made of.

Plain data (pydantic, so a Message survives the outbox as JSON). Adapters render it: Block Kit on
Slack, message cards on Lark, text on the console.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

BLOB_HASH = r"^[0-9a-f]{64}$"
"""A stored file's name in the store: the SHA-256 of its bytes, in lower-case hex (`sqmsbot.blobs`)."""
NAME_LIMIT = 200
UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


class _Block(BaseModel):
    model_config = ConfigDict(frozen=True)


class Header(_Block):
    type: Literal["header"] = "header"
    text: str


class Field_(BaseModel):
    model_config = ConfigDict(frozen=True)
    label: str
    value: str


class Section(_Block):
    type: Literal["section"] = "section"
    text: str = ""
    fields: tuple[Field_, ...] = ()


class Context(_Block):
    """Small print: who did it, when, a hint."""

    type: Literal["context"] = "context"
    text: str


class Divider(_Block):
    type: Literal["divider"] = "divider"


class _Attached(_Block):
    """A block that shows a stored file. It names the bytes by their hash, never by a path: the worker
    that delivers it may be another process or another replica, and reads them from the store."""

    blob: str = Field(pattern=BLOB_HASH)
    name: str

    @field_validator("name")
    @classmethod
    def _plain_file_name(cls, name: str) -> str:
        """A file name and nothing else: adapters write it to disk (the console) or hand it to a
        platform, so a path, a control character or `..` must never get that far."""
        if not name.strip() or name.strip(".") == "" or len(name) > NAME_LIMIT or UNSAFE_NAME.search(name):
            raise ValueError(f"not a plain file name: {name!r}")
        return name


class Image(_Attached):
    """A picture shown in the message itself (a PNG chart): Slack shows PNG, JPEG and GIF inline."""

    type: Literal["image"] = "image"
    alt: str


class File(_Attached):
    """A file offered for download beside the message (a CSV or XLSX export)."""

    type: Literal["file"] = "file"
    title: str = ""


class Button(BaseModel):
    """A button stands for a command line: pressing it runs exactly what typing it would."""

    model_config = ConfigDict(frozen=True)
    label: str
    command: str
    style: Literal["primary", "danger"] | None = None


class Actions(_Block):
    type: Literal["actions"] = "actions"
    buttons: tuple[Button, ...]


Block = Annotated[Header | Section | Context | Divider | Image | File | Actions, Field(discriminator="type")]


class Message(BaseModel):
    """One reply or notification. `text` is always set: it is the fallback and the console's view."""

    model_config = ConfigDict(frozen=True)
    text: str
    blocks: tuple[Block, ...] = ()
    ephemeral: bool = False
    thread_of: str | None = None
    update_of: str | None = None
    ok: bool = True

    @property
    def attached(self) -> tuple[Image | File, ...]:
        """The stored files this message shows, each once, in the order they appear."""
        return _unique(b for b in self.blocks if isinstance(b, Image | File))


def _unique(blocks: Iterable[Image | File]) -> tuple[Image | File, ...]:
    seen: dict[str, Image | File] = {}
    for block in blocks:
        seen.setdefault(block.blob, block)
    return tuple(seen.values())


def payload_blobs(payload: Mapping[str, Any]) -> set[str]:
    """The stored files a message's JSON (an outbox payload) refers to, read without validating it
    all: the outbox links every row to its files with this at commit."""
    return {
        str(block["blob"])
        for block in payload.get("blocks") or ()
        if isinstance(block, Mapping) and block.get("type") in ("image", "file") and block.get("blob")
    }


FieldKind = Literal["text", "long_text", "select", "user", "date", "number", "checkbox"]


class FormField(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    max_length: int | None = None
    options: tuple[tuple[str, str], ...] = ()
    initial: str | None = None


class Form(BaseModel):
    """A form submits its fields as `key=value` arguments to `command`: one path, whatever the platform."""

    model_config = ConfigDict(frozen=True)
    title: str
    command: str
    fields: tuple[FormField, ...]
    submit_label: str
