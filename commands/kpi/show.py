"""`/kpi [DEPARTMENT] [PERIOD]` and `/kpi chart trend|pareto`: the headline KPIs, and the charts sent
privately."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from commands.kpi import command
from commands.kpi.periods import WHERE, ChartArgs, KpiArgs, parse_period
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Pos
from sqmsbot.domain.kpi import Period, Slice, compute, timezone_for
from sqmsbot.domain.kpi.access import require_may_see
from sqmsbot.domain.kpi.digest import local_today
from sqmsbot.domain.kpi.movers import movers
from sqmsbot.domain.kpi.series import causes, daily_series
from sqmsbot.notifications.audience import person_timezone
from sqmsbot.presenters import kpi as present
from sqmsbot.presenters.incident import department_name
from sqmsbot.presenters.movers import sentence
from sqmsbot.timefmt import local

CHART_DAYS = 30
"""`/kpi chart` without a period: the last 30 days, today included, as the digest draws them."""


def scope(ctx: Ctx, args: KpiArgs) -> tuple[str | None, str, str]:
    """The department asked for (default: the actor's), its zone, and its name in the reader's
    language; refused before any figure is read when the actor may not see it."""
    department = args.department or ctx.actor.department or None
    require_may_see(ctx.actor, department=department)
    name = department_name(ctx.org, department, ctx.t.locale) if department else ctx.org.name
    return department, timezone_for(ctx.org, department), name


def today_in(ctx: Ctx, tz: str) -> date:
    return local_today(ctx.now, tz)


@command.sub("show", positional=WHERE, also=("指标",))
def show(ctx: Ctx, args: KpiArgs) -> Reply:
    """[DEPARTMENT] [today|yesterday|week|month|YYYY-MM|FROM..TO]

    The headline KPIs of a period (default: today) beside the period before and the targets.
    """
    department, tz, name = scope(ctx, args)
    period = parse_period(args.period or "today").period(today=today_in(ctx, tz), tz=tz)
    cut = Slice(department=department)
    report = compute(ctx.session, period=period, slice=cut, org=ctx.org, now=ctx.now)
    # Movers compare whole periods: a day or week still running would always look quiet against them.
    finished = period.to <= ctx.now
    found = movers(ctx.session, period=period, slice=cut, now=ctx.now) if finished else []
    today = today_in(ctx, tz)
    moved = [sentence(mover, t=ctx.t, org=ctx.org, today=today) for mover in found]
    as_of = local(ctx.now, person_timezone(ctx.actor, ctx.org))
    return Reply([present.headline(report, t=ctx.t, name=name, as_of=as_of, moved=moved)])


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
    department, tz, name = scope(ctx, args)
    today = today_in(ctx, tz)
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
