"""What an adapter hands the dispatcher, and what the dispatcher hands back."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqmsbot.messages import Form, Message
from sqmsbot.ports import PeopleDirectory, Profile  # noqa: F401  (re-exported: adapters name them here too)


@dataclass(frozen=True)
class CommandRequest:
    """One chat command, normalised by an adapter. Mentions in `text` are already `<@user-id>` refs."""

    platform: str
    channel: str
    user_id: str
    text: str
    workspace: str = ""
    locale: str | None = None
    display_name: str | None = None
    request_key: str | None = None


@dataclass
class Reply:
    """Messages for the actor, and optionally a form to open (a Slack modal, a Lark form card, prompts).

    A handler may answer with a form it decides on at run time; forms known from the line alone are
    declared on the subcommand instead (sqmsbot.cmd.forms) and opened before dispatch. `locale` is
    the language the dispatcher decided the reader reads (set on every reply it returns): adapters
    render with it rather than deciding again.
    """

    messages: list[Message] = field(default_factory=list)
    form: Form | None = None
    locale: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(m.text for m in self.messages)
