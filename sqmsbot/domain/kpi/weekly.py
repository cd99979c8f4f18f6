"""Monday's weekly report: last week against the 4 weeks before it, its top causes, what moved, and
the people whose work the team should recognise.

- **The week** is the last ISO week (Monday to Sunday, local days of the department's zone); its KPIs
  come with the week before (`report.previous`) and the 4 weeks before it (`baseline`, whose counts
  the presenter divides into a weekly average).
- **Top causes**: the 5 categories with most incidents reported in the week.
- **Recognition**: among the people who resolved at least `MIN_RESOLVED` of the department's
  incidents in the week and kept at least `recognition_bar` of their commitments decided in the
  week, the best by that attainment, then by first-contact resolution, then by the number resolved.
  A minimum keeps one lucky ticket from topping the list; attainment comes first because it is the
  promise to the customer. It is recognition material, never a ranking of the rest: only the top
  `RECOGNISED` who clear the bar are named, and a week where nobody does names nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sqmsbot.config import Department, OrgConfig
from sqmsbot.domain.kpi import commitments
from sqmsbot.domain.kpi.digest import local_today
from sqmsbot.domain.kpi.engine import compute, figures
from sqmsbot.domain.kpi.movers import Mover, movers
from sqmsbot.domain.kpi.period import Period
from sqmsbot.domain.kpi.report import Figures, KpiReport
from sqmsbot.domain.kpi.series import causes
from sqmsbot.domain.kpi.slice import Slice
from sqmsbot.models import Incident, IncidentTarget, Person

BASELINE_WEEKS = 4
TOP_CAUSES = 5
MIN_RESOLVED = 3
RECOGNISED = 3
RECOGNITION_BAR = 0.9
"""The SLA attainment a person's week must reach to be named (the organisation's target if higher):
recognition names good work; it never lists the rest of the team by their figures (DESIGN §9)."""


@dataclass(frozen=True)
class Performer:
    """One person's week: incidents resolved, at first contact, and their commitments kept/decided."""

    person: Person
    resolved: int
    fcr: int
    kept: int
    decided: int

    @property
    def attainment(self) -> float | None:
        return self.kept / self.decided if self.decided else None

    @property
    def fcr_rate(self) -> float:
        return self.fcr / self.resolved if self.resolved else 0.0


@dataclass(frozen=True)
class WeeklyReport:
    department: Department
    now: datetime
    report: KpiReport
    baseline: Figures
    baseline_period: Period
    causes: list[tuple[str, int]] = field(default_factory=list)
    movers: list[Mover] = field(default_factory=list)
    recognised: list[Performer] = field(default_factory=list)

    @property
    def week(self) -> Period:
        return self.report.period

    @property
    def quiet(self) -> bool:
        current = self.report.current
        return not (current.reported or current.resolved or current.backlog)


def recognition_bar(org: OrgConfig) -> float:
    """The attainment a week must reach to be recognised: `RECOGNITION_BAR`, or the target if higher."""
    return max(RECOGNITION_BAR, org.kpi_targets.sla_attainment or 0.0)


def last_week(now: datetime, tz: str) -> Period:
    """The ISO week before the one holding `now`'s local day."""
    return Period.week(local_today(now, tz) - timedelta(days=7), tz)


def gather_week(session: Session, *, department: Department, org: OrgConfig, now: datetime) -> WeeklyReport:
    """Everything the weekly report says, as of `now` (Monday morning)."""
    tz = department.timezone
    week = last_week(now, tz)
    baseline = Period.range(
        week.start - timedelta(days=7 * BASELINE_WEEKS), week.start - timedelta(days=1), tz
    )
    cut = Slice(department=department.key)
    return WeeklyReport(
        department=department,
        now=now,
        report=compute(session, period=week, slice=cut, org=org, now=now),
        baseline=figures(session, period=baseline, cut=cut, now=now),
        baseline_period=baseline,
        causes=causes(session, period=week, slice=cut)[:TOP_CAUSES],
        movers=movers(session, period=week, slice=cut, now=now),
        recognised=[
            p
            for p in performers(session, department=department.key, period=week, now=now)
            if p.attainment is not None and p.attainment >= recognition_bar(org)
        ][:RECOGNISED],
    )


def performers(session: Session, *, department: str, period: Period, now: datetime) -> list[Performer]:
    """The people who resolved at least `MIN_RESOLVED` of the department's incidents in `period`, best
    first (see the module docstring). Two grouped statements and one read of the people named."""
    start, end = period.from_, period.to
    resolved = {
        person_id: (int(n), int(fcr or 0))
        for person_id, n, fcr in session.execute(
            select(
                Incident.assignee_id,
                func.count(),
                func.sum(case((Incident.first_contact_resolution.is_(True), 1), else_=0)),
            )
            .where(
                Incident.department == department,
                Incident.resolved_at >= start,
                Incident.resolved_at < end,
                Incident.assignee_id.is_not(None),
            )
            .group_by(Incident.assignee_id)
        ).tuples()
        if person_id is not None and n >= MIN_RESOLVED
    }
    if not resolved:
        return []
    decided = commitments.decided_at(now)
    sla = {
        person_id: (int(kept or 0), int(kept or 0) + int(broke or 0))
        for person_id, kept, broke in session.execute(
            select(
                Incident.assignee_id,
                func.sum(commitments.kept_flag(now)),
                func.sum(commitments.broken_flag(now)),
            )
            .join(Incident, IncidentTarget.incident_id == Incident.id)
            .where(
                IncidentTarget.department == department,
                Incident.assignee_id.in_(resolved),
                commitments.touching(start, end),
                decided >= start,
                decided < end,
            )
            .group_by(Incident.assignee_id)
        ).tuples()
    }
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(resolved)))}
    found = [
        Performer(
            person=people[pid],
            resolved=n,
            fcr=fcr,
            kept=sla.get(pid, (0, 0))[0],
            decided=sla.get(pid, (0, 0))[1],
        )
        for pid, (n, fcr) in resolved.items()
        if pid in people
    ]

    def rank(p: Performer) -> tuple[float, float, int, str]:
        attainment = p.attainment if p.attainment is not None else -1.0
        return (-attainment, -p.fcr_rate, -p.resolved, p.person.display_name)

    return sorted(found, key=rank)
