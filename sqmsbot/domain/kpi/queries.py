"""The statements of one KPI report period: four, whatever the number of incidents.

1. `counts`: one row of scalar subqueries — reported, resolved (last resolution), resolved at first
   contact, incidents with a resolution in the period and those of them reopened afterwards, the
   backlog at the end of the period and the aged part of it, the service volume and errors, and the
   feedback responses (how many, how many satisfied, the sum of their scores);
2. `mtta` and 3. `mttr`: duration statistics, wall clock and business time in one statement each
   (sqmsbot.domain.kpi.sql);
4. `sla`: achieved and breached commitments per target.

Every window condition is a range on an indexed instant (migration 0010), so the period, not the
history, sets the cost. Definitions (DESIGN §8, made precise here):
- `reopen_rate`: of the incidents with a resolution in the period (any resolution, not only the last:
  an incident reopened afterwards by construction has its last resolution elsewhere), those reopened
  after that resolution, up to `now`;
- `backlog` at `at` = min(period end, now): reported before `at` and open just before it. An incident
  never reopened was open iff it was resolved and closed (if at all) at or after `at`; one reopened is
  judged by its last state change before `at` on the timeline. `aged`: of those, the ones whose
  resolve commitment was due (or recorded breached) before `at`;
- a commitment is breached if it recorded a breach, or was met after its due time, or is unmet and its
  due time has passed by `now`; it counts in the period holding its breach instant (the recorded one,
  else the due time), and an achieved one in the period it was met in;
- `mtta_hours_business` / `mttr_hours_business`: the same populations as the wall-clock figures, over
  the incidents whose business seconds are known (sqmsbot.domain.kpi.business writes them);
- `error_rate` = errors ÷ volume over the service days of the period (local dates from the first day
  to the last) that have a recorded volume; days without one count in neither. A day's errors are
  its recorded count, else the incidents reported against the service in that local day (its stored
  instants), duplicates left out: a repeat report is not a second failure. Volumes are per service, so
  a slice by department or service has them (the department that owned the service when the day was
  recorded) and a slice by priority, category or owner has none (`null`);
- `csat`: the responses given in the period to incidents of the slice; satisfied = score 4 or 5.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, null, or_, select, union
from sqlalchemy.orm import aliased

from sqmsbot.domain.incident_workflow import OPEN_STATUSES
from sqmsbot.domain.kpi import commitments
from sqmsbot.domain.kpi.feedback import POSITIVE
from sqmsbot.domain.kpi.prepared import Day, Instant
from sqmsbot.domain.kpi.slice import Slice
from sqmsbot.domain.kpi.sql import seconds_between
from sqmsbot.models import Feedback, Incident, IncidentEvent, IncidentTarget, ServiceVolume

# The timeline entries that change an incident's state (sqmsbot.domain.incident_events.move).
STATE_CHANGES = (
    "reported",
    "acknowledged",
    "waiting",
    "resumed",
    "resolved",
    "reopened",
    "closed",
    "duplicate",
)


def _within(column: Any, start: Instant, end: Instant) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _count(*where: ColumnElement[bool]) -> Any:
    return select(func.count()).select_from(Incident).where(*where).scalar_subquery()


def counts(
    *,
    start: Instant,
    end: Instant,
    at: Instant,
    now: Instant,
    cut: Slice,
    first_day: Day | None = None,
    end_day: Day | None = None,
) -> Select[Any]:
    """One row: reported, resolved, fcr, resolutions, reopened, backlog, aged, volume, errors,
    responses, satisfied, score_total. `first_day`…`end_day` (exclusive): the period's local dates,
    which volumes are recorded by; without them there are no volumes (NULL)."""
    sliced = cut.where()
    resolved = _within(Incident.resolved_at, start, end)
    resolution = aliased(IncidentEvent)
    later = aliased(IncidentEvent)
    resolutions = and_(
        resolution.kind == "resolved",
        _within(resolution.at, start, end),
        resolution.incident_id == Incident.id,
    )
    reopened_after = exists().where(
        later.incident_id == resolution.incident_id,
        later.kind == "reopened",
        later.at >= resolution.at,
        later.id > resolution.id,
        later.at <= now,
    )
    open_before = _open_at(at)
    aged = exists().where(
        IncidentTarget.incident_id == Incident.id,
        IncidentTarget.target == "resolve",
        or_(IncidentTarget.due_at < at, IncidentTarget.breached_at < at),
    )
    return select(
        _count(sliced, _within(Incident.reported_at, start, end)).label("reported"),
        _count(sliced, resolved).label("resolved"),
        _count(sliced, resolved, Incident.first_contact_resolution.is_(True)).label("fcr"),
        select(func.count(func.distinct(resolution.incident_id)))
        .select_from(resolution)
        .join(Incident, resolution.incident_id == Incident.id)
        .where(resolutions, sliced)
        .scalar_subquery()
        .label("resolutions"),
        select(func.count(func.distinct(resolution.incident_id)))
        .select_from(resolution)
        .join(Incident, resolution.incident_id == Incident.id)
        .where(resolutions, sliced, reopened_after)
        .scalar_subquery()
        .label("reopened"),
        _count(sliced, open_before).label("backlog"),
        _count(sliced, open_before, aged).label("aged"),
        *_volumes(cut, first_day, end_day),
        *_feedback(start, end, sliced),
    )


def _volumes(cut: Slice, first_day: Day | None, end_day: Day | None) -> list[Any]:
    """volume and errors of the recorded service days of the period (NULL when none, or for a slice
    that volumes are not recorded by)."""
    if first_day is None or end_day is None or (cut.priority, cut.category, cut.owner) != (None, None, None):
        return [null().label("volume"), null().label("errors")]
    days = [ServiceVolume.day >= first_day, ServiceVolume.day < end_day]
    if cut.department is not None:
        days.append(ServiceVolume.department == cut.department)
    if cut.service is not None:
        days.append(ServiceVolume.service == cut.service)
    reported_that_day = (
        select(func.count())
        .select_from(Incident)
        .where(
            Incident.service == ServiceVolume.service,
            Incident.reported_at >= ServiceVolume.starts_at,
            Incident.reported_at < ServiceVolume.ends_at,
            Incident.duplicate_of_id.is_(None),
        )
        .scalar_subquery()
    )
    return [
        select(func.sum(ServiceVolume.volume)).where(*days).scalar_subquery().label("volume"),
        select(func.sum(func.coalesce(ServiceVolume.errors, reported_that_day)))
        .where(*days)
        .scalar_subquery()
        .label("errors"),
    ]


def _feedback(start: Instant, end: Instant, sliced: ColumnElement[bool]) -> list[Any]:
    """responses, satisfied (score ≥ 4) and the sum of the scores given in the period."""

    def given(column: Any) -> Any:
        return (
            select(column)
            .select_from(Feedback)
            .join(Incident, Feedback.incident_id == Incident.id)
            .where(_within(Feedback.at, start, end), sliced)
            .scalar_subquery()
        )

    return [
        given(func.count()).label("responses"),
        given(func.count(case((Feedback.score >= POSITIVE, 1)))).label("satisfied"),
        given(func.coalesce(func.sum(Feedback.score), 0)).label("score_total"),
    ]


def _open_at(at: Instant) -> ColumnElement[bool]:
    """Reported before `at` and open just before it (see the module docstring)."""
    last = aliased(IncidentEvent)
    state_before = (
        select(last.to_value)
        .where(last.incident_id == Incident.id, last.kind.in_(STATE_CHANGES), last.at < at)
        .order_by(last.at.desc(), last.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # The candidates, each set read by its own index: open now, or resolved or closed at or after `at`
    # (few, for a recent `at`): a filter on `reported_at < at` alone would read the whole history.
    candidates = union(
        select(Incident.id).where(Incident.status.in_(OPEN_STATUSES), Incident.reported_at < at),
        select(Incident.id).where(Incident.resolved_at >= at),
        select(Incident.id).where(Incident.closed_at >= at),
    )
    return and_(
        Incident.id.in_(candidates),
        Incident.reported_at < at,
        or_(
            and_(
                Incident.reopen_count == 0,
                or_(Incident.resolved_at.is_(None), Incident.resolved_at >= at),
                or_(Incident.closed_at.is_(None), Incident.closed_at >= at),
            ),
            and_(Incident.reopen_count > 0, state_before.in_(OPEN_STATUSES)),
        ),
    )


def mtta(*, start: Instant, end: Instant, cut: Slice) -> Select[Any]:
    """Seconds to acknowledge (`seconds`, and in business time `business`, NULL where not known), of
    the incidents reported in the period and acknowledged."""
    return select(
        seconds_between(Incident.acknowledged_at, Incident.reported_at).label("seconds"),
        Incident.ack_business_seconds.label("business"),
    ).where(cut.where(), _within(Incident.reported_at, start, end), Incident.acknowledged_at.is_not(None))


def mttr(*, start: Instant, end: Instant, cut: Slice) -> Select[Any]:
    """Seconds to resolve (to the last resolution; `business` as in `mtta`), of the incidents resolved
    in the period."""
    return select(
        seconds_between(Incident.resolved_at, Incident.reported_at).label("seconds"),
        Incident.resolve_business_seconds.label("business"),
    ).where(cut.where(), _within(Incident.resolved_at, start, end))


def sla(*, start: Instant, end: Instant, now: Instant, cut: Slice) -> Select[Any]:
    """Rows (target, achieved, breached) for the commitments decided in the period."""
    row = IncidentTarget
    decided = commitments.decided_at(now)
    return (
        select(
            row.target,
            func.sum(commitments.kept_flag(now)).label("achieved"),
            func.sum(commitments.broken_flag(now)).label("breached"),
        )
        .join(Incident, row.incident_id == Incident.id)
        .where(
            cut.targets_where(),
            # The indexed prefilter; `decided` then puts each commitment in exactly one period.
            commitments.touching(start, end),
            _within(decided, start, end),
        )
        .group_by(row.target)
    )
