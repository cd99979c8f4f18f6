"""Who may read which KPIs: the rule lives here, beside the figures, not in each command.

Anyone may read their own department's KPIs and the organisation's totals (an aggregate names no
incident and no person); another department's figures are for the roles that answer across teams —
lead, manager, quality and admin — as leads and managers compare teams and quality audits them all.
"""

from __future__ import annotations

from sqmsbot.errors import Forbidden
from sqmsbot.models import Person

CROSS_DEPARTMENT_ROLES = ("lead", "manager", "quality", "admin")


def may_see(person: Person, *, department: str | None) -> bool:
    """Whether `person` may read the KPIs of `department` (None: the whole organisation)."""
    return department is None or department == person.department or person.role in CROSS_DEPARTMENT_ROLES


def require_may_see(person: Person, *, department: str | None) -> None:
    """Refuse, with a translated reason, another department's KPIs to a member."""
    if not may_see(person, department=department):
        raise Forbidden("errors.kpi_other_department", roles=", ".join(CROSS_DEPARTMENT_ROLES))


def require_may_list(person: Person, *, department: str | None) -> None:
    """Refuse a list of incidents (refs and titles: `/kpi breaches`) a person may not read. Unlike an
    aggregate, the organisation's list names every department's incidents, so it is for the roles
    that answer across teams; a department's own list is for its people, as for its figures."""
    if department is None and person.role not in CROSS_DEPARTMENT_ROLES:
        raise Forbidden("errors.kpi_org_list", roles=", ".join(CROSS_DEPARTMENT_ROLES))
    require_may_see(person, department=department)
