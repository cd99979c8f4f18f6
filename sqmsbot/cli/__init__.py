"""The `sqmsbot` command (typer): run the bot, open the console, manage the store, jobs, outbox, SLAs.

A package so the command's parts import in one direction: `root` builds the top-level app and mounts
the sub-apps (`jobs`, `outbox`, `sla`) and the help translation (`help`); every one of them takes
what they share (the terminal's translator, readable store errors, the runtime) from `common`, which
imports none of them. No module reaches back into `root`, so there is no cycle to hold off with
imports inside functions (an import contract in pyproject.toml keeps it so).

`app` and `main` are re-exported because the console script (`sqmsbot = "sqmsbot.cli:main"`) and
the tests name them here.
"""

from sqmsbot.cli.root import app, main

__all__ = ["app", "main"]
