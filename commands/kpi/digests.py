"""`/kpi breaches`, and the private copy of the morning digest: `/kpi subscribe` and `/kpi unsubscribe`.

The digest itself is a job (jobs/digest.py); these commands let a reader look at the commitments broken
in any period and choose to receive the digest privately, in their own language.
"""

from __future__ import annotations

from commands._types import DepartmentKey
from commands.kpi import command
from commands.kpi.periods import DEPARTMENT_WORD, WHERE, KpiArgs, parse_period
from commands.kpi.show import scope, today_in
from sqmsbot.cmd.context import Ctx
from sqmsbot.cmd.request import Reply
from sqmsbot.cmd.spec import Args, Pos
from sqmsbot.domain.kpi.access import require_may_list
from sqmsbot.domain.kpi.digest import BREACH_WINDOW, broken_commitments
from sqmsbot.domain.kpi.subscriptions import subscribe as start_copies
from sqmsbot.domain.kpi.subscriptions import subscribed
from sqmsbot.domain.kpi.subscriptions import unsubscribe as stop_copies
from sqmsbot.errors import UsageError
from sqmsbot.messages import Message
from sqmsbot.notifications.audience import person_timezone
from sqmsbot.presenters import digest as present
from sqmsbot.presenters.incident import department_name

BREACHES_LISTED = 15
"""Breaches named one by one in chat; past these the reply gives the count."""


class DepartmentArgs(Args):
    department: DepartmentKey | None = None


ONE_DEPARTMENT = (Pos("department", optional=True, match=DEPARTMENT_WORD),)


@command.sub("breaches", positional=WHERE, also=("超时",))
def breaches(ctx: Ctx, args: KpiArgs) -> Reply:
    """breaches [DEPARTMENT] [PERIOD]

    The commitments missed in the last 24 hours (or in the period), latest first.
    """
    department, tz, name = scope(ctx, args)
    require_may_list(ctx.actor, department=department)
    if args.period:
        period = parse_period(args.period).period(today=today_in(ctx, tz), tz=tz)
        if period.from_ > ctx.now:
            raise UsageError("digest.not_yet", period=present.period_label(period))
        since, until = period.from_, min(period.to, ctx.now)
        window = present.period_label(period)
    else:
        since, until, window = ctx.now - BREACH_WINDOW, ctx.now, None
    count, listed = broken_commitments(
        ctx.session, department=department, since=since, until=until, limit=BREACHES_LISTED
    )
    return Reply(
        [
            present.breaches_reply(
                count=count,
                listed=listed,
                name=name,
                window=window,
                org=ctx.org,
                t=ctx.t,
                tz=person_timezone(ctx.actor, ctx.org),  # the instants in the reader's zone
            )
        ]
    )


@command.sub("subscribe", positional=ONE_DEPARTMENT, also=("订阅",))
def subscribe(ctx: Ctx, args: DepartmentArgs) -> Reply:
    """subscribe [DEPARTMENT]

    Receive the department's morning digest (default: yours) privately as well, in your language.
    """
    department = args.department or ctx.actor.department
    if not department:
        raise UsageError("digest.no_department")
    started = start_copies(ctx.session, person=ctx.actor, department=department, now=ctx.now)
    name = department_name(ctx.org, department, ctx.t.locale)
    dept = ctx.org.department(department)
    at = dept.digest_at if dept else ""
    key = "digest.subscribed" if started else "digest.already_subscribed"
    return _said(ctx.t(key, name=name, at=at))


@command.sub("unsubscribe", positional=ONE_DEPARTMENT, also=("退订",))
def unsubscribe(ctx: Ctx, args: DepartmentArgs) -> Reply:
    """unsubscribe [DEPARTMENT]

    Stop the private copies of the department's digest (the channel post goes on).
    """
    department = args.department or ctx.actor.department
    if not department:
        raise UsageError("digest.no_department")
    stopped = stop_copies(ctx.session, person=ctx.actor, department=department)
    name = department_name(ctx.org, department, ctx.t.locale)
    others = [
        department_name(ctx.org, key, ctx.t.locale) for key in subscribed(ctx.session, person=ctx.actor)
    ]
    text = ctx.t("digest.unsubscribed" if stopped else "digest.not_subscribed", name=name)
    if others:
        text += "\n" + ctx.t("digest.still_subscribed", names=", ".join(others))
    return _said(text)


def _said(text: str) -> Reply:
    return Reply([Message(text=text, ephemeral=True)])
