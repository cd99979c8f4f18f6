"""People by Slack user id: users.info, cached, as the PeopleDirectory the dispatcher asks.

Someone seen for the first time gets their Slack name, time zone and locale (zh-CN → zh_CN, so
they are answered in Chinese). Profiles are cached because every command and every modal asks; the
cache is a bounded LRU with a TTL, because every user id ever mentioned passes through it (it must
not grow without end) and a profile changed in Slack must show within the hour.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from sqmsbot.cmd.locale import reader_locale
from sqmsbot.i18n import normalise_locale
from sqmsbot.platforms.slack.name import PLATFORM
from sqmsbot.platforms.slack.safe_log import safe_logger
from sqmsbot.ports import Profile
from sqmsbot.runtime import Runtime

log = safe_logger(__name__)  # no body, token or response_url in a line or a traceback
MAX_ENTRIES = 10_000


def locale_of(runtime: Runtime, user: str) -> str:
    """The language of what is said before the dispatcher has decided (a modal opened while the
    trigger is fresh, a line refused before it is queued): the command layer's rule
    (`reader_locale`) fed with the person's Slack profile (cached users.info), without the store."""
    profile = runtime.directory(PLATFORM).profile(user) if user else None
    return reader_locale(org=runtime.org, profile=profile.locale if profile else None)


class SlackDirectory:
    """A cached users.info lookup; a user Slack does not know is None (also cached, for less time).

    At most `max_entries` people are kept, the least recently asked for leaving first; an entry is
    asked for again after `ttl` seconds (`missing_ttl` for an unknown user, who may join soon).
    `monotonic` is the clock the TTLs are read on (tests move it).
    """

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = 3600.0,
        missing_ttl: float = 60.0,
        max_entries: int = MAX_ENTRIES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.ttl = ttl
        self.missing_ttl = missing_ttl
        self.max_entries = max(1, max_entries)
        self.monotonic = monotonic
        self._cache: OrderedDict[str, tuple[float, Profile | None]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def cached(self) -> int:
        """How many people (and unknown ids) the cache holds now: never more than `max_entries`."""
        return len(self._cache)

    def profile(self, platform_user_id: str) -> Profile | None:
        now = self.monotonic()
        with self._lock:
            cached = self._cache.get(platform_user_id)
            if cached is not None:
                if cached[0] > now:
                    self._cache.move_to_end(platform_user_id)
                    return cached[1]
                del self._cache[platform_user_id]  # expired: ask Slack again
        try:
            response = self.client.users_info(user=platform_user_id, include_locale=True)
        except SlackApiError as exc:
            if exc.response.get("error") in ("user_not_found", "users_not_found"):
                self._store(platform_user_id, None, now + self.missing_ttl)
            else:
                log.warning("users.info %s failed: %s", platform_user_id, exc.response.get("error"))
            return None
        except (
            SlackClientError,
            OSError,
        ) as exc:  # unreachable: answer without a profile, ask again next time
            log.warning("users.info %s failed: %s", platform_user_id, exc)
            return None
        found = _profile(response.get("user") or {})
        self._store(platform_user_id, found, now + self.ttl)
        return found

    def _store(self, user_id: str, profile: Profile | None, until: float) -> None:
        with self._lock:
            self._cache[user_id] = (until, profile)
            self._cache.move_to_end(user_id)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)


def _profile(user: dict[str, object]) -> Profile | None:
    if not user or user.get("deleted"):
        return None
    raw_profile = user.get("profile")
    details = raw_profile if isinstance(raw_profile, dict) else {}
    name = next(
        (
            str(v)
            for v in (
                details.get("display_name"),
                details.get("real_name"),
                user.get("real_name"),
                user.get("name"),
            )
            if v
        ),
        str(user.get("id", "")),
    )
    locale = user.get("locale")
    tz = user.get("tz")
    return Profile(
        display_name=name[:80],
        locale=normalise_locale(str(locale)) if locale else None,
        timezone=str(tz) if tz else None,
    )
