"""Chat commands: one module per command, each defining `command = Command(...)`.

A new command is one new file here (plus its catalog entries); discovery finds it. Its forms are
declared on its subcommands (`form=`), so adapters open them without knowing the command.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache

from sqmsbot.cmd import forms as _forms
from sqmsbot.cmd.dispatch import dispatch as _dispatch
from sqmsbot.cmd.request import CommandRequest, Reply
from sqmsbot.cmd.spec import Command
from sqmsbot.config import OrgConfig
from sqmsbot.i18n import Translator
from sqmsbot.messages import Form
from sqmsbot.runtime import Runtime


@cache
def registry() -> dict[str, Command]:
    """Every command module's `command`, by name, in a stable order."""
    found: dict[str, Command] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, Command):
            found[command.name] = command
    return found


@contextmanager
def registered(*extra: Command) -> Iterator[None]:
    """Commands that exist only inside this block, beside the discovered ones: for a test of what a
    new command gets for free (its slash command, its forms on every adapter) without a module here.

    Enter it before building what reads the registry once (the Bolt app wires one slash command per
    entry when it is created). A name already taken is refused, so a test cannot hide a real command.
    Not thread-safe against a concurrent `registered`; meant for tests.
    """
    found = registry()
    taken = [command.name for command in extra if command.name in found]
    if taken:
        raise ValueError(f"commands already registered: {', '.join(taken)}")
    found.update({command.name: command for command in extra})
    try:
        yield
    finally:
        for command in extra:
            found.pop(command.name, None)


def dispatch(request: CommandRequest, *, runtime: Runtime) -> Reply:
    """Run one chat command and return the reply for the person who typed it."""
    return _dispatch(request, runtime=runtime, commands=registry())


def form_for(line: str, *, t: Translator, org: OrgConfig, user_id: str) -> Form | None:
    """The form this command line opens before it runs, or None (sqmsbot.cmd.forms.form_for)."""
    return _forms.form_for(line, t=t, org=org, user_id=user_id, commands=registry())


def check_form(line: str, *, t: Translator, org: OrgConfig, fields: Sequence[str]) -> dict[str, str]:
    """A submitted form's errors by field, without running it (sqmsbot.cmd.forms.check_form)."""
    return _forms.check_form(line, t=t, org=org, fields=fields, commands=registry())
