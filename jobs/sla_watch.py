"""Every minute: announce the commitment thresholds crossed since the last tick (DESIGN §7).

Warnings before a target is missed, the breach once it is, and each escalation step after it; see
sqmsbot/notifications/sla.py for who is told what (one message per reader per tick and incident, the
warnings folded, private messages kept to working hours). Exactly once, four ways over:
- the period claim: a minute runs once, whichever replica or restart reaches it first (a minute with
  nothing due is let go after one indexed look, `has_work`, and leaves no record);
- the row locks: two ticks running at once (neighbouring minutes on two replicas) share the due
  clocks out (`due_thresholds`);
- `mark_fired`: a threshold already marked (by an earlier tick, or a retried one) is skipped, and the
  mark commits with the messages, so a failed tick leaves both undone and the next minute retries;
- the outbox dedupe keys: even a message enqueued twice is stored, and sent, once.

A tick reads at most `BATCH` clocks (one indexed range read, oldest due first); when more are due,
the next minute goes on where this one stopped.
"""

from __future__ import annotations

import logging

from jobs import Every, JobContext, job
from sqmsbot.domain import accountability, sla_alerts
from sqmsbot.models import Incident
from sqmsbot.notifications.audience import Roster
from sqmsbot.notifications.sla import announce
from sqmsbot.notifications.sla_tick import Alerts, Crossed
from sqmsbot.presenters.incident import ref

log = logging.getLogger(__name__)

BATCH = sla_alerts.WATCH_BATCH


@job(Every(minutes=1), has_work=sla_alerts.any_due)
def sla_watch(ctx: JobContext) -> None:
    """Warn before a commitment is missed, alert and escalate once it is; each threshold once."""
    org = ctx.runtime.org
    due = sla_alerts.due_thresholds(ctx.session, now=ctx.now, limit=BATCH)
    if not due:
        return
    # Read up front what every alert needs (incidents, clocks, timelines; people as first asked for):
    # a busy minute then costs a few queries, not a few per alert.
    incidents = sla_alerts.incidents_for(ctx.session, due)
    crossed: dict[int, list[Crossed]] = {}
    breaches: list[tuple[Incident, str]] = []
    for threshold in due:
        incident = incidents.get(threshold.incident_id)
        if incident is None:  # deleted under us: its clocks go with it
            continue
        if not sla_alerts.mark_fired(
            ctx.session, target_id=threshold.target_id, threshold=threshold.threshold, now=ctx.now
        ):
            continue
        crossed.setdefault(incident.id, []).append(Crossed(threshold.target, threshold.threshold))
        if threshold.kind == "breach":
            breaches.append((incident, threshold.target))
    # What one tick says about one incident is said together: one message per reader (DESIGN §7).
    alerts = [
        Alerts.of(incident=incidents[number], ref=ref(incidents[number], org), now=ctx.now, crossed=items)
        for number, items in crossed.items()
    ]
    # Each alert reaches its readers on their platforms and the department channel on the
    # department's (`sqmsbot.notifications.audience` decides, as for commands).
    announce(notifier=ctx.notifier, org=org, alerts=alerts, roster=Roster(ctx.session))
    # One draft per incident and breach episode for the owner's manager, privately (DESIGN §9).
    accountability.draft_for_breaches(ctx.session, breaches=breaches, now=ctx.now)
    if crossed:
        log.info("%s announced %s SLA threshold(s)", ctx.period_key, sum(map(len, crossed.values())))
