"""The `sqmsbot` command's help in the terminal's language, like everything else it prints.

What `--help` says comes from the catalogs (`cli_help.<command path>.help` for a command,
`cli_help.<command path>.<parameter>` for its options and arguments), as the chat commands' summaries
do; a text missing there keeps the docstring. The words around them (Usage, Options, Commands, the
help option's own line) are typer's (and the click it ships), written in English; they are handed
over through the parts meant for changing them: the context's formatter class, the help option
object, and typer's rich panel settings. Click's own error sentences ("Missing option …") stay English.
`root.main` applies it to the whole command tree before the command runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from typer import rich_utils
from typer._click.core import Command  # typer ships its own click (0.29); its commands are these
from typer._click.formatting import HelpFormatter

from sqmsbot.i18n import Translator

ROOT = "sqmsbot"
# typer.rich_utils settings → the catalog key of their words.
RICH_WORDS = {
    "OPTIONS_PANEL_TITLE": "cli_chrome.options",
    "ARGUMENTS_PANEL_TITLE": "cli_chrome.arguments",
    "COMMANDS_PANEL_TITLE": "cli_chrome.commands",
    "ERRORS_PANEL_TITLE": "cli_chrome.error",
    "DEFAULT_STRING": "cli_chrome.default",
    "REQUIRED_LONG_STRING": "cli_chrome.required",
    "RICH_HELP": "cli_chrome.try_help",
    "ABORTED_TEXT": "cli_chrome.aborted",
}


def command_paths(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Command]]:
    """Every command of the tree with its catalog path: `sqmsbot`, `run`, `db.upgrade`, `check_config`."""
    yield (".".join(path) or ROOT).replace("-", "_"), command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from command_paths(sub, (*path, name))


def localise(command: Command, t: Translator) -> None:
    """Put the help of every command and parameter, and the words around it, in `t`'s language."""
    for path, cmd in command_paths(command):
        key = f"cli_help.{path}.help"
        if t.has(key):
            cmd.help, cmd.short_help = t(key), None
        for param in cmd.params:
            key = f"cli_help.{path}.{param.name}"
            if t.has(key) and hasattr(param, "help"):
                param.help = t(key)
        cmd.context_class = _context_class(t)
    for name, key in RICH_WORDS.items():
        setattr(rich_utils, name, t(key))


def _context_class(t: Translator) -> type[typer.Context]:
    class Formatter(HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, prefix if prefix is not None else t("cli_chrome.usage"))

    class Context(typer.Context):
        formatter_class = Formatter

        def __init__(self, command: Command, *args: Any, **kwargs: Any) -> None:
            super().__init__(command, *args, **kwargs)
            option = command.get_help_option(self)  # made once per command, then reused
            if option is not None:
                option.help = t("cli_chrome.help_option")

    return Context
