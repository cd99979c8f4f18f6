"""The language and time zone a channel or a person reads in."""

from __future__ import annotations

import logging

from sqmsbot.config import OrgConfig
from sqmsbot.i18n import Translator
from sqmsbot.models import Person

log = logging.getLogger(__name__)


def person_locale(person: Person, org: OrgConfig) -> str:
    return person.locale or org.default_locale


def person_timezone(person: Person, org: OrgConfig) -> str:
    if person.timezone:
        return person.timezone
    dept = org.department(person.department) if person.department else None
    return dept.timezone if dept else org.timezone


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
