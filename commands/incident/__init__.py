"""/incident — report service incidents and complaints, and work them to a close."""

from sqmsbot.cmd.spec import Command

command = Command("incident", default="new")

# The modules register their subcommands on `command` as they are imported, and help lists them in
# that order: reporting first, then working an incident, then handing it over.
# isort: off
from commands.incident import report  # noqa: E402
from commands.incident import lifecycle  # noqa: E402
from commands.incident import handover  # noqa: E402
from commands.incident import edit  # noqa: E402
from commands.incident import states  # noqa: E402
from commands.incident import rate  # noqa: E402

# isort: on


__all__ = ["command", "edit", "handover", "lifecycle", "rate", "report", "states"]
