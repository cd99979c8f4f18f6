"""The language and time zone a channel or a person reads in."""

from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain.people import people_in, timezone_of
from sqmsbot.i18n import Translator
from sqmsbot.models import Person

log = logging.getLogger(__name__)

QUALITY_DEPARTMENT = "quality"


class Roster:
    """Who holds which role, read once per unit of work: a watch tick alerting fifty incidents of one
    department asks the database once, not fifty times. People do not change within one tick."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._found: dict[tuple[str, str, tuple[str, ...]], list[Person]] = {}

    def department(self, *, platform: str, department: str, roles: tuple[str, ...]) -> list[Person]:
        """People of a department holding one of the roles, most senior first."""
        key = (platform, department, roles)
        if key not in self._found:
            self._found[key] = people_in(self.session, platform=platform, department=department, roles=roles)
        return self._found[key]

    def quality(self, *, platform: str) -> list[Person]:
        """The quality team: the quality department and anyone with the quality role."""
        key = (platform, "", ("quality",))
        if key not in self._found:
            self._found[key] = list(
                self.session.scalars(
                    select(Person)
                    .where(
                        Person.platform == platform,
                        or_(Person.role == "quality", Person.department == QUALITY_DEPARTMENT),
                    )
                    .order_by(Person.id)
                )
            )
        return self._found[key]


def person_locale(person: Person, org: OrgConfig) -> str:
    return person.locale or org.default_locale


def person_timezone(person: Person, org: OrgConfig) -> str:
    return timezone_of(person, org)


def channel_translator(org: OrgConfig, department: str) -> tuple[Translator, str]:
    """A department channel reads in the department's language and time zone."""
    dept = org.department(department)
    if dept is None:
        return Translator(org.default_locale), org.timezone
    return Translator(dept.locale), dept.timezone


def department_channel(org: OrgConfig, department: str, platform: str) -> str | None:
    """Where a department's cards go on a platform; None (and a log line) when it has no channel there."""
    dept = org.department(department)
    channel = dept.channel(platform) if dept else None
    if channel is None:
        log.warning(
            "department %r has no %s channel in the organisation file: not posting there",
            department,
            platform,
        )
    return channel
