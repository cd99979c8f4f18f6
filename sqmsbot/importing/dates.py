"""Timestamps as ticket exports write them, read as UTC instants.

Exports write instants in many shapes: ISO 8601 (`2026-11-23T09:05:00+08:00`, `2026-11-23 09:05`),
numeric day/month forms (`29/2/2016 01:16` from ServiceNow, `11/23/2026 9:05 AM` from US tools),
Jira's `23/Nov/26 9:05 AM`, and Chinese `2026年11月23日 09:05` (full-width digits are folded first).

A timestamp without an offset is a wall-clock reading in the import's time zone (`--timezone`,
by default the organisation's: the zone `sqmsbot kpi --from/--to` reads its days in). A wall-clock
time that happens twice on a DST change is taken at its first occurrence, one that never happens
(the skipped hour) moves forward by the gap, as `zoneinfo` does (fold=0).

Day-first or month-first is a property of the file, not of one value: `evidence` tells what a single
numeric value proves (a first number over 12 is a day, a second one over 12 is a day too), and the
scan of the whole file decides (sqmsbot.importing.scan). A file whose values prove both is refused
rather than guessed at.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Literal

DateOrder = Literal["dayfirst", "monthfirst"]
DATE_ORDERS: tuple[DateOrder, ...] = ("dayfirst", "monthfirst")
CACHE_LIMIT = 200_000
"""Distinct texts remembered per parser: event logs repeat each ticket's opened/resolved/closed on
every row, so most look-ups are hits; the bound keeps a huge file from growing the cache for ever."""
YEARS = (1900, 2999)

_TIME = r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?\s*([AaPp]\.?[Mm]\.?)?"
_ZONE = r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + _ZONE)
_NUMERIC = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})" + _TIME + _ZONE)
_NAMED = re.compile(r"(\d{1,2})[-/ ]([A-Za-z]{3,9})\.?[-/ ,]+(\d{4}|\d{2})" + _TIME + _ZONE)
_NUMERIC_START = re.compile(r"\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}(?:\D|$)")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_CHINESE = str.maketrans({"年": "-", "月": "-", "日": " ", "时": ":", "分": " ", "秒": " "})


def evidence(text: str) -> DateOrder | None:
    """What one value proves about the file's order: `29/2/2016` is day-first, `2/29/2016`
    month-first, `3/4/2016` (or an ISO date) nothing."""
    match = _NUMERIC_START.match(text)
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return "dayfirst"
    if second > 12 >= first:
        return "monthfirst"
    return None


def _offset(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _hour(hour: int, meridiem: str | None) -> int:
    if meridiem is None:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError("a 12-hour clock reads 1 to 12")
    pm = meridiem[0] in "Pp"
    return (hour % 12) + (12 if pm else 0)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # 26 → 2026, 99 → 1999: exports write two digits for recent years
        year += 2000 if year < 70 else 1900
    return year


class DateReader:
    """Reads the timestamps of one file: its day/month order, its zone for naive readings."""

    def __init__(self, *, order: DateOrder, zone: tzinfo) -> None:
        self.order = order
        self.zone = zone
        self._cache: dict[str, datetime | None] = {}

    def __call__(self, text: str) -> datetime | None:
        """The UTC instant `text` names, or None when it is not a timestamp of a known shape (or
        names a day that does not exist, such as 31/2/2016)."""
        try:
            return self._cache[text]
        except KeyError:
            pass
        try:
            value = self._parse(text)
        except (ValueError, OverflowError):
            value = None
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[text] = value
        return value

    def _parse(self, text: str) -> datetime | None:
        folded = unicodedata.normalize("NFKC", text).translate(_CHINESE).strip()
        if match := _ISO.fullmatch(folded):
            year, month, day = int(match[1]), int(match[2]), int(match[3])
        elif match := _NUMERIC.fullmatch(folded):
            first, second = int(match[1]), int(match[2])
            day, month = (first, second) if self.order == "dayfirst" else (second, first)
            year = _year(match[3])
        elif match := _NAMED.fullmatch(folded):
            month_number = MONTHS.get(match[2].casefold())
            if month_number is None:
                return None
            day, month, year = int(match[1]), month_number, _year(match[3])
        else:
            return None
        if not YEARS[0] <= year <= YEARS[1]:
            return None
        hour = _hour(int(match[4] or 0), match[8])
        fraction = (match[7] or "").ljust(6, "0")
        zone = _offset(match[9]) or self.zone
        local = datetime(
            year, month, day, hour, int(match[5] or 0), int(match[6] or 0), int(fraction or 0), tzinfo=zone
        )
        return local.astimezone(UTC)
