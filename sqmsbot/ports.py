"""What the core needs from a chat platform, as protocols the adapters implement (DESIGN §2).

The domain resolves people through a `PeopleDirectory` (Slack users.info, Lark's contact API, or
none for the console) without knowing which; it lives here, below both the domain and the command
layer, so neither has to import the other to name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Profile:
    """What a platform tells us about a user we have not met before."""

    display_name: str
    locale: str | None = None
    timezone: str | None = None


class PeopleDirectory(Protocol):
    """Looks a platform user up (Slack users.info, Lark contact API); None when there is no such user."""

    def profile(self, platform_user_id: str) -> Profile | None: ...
