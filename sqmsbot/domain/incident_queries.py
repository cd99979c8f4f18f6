"""Finding incidents: the lists people ask for in chat, paginated."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session

from sqmsbot.domain.incident_workflow import OPEN_STATUSES, is_quality
from sqmsbot.errors import UsageError
from sqmsbot.models import Incident, IncidentInvolvement, Person

PAGE_SIZE = 10


@dataclass(frozen=True)
class Page:
    items: list[Incident]
    total: int
    page: int
    pages: int


def list_incidents(
    session: Session,
    *,
    actor: Person,
    scope: str,
    status: str | None = None,
    priority: str | None = None,
    service: str | None = None,
    department: str | None = None,
    text: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page:
    """`scope`: mine (reported by or assigned to me), dept (a department's), all.

    `text` finds incidents whose title says it, or whose description does where the actor may read
    descriptions (a search must not tell an outsider what a description they cannot see contains).
    """
    query: Select[tuple[Incident]] = select(Incident)
    if text:
        query = query.where(_mentions(text, actor))
    if scope == "mine":
        query = query.where(or_(Incident.reporter_id == actor.id, Incident.assignee_id == actor.id))
    elif scope == "dept":
        dept = department or actor.department
        if dept is None:
            raise UsageError("errors.no_department")
        query = query.where(Incident.department == dept)
    if department and scope != "dept":
        query = query.where(Incident.department == department)
    if status == "open":
        query = query.where(Incident.status.in_(OPEN_STATUSES))
    elif status:
        query = query.where(Incident.status == status)
    if priority:
        query = query.where(Incident.priority == priority)
    if service:
        query = query.where(Incident.service == service)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // page_size))
    if page > pages and total:
        raise UsageError("errors.no_such_page", page=page, pages=pages)
    items = session.scalars(
        query.order_by(Incident.priority, Incident.id.desc()).offset((page - 1) * page_size).limit(page_size)
    ).unique()
    return Page(items=list(items), total=total, page=page, pages=pages)


def _mentions(text: str, actor: Person) -> ColumnElement[bool]:
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    in_description = Incident.description.ilike(pattern, escape="\\")
    return or_(Incident.title.ilike(pattern, escape="\\"), and_(in_description, _reads_descriptions(actor)))


def _reads_descriptions(actor: Person) -> ColumnElement[bool]:
    """`incident_workflow.can_see_customer` as SQL."""
    if is_quality(actor):
        return true()
    involved = select(IncidentInvolvement.incident_id).where(
        IncidentInvolvement.department == actor.department
    )
    clauses = [Incident.reporter_id == actor.id, Incident.assignee_id == actor.id]
    if actor.department is not None:
        clauses += [Incident.department == actor.department, Incident.id.in_(involved)]
    return or_(*clauses)
