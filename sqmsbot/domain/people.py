"""People: who is acting, who is mentioned, their role, department and language."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.errors import Forbidden, NotFound, UsageError
from sqmsbot.locales import LOCALES
from sqmsbot.models import Person
from sqmsbot.ports import PeopleDirectory
from sqmsbot.vocabulary import ROLES

MENTION = re.compile(r"^<@([^<>|\s]{1,64})(?:\|[^<>]*)?>$")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def resolve_actor(
    session: Session,
    *,
    org: OrgConfig,
    platform: str,
    user_id: str,
    now: datetime,
    directory: PeopleDirectory,
    display_name: str | None = None,
    locale: str | None = None,
) -> Person:
    """The Person behind a platform user; someone seen for the first time becomes a member."""
    person = _find(session, platform=platform, user_id=user_id)
    if person is None:
        profile = directory.profile(user_id)
        person = Person(
            platform=platform,
            platform_user_id=user_id,
            display_name=(profile.display_name if profile else None) or display_name or user_id,
            role="member",
            locale=(profile.locale if profile else None) or locale,
            timezone=profile.timezone if profile else None,
            created_at=now,
        )
        session.add(person)
    if f"{platform}:{user_id}" in org.admins and person.role != "admin":
        person.role = "admin"
    session.flush()
    return person


def person_from_ref(
    session: Session, *, platform: str, ref: str, now: datetime, directory: PeopleDirectory
) -> Person:
    """The person a `<@id>` mention (or a plain console name) refers to."""
    match = MENTION.match(ref.strip())
    user_id = match.group(1) if match else ref.strip().lstrip("@")
    if not user_id or len(user_id) > 64:
        raise UsageError("errors.bad_person_ref", ref=ref[:40])
    person = _find(session, platform=platform, user_id=user_id)
    if person is not None:
        return person
    profile = directory.profile(user_id)
    if profile is None:
        raise NotFound("errors.unknown_person", ref=user_id[:40])
    person = Person(
        platform=platform,
        platform_user_id=user_id,
        display_name=profile.display_name,
        role="member",
        locale=profile.locale,
        timezone=profile.timezone,
        created_at=now,
    )
    session.add(person)
    session.flush()
    return person


def _find(session: Session, *, platform: str, user_id: str) -> Person | None:
    return session.scalar(
        select(Person).where(Person.platform == platform, Person.platform_user_id == user_id)
    )


def has_role(person: Person, *roles: str) -> bool:
    return person.role in roles


def require_role(person: Person, *roles: str) -> None:
    if person.role not in roles:
        raise Forbidden("errors.role_required", roles=", ".join(roles))


def set_role(session: Session, *, actor: Person, subject: Person, role: str) -> str:
    """An admin gives someone a role; returns the old one."""
    require_role(actor, "admin")
    if role not in ROLES:
        raise UsageError("errors.invalid_choice", field="role", value=role[:40], choices=", ".join(ROLES))
    if subject.id == actor.id and role != "admin":
        raise Forbidden("errors.cannot_demote_self")
    old = subject.role
    subject.role = role
    session.flush()
    return old


def set_department(
    session: Session, *, actor: Person, subject: Person, org: OrgConfig, department: str
) -> None:
    require_role(actor, "admin")
    if org.department(department) is None:
        raise NotFound(
            "errors.unknown_department",
            department=department[:40],
            choices=", ".join(sorted(org.department_by_key)),
        )
    subject.department = department
    session.flush()


def set_locale(session: Session, *, person: Person, locale: str) -> None:
    if locale not in LOCALES:
        raise UsageError(
            "errors.invalid_choice", field="language", value=locale[:40], choices=", ".join(LOCALES)
        )
    person.locale = locale
    session.flush()


def timezone_of(person: Person, org: OrgConfig) -> str:
    """The zone a person reads times in: their own, else their department's, else the organisation's."""
    if person.timezone:
        return person.timezone
    dept = org.department(person.department) if person.department else None
    return dept.timezone if dept else org.timezone


def platforms_in_use(session: Session) -> list[str]:
    """The platforms the store knows people on (a process serving fewer would not reach them all)."""
    return sorted(session.scalars(select(Person.platform).distinct()))


def people_in(
    session: Session, *, platforms: tuple[str, ...], department: str, roles: tuple[str, ...]
) -> list[Person]:
    """People of a department holding one of the roles on any of `platforms`, most senior first."""
    people = session.scalars(
        select(Person).where(
            Person.platform.in_(platforms), Person.department == department, Person.role.in_(roles)
        )
    ).all()
    return sorted(people, key=lambda p: (-ROLE_RANK[p.role], p.id))


PEOPLE_LISTED = 200
"""At most this many in one `/sq people` reply: a chat reply is not a staff directory export."""


def listed(
    session: Session, *, platform: str, department: str | None = None, limit: int = PEOPLE_LISTED
) -> list[Person]:
    """Who is here on `platform` (in `department`, if given), grouped by department then by name, so
    people know whom to assign or mention; those without a department come last.

    NULLS LAST is spelled out: SQLite and PostgreSQL disagree on where a NULL department sorts, and
    the list must read the same on both.
    """
    query = (
        select(Person)
        .where(Person.platform == platform)
        .order_by(Person.department.nulls_last(), Person.display_name)
    )
    if department is not None:
        query = query.where(Person.department == department)
    return list(session.scalars(query.limit(limit)).all())


def sandbox_person(
    session: Session,
    *,
    org: OrgConfig,
    platform: str,
    name: str,
    now: datetime,
    role: str | None = None,
    department: str | None = None,
) -> Person:
    """The console is a local sandbox: anyone may be anyone, with any role (`:as NAME ROLE DEPT`)."""
    if role is not None and role not in ROLES:
        raise UsageError("errors.invalid_choice", field="role", value=role[:40], choices=", ".join(ROLES))
    if department is not None and org.department(department) is None:
        raise NotFound(
            "errors.unknown_department", department=department[:40], choices=", ".join(org.department_by_key)
        )
    person = _find(session, platform=platform, user_id=name)
    if person is None:
        person = Person(
            platform=platform, platform_user_id=name, display_name=name, role="member", created_at=now
        )
        session.add(person)
    if role is not None:
        person.role = role
    if department is not None:
        person.department = department
    if f"{platform}:{name}" in org.admins and role is None:
        person.role = "admin"
    session.flush()
    return person
