"""What a subcommand's form is built from, and the shape of the function that builds it.

A subcommand declares its form (`@command.sub("resolve", …, form=resolve_form)`): a pure function
of the line and who typed or pressed it, returning a `Form` to ask for what is missing, or None
when the line already has what it needs and simply runs. It gets no store and no platform on
purpose: a form is opened before any database work (Slack's trigger expires 3 s after the click),
and the same declaration serves a Slack modal, a Lark form card and the console's prompts alike.
Whether a form is asked must not depend on the language: adapters may decide it with one
translator and build it with the reader's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqmsbot.cmd.tokens import Token
from sqmsbot.config import OrgConfig
from sqmsbot.i18n import Translator
from sqmsbot.messages import Form


@dataclass(frozen=True)
class FormRequest:
    """The line that may need a form, and who is asking.

    `line` is the command and subcommand by their names, then the words as typed after them
    (`incident assign SQ-1`, also when typed `/incident 指派 SQ-1`): what a form submits to when it
    only adds fields. `words` are those words, tokenized as the binder reads them. `user_id` is
    the platform user id of whoever typed or pressed it (a user field's default, "me").
    """

    t: Translator
    org: OrgConfig
    user_id: str
    line: str
    words: tuple[Token, ...] = ()


class FormFunction(Protocol):
    """`def resolve_form(*, request: FormRequest) -> Form | None`: pure, keyword-only, no store."""

    def __call__(self, *, request: FormRequest) -> Form | None: ...
