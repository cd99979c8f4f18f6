"""Who and where a notification reaches, and the language and time zone they read in.

Where it goes is decided here and only here (DESIGN §5): a person on their own platform, a
department in its home channel among the served platforms (`Department.home`). Commands and jobs
alike ask this module, so a card reported on one platform and an alert from a job land in the same
channel.
"""

from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sqmsbot.config import OrgConfig
from sqmsbot.domain.people import people_in, timezone_of
from sqmsbot.i18n import Translator
from sqmsbot.models import Person
from sqmsbot.outbox import Channel

log = logging.getLogger(__name__)

QUALITY_DEPARTMENT = "quality"


class Roster:
    """Who holds which role, read once per unit of work: a watch tick alerting fifty incidents of one
    department asks the database once, not fifty times. People do not change within one tick."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._found: dict[tuple[tuple[str, ...], str, tuple[str, ...]], list[Person]] = {}

    def department(
        self, *, platforms: tuple[str, ...], department: str, roles: tuple[str, ...]
    ) -> list[Person]:
        """People of a department holding one of the roles, most senior first (on any served platform)."""
        key = (platforms, department, roles)
        if key not in self._found:
            self._found[key] = people_in(
                self.session, platforms=platforms, department=department, roles=roles
            )
        return self._found[key]

    def quality(self, *, platforms: tuple[str, ...]) -> list[Person]:
        """The quality team: the quality department and anyone with the quality role."""
        key = (platforms, "", ("quality",))
        if key not in self._found:
            self._found[key] = list(
                self.session.scalars(
                    select(Person)
                    .where(
                        Person.platform.in_(platforms),
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


def department_channel(org: OrgConfig, department: str, platforms: tuple[str, ...]) -> Channel | None:
    """Where a department's cards go among the served platforms; None (and a log line) when it has
    no channel on any of them."""
    dept = org.department(department)
    home = dept.home(platforms) if dept else None
    if home is None:
        log.warning(
            "department %r has no channel on %s in the organisation file: not posting there",
            department,
            ", ".join(platforms),
        )
        return None
    return Channel(*home)
