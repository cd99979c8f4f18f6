"""Chat commands: one module per command, each defining `command = Command(...)`.

A new command is one new file here (plus its catalog entries); discovery finds it.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from sqmsbot.cmd.dispatch import dispatch as _dispatch
from sqmsbot.cmd.request import CommandRequest, Reply
from sqmsbot.cmd.spec import Command
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


def dispatch(request: CommandRequest, *, runtime: Runtime) -> Reply:
    """Run one chat command and return the reply for the person who typed it."""
    return _dispatch(request, runtime=runtime, commands=registry())
