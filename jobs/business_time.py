"""Hourly: the business-time durations incidents are missing — imported tickets, and those worked
before business time was recorded — a batch at a time, so `/kpi`'s business-hours medians come to
cover the same incidents as the wall-clock ones without anyone having to run `sqmsbot kpi backfill`.
"""

from __future__ import annotations

import logging

from jobs import Cron, JobContext, job
from sqmsbot.domain.kpi.business import backfill

log = logging.getLogger(__name__)

PER_RUN = 5000
"""Incidents one run writes: a few seconds of calendar arithmetic, in one unit of work."""


@job(Cron(minute="17"))
def business_time(ctx: JobContext) -> None:
    """Work out the business time to acknowledge and to resolve of incidents that have none yet."""
    written = backfill(ctx.session, org=ctx.runtime.org, limit=PER_RUN)
    log.log(logging.INFO if written else logging.DEBUG, "%s wrote %d business times", ctx.period_key, written)
