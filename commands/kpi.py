"""/kpi — how the service is doing: the headline KPIs of a period against the period before and the
targets, and the trend and Pareto charts.

Periods are local days of the department's time zone (the organisation's for the whole organisation):
`today`, `yesterday`, `week` (this ISO week), `month` (this month), `2026-11`, `2026-11-23`, or
`2026-11-01..2026-11-30` (both days included, at most a year). The department defaults to your own,
else the whole organisation. Anyone may read their own department's figures and the organisation's;
other departments' are for leads, managers, quality and admins (sqmsbot.domain.kpi.access).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from commands._types import DepartmentKey
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.dispatch import HELP_WORDS
from sqmsbot.cmd.names import fold
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Command, Pos, Subcommand
from sqmsbot.cmd.tokens import Token, tokenize
from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi import Period, Slice, compute, timezone_for
from sqmsbot.domain.kpi.access import require_may_see
from sqmsbot.domain.kpi.series import causes, daily_series
from sqmsbot.notifications.audience import person_timezone
from sqmsbot.presenters import kpi as present
from sqmsbot.presenters.incident import department_name
from sqmsbot.timefmt import local

MAX_DAYS = 366
"""The longest period: a year of days is one chart and one query; longer is a report, not a glance."""
CHART_DAYS = 30
"""`/kpi chart` without a period: the last 30 days, today included, as the digest draws them."""
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
        return date.fromisoformat(text)
    except ValueError:
        raise _bad() from None


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
        if not 1 <= number <= 12:
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


@dataclass
class _FromFirstWord(Subcommand):
    """The default subcommand, given the word the dispatcher took for a subcommand name as well."""

    first: str = ""

    def bind(self, tokens: list[Token], *, org: OrgConfig | None = None) -> Args:
        return super().bind([*tokenize(self.first), *tokens], org=org)


class KpiCommand(Command):
    """`/kpi ops month` reads as "the KPIs of ops this month": a word that names no subcommand is the
    first argument of `show`, so the everyday form needs no subcommand word."""

    def find(self, word: str) -> Subcommand | None:
        found = super().find(word)
        if found is not None or word.lower() in HELP_WORDS:
            return found
        show = self.subcommands["show"]
        return _FromFirstWord(**{f.name: getattr(show, f.name) for f in fields(show)}, first=word)


command = KpiCommand("kpi", default="show")
WHERE = (Pos("department", optional=True, match=DEPARTMENT_WORD), Pos("period", optional=True))


def _scope(ctx: Ctx, args: KpiArgs) -> tuple[str | None, str, str]:
    """The department asked for (default: the actor's), its zone, and its name in the reader's
    language; refused before any figure is read when the actor may not see it."""
    department = args.department or ctx.actor.department or None
    require_may_see(ctx.actor, department=department)
    name = department_name(ctx.org, department, ctx.t.locale) if department else ctx.org.name
    return department, timezone_for(ctx.org, department), name


def _today(ctx: Ctx, tz: str) -> date:
    return date.fromisoformat(local(ctx.now, tz)[:10])


@command.sub("show", positional=WHERE, also=("指标",))
def show(ctx: Ctx, args: KpiArgs) -> Reply:
    """[DEPARTMENT] [today|yesterday|week|month|YYYY-MM|FROM..TO]

    The headline KPIs of a period (default: today) beside the period before and the targets.
    """
    department, tz, name = _scope(ctx, args)
    period = parse_period(args.period or "today").period(today=_today(ctx, tz), tz=tz)
    report = compute(ctx.session, period=period, slice=Slice(department=department), org=ctx.org, now=ctx.now)
    as_of = local(ctx.now, person_timezone(ctx.actor, ctx.org))
    return Reply([present.headline(report, t=ctx.t, name=name, as_of=as_of)])


@command.sub(
    "chart",
    positional=(Pos("kind", shown="trend|pareto"), *WHERE),
    also=("图表",),
)
def chart(ctx: Ctx, args: ChartArgs) -> Reply:
    """chart trend|pareto [DEPARTMENT] [PERIOD]

    A chart of the last 30 days (or the period), sent to you privately: the daily volume with SLA
    attainment, or the causes with their cumulative share.
    """
    department, tz, name = _scope(ctx, args)
    today = _today(ctx, tz)
    if args.period:
        period = parse_period(args.period).period(today=today, tz=tz)
    else:
        period = Period.range(today - timedelta(days=CHART_DAYS - 1), today, tz)
    cut, t = Slice(department=department), ctx.t
    title = present.chart_title(args.kind, t=t, name=name, period=period)
    if args.kind == "trend":
        days = daily_series(ctx.session, period=period, slice=cut, org=ctx.org, now=ctx.now)
        png = present.trend_image(days, target=ctx.org.kpi_targets.sla_attainment, t=t, title=title)
    else:
        png = present.pareto_image(causes(ctx.session, period=period, slice=cut), t=t, title=title)
    if png is None:
        return Reply([present.nothing_to_chart(t, name=name, period=period)])
    image = ctx.notify.attach_image(data=png, name=f"{args.kind}.png", alt=title)
    key = f"kpi-chart:{ctx.request.request_key or uuid.uuid4().hex}"
    ctx.notify.to_person(key=key, person=ctx.actor, message=present.chart_message(title=title, image=image))
    return Reply([present.chart_on_its_way(t)])
