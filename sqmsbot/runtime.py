"""Everything a running bot shares: settings, the organisation, the store, the clock, the directories."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqmsbot.clock import Clock, SystemClock
from sqmsbot.config import OrgConfig, Settings, load_org_config
from sqmsbot.db import Database, Timeouts
from sqmsbot.ports import PeopleDirectory, Profile


class NoDirectory:
    """A platform with no user directory (the console): people exist once they have spoken."""

    def profile(self, platform_user_id: str) -> Profile | None:
        return None


def store_timeouts(settings: Settings) -> Timeouts:
    return Timeouts(statement=settings.db_statement_timeout, lock=settings.db_lock_timeout)


@dataclass
class Runtime:
    settings: Settings
    org: OrgConfig
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    directories: dict[str, PeopleDirectory] = field(default_factory=dict)
    # The platforms served, in order of preference (always Settings.platforms, so a runtime rebuilt
    # from its settings in the worker process agrees): where notifications may go, and which
    # department channel gets a card (DESIGN §5).
    platforms: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.platforms = self.settings.platform_names

    def reachable(self, origin: str | None = None) -> tuple[str, ...]:
        """The platforms a unit of work may notify on: the served ones, and the one a command came
        from (it is live, whatever the settings say: a test harness, a console beside a bot)."""
        if origin is None or origin in self.platforms:
            return self.platforms
        return (*self.platforms, origin)

    def directory(self, platform: str) -> PeopleDirectory:
        return self.directories.get(platform) or NoDirectory()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, clock: Clock | None = None) -> Runtime:
        settings = settings or Settings()
        return cls(
            settings=settings,
            org=load_org_config(settings.org_file),
            db=Database(settings.database_url, timeouts=store_timeouts(settings)),
            clock=clock or SystemClock(),
        )
