"""Every working morning: each department's KPI digest in its channel, and private copies.

At the department's `digest_at` (default 08:30, its own time zone) on the working days of its
calendar (the calendar its commitments count in; a 24×7 team, or one without commitments, gets one
every day), the digest of the days since the last working day's (yesterday; Friday to Sunday on a
Monday) goes to the department's channel in the department's language,
with one chart (the 30-day trend above the Pareto of causes) carried by the message as a file: stored
with the outbox row, uploaded once by the platform's deliverer. The people who asked for it
(`/kpi subscribe`) get a copy by private message in their own language. A quiet day is one line.

Once per department and day, whatever the restarts and replicas: the period key is the local date
(`digest/ops/2026-11-23`), claimed before the body runs (sqmsbot.scheduling), and the outbox keys
repeat it, so a retried run stores no second post.
"""

from __future__ import annotations

import logging

from jobs import Cron, JobContext, job
from sqmsbot.config import OrgConfig
from sqmsbot.domain.kpi.digest import Digest, gather, is_working_day, local_today
from sqmsbot.domain.kpi.subscriptions import subscribers
from sqmsbot.i18n import Translator
from sqmsbot.messages import Message
from sqmsbot.notifications.audience import (
    channel_translator,
    department_channel,
    person_locale,
    person_timezone,
)
from sqmsbot.outbox import Notifier
from sqmsbot.presenters import digest as present
from sqmsbot.presenters.incident import department_name

log = logging.getLogger(__name__)


def compose(digest: Digest, *, notifier: Notifier, org: OrgConfig, t: Translator, tz: str) -> Message:
    """The digest in one language: one line on a quiet day, else the post with its chart."""
    if digest.quiet:
        return present.quiet_message(digest, org=org, t=t)
    name = department_name(org, digest.department.key, t.locale)
    chart_title = t("digest.chart_title", name=name, day=digest.days.last_day.isoformat())
    png = present.chart_png(digest, org=org, t=t, title=chart_title)
    image = (
        None
        if png is None
        else notifier.attach_image(data=png, name=f"digest-{digest.department.key}.png", alt=chart_title)
    )
    return present.message(digest, org=org, t=t, tz=tz, image=image)


@job(Cron(department_time="digest_at"), per_department=True, key_format="%Y-%m-%d")
def digest(ctx: JobContext) -> None:
    """Post the KPIs of the days since the last working morning, what moved, the breaches since the
    last digest and the oldest open incidents, with the 30-day chart, in each department's channel on
    its working mornings; private copies to subscribers."""
    department, org = ctx.department, ctx.runtime.org
    assert department is not None  # a per-department job
    if not is_working_day(org, department, local_today(ctx.now, department.timezone)):
        log.debug("%s: not a working day", ctx.period_key)
        return
    data = gather(ctx.session, department=department, org=org, now=ctx.now)
    channel = department_channel(org, department.key, ctx.notifier.platforms)
    if channel is not None:
        t, tz = channel_translator(org, department.key)
        message = compose(data, notifier=ctx.notifier, org=org, t=t, tz=tz)
        ctx.notifier.to_channel(key=ctx.period_key, channel=channel, message=message)
    copies = 0
    composed: dict[tuple[str, str], Message] = {}  # one chart per language and zone, not per reader
    for person in subscribers(ctx.session, department=department.key):
        locale, tz = person_locale(person, org), person_timezone(person, org)
        if (locale, tz) not in composed:
            composed[locale, tz] = compose(data, notifier=ctx.notifier, org=org, t=Translator(locale), tz=tz)
        message = composed[locale, tz]
        copies += ctx.notifier.to_person(
            key=f"{ctx.period_key}/to/{person.id}", person=person, message=message
        )
    log.info("%s posted%s, %d private copies", ctx.period_key, "" if channel else " nowhere", copies)
