"""The platform-neutral Message and Form every reply and notification is made of.

Plain data (pydantic, so a Message survives the outbox as JSON). Adapters render it: Block Kit on
Slack, message cards on Lark, text on the console.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


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


class Image(_Block):
    type: Literal["image"] = "image"
    path: str
    alt: str


class Button(BaseModel):
    """A button stands for a command line: pressing it runs exactly what typing it would."""

    model_config = ConfigDict(frozen=True)
    label: str
    command: str
    style: Literal["primary", "danger"] | None = None


class Actions(_Block):
    type: Literal["actions"] = "actions"
    buttons: tuple[Button, ...]


Block = Annotated[Header | Section | Context | Divider | Image | Actions, Field(discriminator="type")]


class Message(BaseModel):
    """One reply or notification. `text` is always set: it is the fallback and the console's view."""

    model_config = ConfigDict(frozen=True)
    text: str
    blocks: tuple[Block, ...] = ()
    ephemeral: bool = False
    thread_of: str | None = None
    update_of: str | None = None
    ok: bool = True


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
