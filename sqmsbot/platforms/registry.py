"""Which adapter serves each platform named in the Settings (`SQMS_PLATFORMS`, or the credentials).

The built-in ones are found by name; another one (a platform of your own, or the tests' chat
platform) by `name=package.module:Factory`. Factories are imported only when enabled, so a
deployment on Slack never imports another platform's SDK, and the worker process, built from the
same Settings, builds the same adapters.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqmsbot.config import PlatformEntry, Settings
from sqmsbot.platforms.adapter import Adapter

BUILT_IN = {
    "slack": "sqmsbot.platforms.slack.adapter:SlackAdapter",
    "console": "sqmsbot.platforms.console.adapter:ConsoleAdapter",
}


class UnknownPlatform(ValueError):
    """A platform the Settings name that no adapter serves (yet: Lark before its issue)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def factory_of(entry: PlatformEntry) -> Callable[[Settings], Adapter]:
    path = entry.factory or BUILT_IN.get(entry.name)
    if path is None:
        raise UnknownPlatform(entry.name)
    module, _, attribute = path.partition(":")
    made: Callable[[Settings], Adapter] = getattr(importlib.import_module(module), attribute)
    return made


def load_adapters(settings: Settings) -> list[Adapter]:
    """One adapter per platform served, in the Settings' order; each checks that it is called what
    the Settings call it (a factory's `name` is the `platform` of every row it reads)."""
    factories = [(entry, factory_of(entry)) for entry in settings.platforms]  # every name known first
    adapters = []
    for entry, factory in factories:
        adapter = factory(settings)
        if adapter.name != entry.name:
            raise ValueError(f"SQMS_PLATFORMS: {entry.factory} makes {adapter.name!r}, not {entry.name!r}")
        adapters.append(adapter)
    return adapters
