"""The console adapter: a terminal where one person can be anyone in a sandbox organisation.

`repl.Console` reads lines and runs them through `commands.dispatch` (asking a form's questions
first where the line declares one: `forms`), `delivery.ConsoleDeliverer` prints what the outbox
delivers (writing the files messages carry: `render`), `clock` moves the sandbox's time, and
`adapter.ConsoleAdapter` is how the registry serves the console like any other platform.
"""

from sqmsbot.platforms.console.delivery import ConsoleDeliverer
from sqmsbot.platforms.console.name import PLATFORM
from sqmsbot.platforms.console.repl import Console, interactive, run_console, to_mentions

__all__ = ["PLATFORM", "Console", "ConsoleDeliverer", "interactive", "run_console", "to_mentions"]
