"""Business time to acknowledge and to resolve: written on the incident when it happens, so that the
KPIs' `_business` variants (DESIGN §8) are SQL aggregates like the wall-clock ones.

Business time is the working time of the calendar the incident's commitments count in, from
`reported_at` to the instant: a complaint reported at 17:30 and answered at 09:15 the next working
morning waited 45 working minutes, not 15¾ hours, however long the night or the weekend. Which
calendar, first that applies:
1. the calendar of the incident's commitment clocks (`IncidentTarget.calendar`: what its SLA counts in);
2. the calendar of its SLA policy now (`org.sla.policy_for(service, priority)`);
3. its department's default business calendar (`sqmsbot.domain.working_hours.default_calendar`);
4. none, or a 24×7 one: business time is wall-clock time.

It is the same interval as the wall-clock MTTA/MTTR, read on another clock: waiting on the customer is
not taken out (the SLA clocks do that; how long the customer waited for an answer does include it).
A reopened incident has no resolution until it is resolved again; the new resolution's business time
replaces the old one, as `resolved_at` does. Whole seconds, rounded.

The workflow calls `stamp` after every change that acknowledges or resolves an incident and
`reopened` when a resolution did not hold; `backfill` writes the seconds for incidents that predate
the columns or came in without them (an import, a caller without the organisation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sqmsbot.calendar import BusinessCalendar, business_time_between
from sqmsbot.config import OrgConfig
from sqmsbot.domain.working_hours import default_calendar
from sqmsbot.models import Incident, IncidentTarget

BACKFILL_BATCH = 500
"""Incidents read and written per statement pair by `backfill`: memory stays flat however many."""


@dataclass(frozen=True)
class Where:
    """What decides an incident's calendar: its service, priority and department, and its clocks'
    calendar keys (one per target)."""

    service: str
    priority: str
    department: str
    clocks: Mapping[str, str]


def calendar_for(org: OrgConfig, where: Where) -> BusinessCalendar | None:
    """The calendar the incident's business time counts in; None: wall-clock time (see the docstring)."""
    for key in (where.clocks.get("resolve"), *where.clocks.values()):
        if key is not None and key in org.sla.calendars:
            configured = org.sla.calendar(key)
            return None if configured.always_open else configured.calendar
    policy = org.sla.policy_for(where.service, where.priority)
    if policy is not None:
        configured = org.sla.calendar(policy.calendar)
        return None if configured.always_open else configured.calendar
    return default_calendar(org, department=where.department)


def seconds(calendar: BusinessCalendar | None, *, start: datetime, end: datetime) -> int:
    """Whole working seconds of `calendar` in [start, end) (wall-clock ones without a calendar); never
    negative, so a clock skew reads as instant, not as time running backwards."""
    if calendar is None:
        return max(0, round((end - start).total_seconds()))
    return round(business_time_between(calendar, start=start, end=end).total_seconds())


def _where(incident: Incident) -> Where:
    return Where(
        service=incident.service,
        priority=incident.priority,
        department=incident.department,
        clocks={row.target: row.calendar for row in incident.targets},
    )


def reopened(incident: Incident) -> None:
    """A reopened incident has no resolution until the next one, nor its business time."""
    incident.resolve_business_seconds = None


def stamp(incident: Incident, *, org: OrgConfig | None) -> None:
    """Write the business seconds of the acknowledgement and the resolution the incident has now
    (an acknowledgement's are written once, like `acknowledged_at`; a resolution's each time).

    Without `org` (a caller that does not pass one) nothing is written: the seconds stay unknown, and
    the KPIs leave the incident out of the business-time figures until `backfill` fills them in.
    """
    if org is None:
        return
    acknowledged = incident.acknowledged_at is not None and incident.ack_business_seconds is None
    if not acknowledged and incident.resolved_at is None:
        return
    calendar = calendar_for(org, _where(incident))
    if acknowledged and incident.acknowledged_at is not None:
        incident.ack_business_seconds = seconds(
            calendar, start=incident.reported_at, end=incident.acknowledged_at
        )
    if incident.resolved_at is not None:
        incident.resolve_business_seconds = seconds(
            calendar, start=incident.reported_at, end=incident.resolved_at
        )


def backfill(
    session: Session, *, org: OrgConfig, batch: int = BACKFILL_BATCH, limit: int | None = None
) -> int:
    """Write the business seconds incidents are missing (at most `limit` incidents); how many it wrote.

    Runs through the incidents in id order, `batch` at a time (the rows are read as plain tuples and
    written with one UPDATE each, without loading the timeline); an incident whose seconds are known
    already is left as it is, so running it again writes nothing. The rows' versions do not move: the
    backfill changes nothing a person decided on. A caller with a long history commits between calls
    (`limit`), so that no transaction holds many rows.
    """
    missing = or_(
        (Incident.acknowledged_at.is_not(None)) & (Incident.ack_business_seconds.is_(None)),
        (Incident.resolved_at.is_not(None)) & (Incident.resolve_business_seconds.is_(None)),
    )
    written, after = 0, 0
    while limit is None or written < limit:
        size = batch if limit is None else min(batch, limit - written)
        rows = session.execute(
            select(
                Incident.id,
                Incident.service,
                Incident.priority,
                Incident.department,
                Incident.reported_at,
                Incident.acknowledged_at,
                Incident.ack_business_seconds,
                Incident.resolved_at,
                Incident.resolve_business_seconds,
            )
            .where(missing, Incident.id > after)
            .order_by(Incident.id)
            .limit(size)
        ).all()
        if not rows:
            return written
        clocks: dict[int, dict[str, str]] = {}
        for incident_id, target, key in session.execute(
            select(IncidentTarget.incident_id, IncidentTarget.target, IncidentTarget.calendar).where(
                IncidentTarget.incident_id.in_([row.id for row in rows])
            )
        ).tuples():
            clocks.setdefault(incident_id, {})[target] = key
        for row in rows:
            calendar = calendar_for(
                org, Where(row.service, row.priority, row.department, clocks.get(row.id, {}))
            )
            values: dict[str, int] = {}
            if row.acknowledged_at is not None and row.ack_business_seconds is None:
                values["ack_business_seconds"] = seconds(
                    calendar, start=row.reported_at, end=row.acknowledged_at
                )
            if row.resolved_at is not None and row.resolve_business_seconds is None:
                values["resolve_business_seconds"] = seconds(
                    calendar, start=row.reported_at, end=row.resolved_at
                )
            session.execute(
                update(Incident)
                .where(Incident.id == row.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            written += 1
        after = rows[-1].id
        session.flush()
    return written
