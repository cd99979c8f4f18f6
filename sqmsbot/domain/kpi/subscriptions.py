"""Private copies of a department's morning digest: who asked for one (`/kpi subscribe`).

Anyone who may read a department's figures (sqmsbot.domain.kpi.access) may take a copy; the copy
comes by private message in the reader's own language, at the department's digest time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sqmsbot.domain.kpi.access import may_see, require_may_see
from sqmsbot.models import DigestSubscription, Person


def subscribe(session: Session, *, person: Person, department: str, now: datetime) -> bool:
    """Start the copies; False when they were already on. Refused (NotAllowed) for a department the
    person may not read."""
    require_may_see(person, department=department)
    if session.get(DigestSubscription, (person.id, department)) is not None:
        return False
    session.add(DigestSubscription(person_id=person.id, department=department, created_at=now))
    session.flush()
    return True


def unsubscribe(session: Session, *, person: Person, department: str) -> bool:
    """Stop the copies; False when there were none."""
    result = session.execute(
        delete(DigestSubscription).where(
            DigestSubscription.person_id == person.id, DigestSubscription.department == department
        )
    )
    return bool(getattr(result, "rowcount", 0))


def subscribed(session: Session, *, person: Person) -> list[str]:
    """The departments whose digest the person receives privately, by key."""
    return list(
        session.scalars(
            select(DigestSubscription.department)
            .where(DigestSubscription.person_id == person.id)
            .order_by(DigestSubscription.department)
        )
    )


def subscribers(session: Session, *, department: str) -> list[Person]:
    """Who receives the department's digest privately, still allowed to read it (a person who moved
    to another team keeps no copy of the old team's figures)."""
    people = session.scalars(
        select(Person)
        .join(DigestSubscription, DigestSubscription.person_id == Person.id)
        .where(DigestSubscription.department == department)
        .order_by(Person.id)
    )
    return [person for person in people if may_see(person, department=department)]
