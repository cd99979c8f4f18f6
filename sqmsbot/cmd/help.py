"""Help generated from the registered commands: usage from docstrings, summaries from the catalogs."""

from __future__ import annotations

from collections.abc import Iterable

from sqmsbot.cmd.spec import Command, Subcommand
from sqmsbot.i18n import Translator
from sqmsbot.messages import Context, Header, Message, Section


def overview(commands: Iterable[Command], t: Translator) -> Message:
    """`/sq help`: every command with its summary."""
    lines = [f"/{cmd.name} — {t(cmd.help_key)}" for cmd in commands]
    text = t("help.overview_title") + "\n" + "\n".join(lines) + "\n" + t("help.overview_hint")
    return Message(
        text=text,
        blocks=(
            Header(text=t("help.overview_title")),
            Section(text="\n".join(lines)),
            Context(text=t("help.overview_hint")),
        ),
        ephemeral=True,
    )


def command_help(command: Command, t: Translator, *, titled: bool = True) -> Message:
    """`/incident help`: each subcommand's usage and what it does. Untitled right below the overview,
    which has just named the command and said what it is for."""
    entries = [f"{sub.usage}\n    {t(sub.help_key)}" for sub in command.subcommands.values()]
    title = f"/{command.name} — {t(command.help_key)}"
    if not titled:
        return Message(text="\n".join(entries), blocks=(Section(text="\n".join(entries)),), ephemeral=True)
    return Message(
        text=title + "\n" + "\n".join(entries),
        blocks=(Header(text=title), Section(text="\n".join(entries))),
        ephemeral=True,
    )


def usage_line(command: Command, sub: Subcommand | None, t: Translator) -> str:
    return t("help.usage", usage=command.usage_for(sub))
