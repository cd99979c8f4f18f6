"""Which incidents a KPI report counts: every dimension optional, all given ones must match."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, and_, true

from sqmsbot.models import Incident, IncidentTarget


@dataclass(frozen=True)
class Slice:
    """A cut of the incidents: the owning department, service, priority, category, owner (assignee id).

    The department is the one owning the incident now (a transfer moves its history with it), which is
    the team a manager answers for.
    """

    department: str | None = None
    service: str | None = None
    priority: str | None = None
    category: str | None = None
    owner: int | None = None

    def where(self) -> ColumnElement[bool]:
        """The slice as a condition on `incidents`."""
        clauses: list[ColumnElement[bool]] = []
        if self.department is not None:
            clauses.append(Incident.department == self.department)
        if self.service is not None:
            clauses.append(Incident.service == self.service)
        if self.priority is not None:
            clauses.append(Incident.priority == self.priority)
        if self.category is not None:
            clauses.append(Incident.category == self.category)
        if self.owner is not None:
            clauses.append(Incident.assignee_id == self.owner)
        return and_(*clauses) if clauses else true()

    def targets_where(self) -> ColumnElement[bool]:
        """The slice as a condition on `incident_targets` joined to `incidents`: the department on the
        clock itself (indexed with each instant: one department's window is read alone), the other
        dimensions on the incident."""
        if self.department is None:
            return self.where()
        others = replace(self, department=None)
        return and_(IncidentTarget.department == self.department, others.where())
