"""/incident — report service incidents and complaints, and work them to a close."""

from sqmsbot.cmd.spec import Command

command = Command("incident", default="new")

from commands.incident import handover, lifecycle, report  # noqa: E402  (they register on `command`)

__all__ = ["command", "handover", "lifecycle", "report"]
