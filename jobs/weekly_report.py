"""Monday mornings: each department's weekly report in its channel.

At the department's `digest_at` on Mondays (its own time zone), last ISO week against the week before
and the 4 weeks before it, the top 5 causes, what moved, and the people whose week the team should
recognise (sqmsbot.domain.kpi.weekly). Sent on Mondays whether or not Monday is a working day: the
week is over either way. Once per department and week (`weekly_report/ops/2026-W48`), across restarts
and replicas, by the period claim and the outbox key.
"""

from __future__ import annotations

import logging

from jobs import Cron, JobContext, job
from sqmsbot.domain.kpi.weekly import gather_week
from sqmsbot.notifications.audience import channel_translator, department_channel
from sqmsbot.presenters import weekly as present

log = logging.getLogger(__name__)


@job(Cron(department_time="digest_at", day_of_week="mon"), per_department=True, key_format="%G-W%V")
def weekly_report(ctx: JobContext) -> None:
    """Post last week's KPIs against the 4 weeks before, top causes, movers and recognition in each
    department's channel on Monday morning."""
    department, org = ctx.department, ctx.runtime.org
    assert department is not None  # a per-department job
    channel = department_channel(org, department.key, ctx.notifier.platforms)
    if channel is None:
        return
    report = gather_week(ctx.session, department=department, org=org, now=ctx.now)
    t, tz = channel_translator(org, department.key)
    ctx.notifier.to_channel(
        key=ctx.period_key, channel=channel, message=present.message(report, org=org, t=t, tz=tz)
    )
    log.info("%s posted", ctx.period_key)
