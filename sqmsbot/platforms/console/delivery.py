"""What the console delivers: each message printed, its files written under `files_dir`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqmsbot.config import FILES_DIR, OrgConfig
from sqmsbot.i18n import Translator
from sqmsbot.outbox import Delivery
from sqmsbot.platforms.console.name import PLATFORM
from sqmsbot.platforms.console.render import delivery_text, save_files

Write = Callable[[str], None]


class ConsoleDeliverer:
    """Prints each message; the files one carries are written under `files_dir` (Settings.files_dir)
    and their paths printed with it."""

    platform = PLATFORM

    def __init__(self, write: Write, org: OrgConfig, *, files_dir: Path = FILES_DIR) -> None:
        self.write = write
        self.org = org
        self.files_dir = files_dir

    def deliver(self, delivery: Delivery) -> str:
        files = save_files(delivery.message, read=delivery.attachments.read, files_dir=self.files_dir)
        self.write(delivery_text(delivery, Translator(self._locale(delivery)), files=files))
        return f"console-{delivery.id}"

    def _locale(self, delivery: Delivery) -> str:
        """A channel reads in its department's language (the words the console adds, too)."""
        for dept in self.org.departments:
            if delivery.target_kind == "channel" and dept.channel(PLATFORM) == delivery.target:
                return dept.locale
        return self.org.default_locale
