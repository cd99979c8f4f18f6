"""Showing instants and durations to people: in their own time zone and language."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqmsbot.i18n import Translator


def local(instant: datetime, timezone: str) -> str:
    """`2026-11-23 09:30 +08:00`: unambiguous, and readable in both languages."""
    at = instant.astimezone(ZoneInfo(timezone))
    offset = at.strftime("%z")
    return f"{at:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def duration(span: timedelta, t: Translator) -> str:
    """`2d 3h`, `45m` / `2天3小时`, `45分钟`: two units at most, the way people say it."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts: list[str] = []
    if days:
        parts.append(t("time.days", n=days))
    if hours:
        parts.append(t("time.hours", n=hours))
    if mins and not days:
        parts.append(t("time.minutes", n=mins))
    return t("time.join").join(parts[:2]) if parts else t("time.minutes", n=0)
