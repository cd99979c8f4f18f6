"""The periods `/kpi` reads: words, months, days and ranges of local days, and the arguments that
name a department and a period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from commands._types import DepartmentKey
from sqmsbot.cmd.names import fold
from sqmsbot.cmd.spec import Args, Pos
from sqmsbot.domain.kpi import Period
from sqmsbot.domain.kpi.period import FIRST_YEAR, LAST_YEAR, supported

MAX_DAYS = 366
"""The longest period: a year of days is one chart and one query; longer is a report, not a glance."""
PERIOD_WORDS = {
    "today": "today",
    "今天": "today",
    "yesterday": "yesterday",
    "昨天": "yesterday",
    "week": "week",
    "本周": "week",
    "month": "month",
    "本月": "month",
}
MONTH = re.compile(r"(\d{4})-(\d{1,2})")
# A department in the place of a word, but not a period: no word of PERIOD_WORDS, no leading digit.
DEPARTMENT_WORD = rf"(?!(?:{'|'.join(PERIOD_WORDS)})$)[^\W\d_][\w-]{{0,39}}"


@dataclass(frozen=True)
class PeriodSpec:
    """What the reader typed, before "today" is known: a word, a month, or days (first, last)."""

    word: str | None = None
    first: date | None = None
    last: date | None = None
    month: bool = False

    def period(self, *, today: date, tz: str) -> Period:
        if self.word == "today":
            return Period.day(today, tz)
        if self.word == "yesterday":
            return Period.day(today - timedelta(days=1), tz)
        if self.word == "week":
            return Period.week(today, tz)
        if self.word == "month":
            return Period.month(today, tz)
        assert self.first is not None and self.last is not None
        if self.month:
            return Period.month(self.first, tz)
        if self.first == self.last:
            return Period.day(self.first, tz)
        return Period.range(self.first, self.last, tz)


def _bad() -> PydanticCustomError:
    """The binder fills in `value`: the word as typed, clipped."""
    return PydanticCustomError("errors.kpi_period", "not a period")


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _bad() from None
    if not supported(day):
        raise _bad()
    return day


def parse_period(typed: str) -> PeriodSpec:
    """`today`, `2026-11`, `2026-11-23`, `2026-11-01..2026-11-30` (full-width forms too); a
    PydanticCustomError with a catalog key for anything else."""
    text = fold(typed).strip().lower()
    if len(text) > 40:
        raise _bad()
    if text in PERIOD_WORDS:
        return PeriodSpec(word=PERIOD_WORDS[text])
    month = MONTH.fullmatch(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12 or not FIRST_YEAR <= year <= LAST_YEAR:
            raise _bad()
        return PeriodSpec(first=date(year, number, 1), last=date(year, number, 1), month=True)
    if ".." in text:
        start, _, end = text.partition("..")
        first, last = _day(start), _day(end)
        if last < first:
            raise PydanticCustomError(
                "errors.kpi_backwards", "ends before it starts", {"first": str(first), "last": str(last)}
            )
        if (last - first).days + 1 > MAX_DAYS:
            raise PydanticCustomError("errors.kpi_too_long", "too long", {"max": MAX_DAYS})
        return PeriodSpec(first=first, last=last)
    day = _day(text)
    return PeriodSpec(first=day, last=day)


def _period_word(value: object) -> object:
    if isinstance(value, str):
        parse_period(value)
        return fold(value).strip().lower()
    return value


PeriodWord = Annotated[str, AfterValidator(_period_word)]


def _chart_kind(value: object) -> object:
    words = {"trend": "trend", "趋势": "trend", "pareto": "pareto", "帕累托": "pareto", "原因": "pareto"}
    return words.get(fold(value).strip().lower(), value) if isinstance(value, str) else value


class KpiArgs(Args):
    department: DepartmentKey | None = None
    period: PeriodWord | None = None


class ChartArgs(KpiArgs):
    kind: Annotated[Literal["trend", "pareto"], BeforeValidator(_chart_kind)]


WHERE = (Pos("department", optional=True, match=DEPARTMENT_WORD), Pos("period", optional=True))
