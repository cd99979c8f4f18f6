"""The `[sla]` section of the organisation file: calendars and the public service commitments.

A commitment is a policy per service (or "*", the default for every service) and priority: targets for
`acknowledge`, `first_response` and `resolve` written as business-time durations ("30m", "4h", "1d"),
the calendar they count in, warn thresholds as fractions of the target, the escalation chain after a
breach, and the remedy promised to the customer when it is missed. Everything is checked at start-up so a
commitment that could never be computed stops the bot with the key named, not an incident months later.

A day in a duration ("1d") is one working day of the target's calendar, not 24 hours: "resolve within one
working day" is how commitments are written. Its length is the calendar's `day_hours`, by default the
hours of its first working weekday (24 on a 24×7 calendar).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from sqmsbot.calendar import BusinessCalendar
from sqmsbot.vocabulary import PRIORITIES, Priority

TARGETS = ("acknowledge", "first_response", "resolve")
ESCALATION_ROLES = ("owner", "lead", "manager", "quality")
ANY_SERVICE = "*"
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")

Target = Literal["acknowledge", "first_response", "resolve"]


def parse_duration(text: str, *, day: timedelta = timedelta(days=1)) -> timedelta:
    """`30m`, `4h`, `1d`, `1d4h`, `2h30m`; a day is `day` long (a working day in business time)."""
    match = _DURATION.match(text)
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration such as '30m', '4h', '1d' or '2h30m'")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return days * day + timedelta(hours=hours, minutes=minutes)


def _check_duration(value: str) -> str:
    parse_duration(value)
    return value.strip()


class CalendarConfig(BaseModel):
    """When an SLA clock runs: a time zone, weekly hours (or 24×7), and the days off and extra workdays."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    timezone: str
    hours: str | list[str] | dict[str, str | list[str]] | None = None
    holidays: str | None = Field(default=None, description="holidays package country code, e.g. CN")
    holidays_subdiv: str | None = None
    custom_holidays: list[date] = Field(default_factory=list)
    custom_workdays: list[date] = Field(default_factory=list)
    always_open: bool = False
    day_hours: float | None = Field(default=None, gt=0, le=24)
    _calendar: BusinessCalendar = PrivateAttr()

    @model_validator(mode="after")
    def _build(self) -> CalendarConfig:
        self._calendar = BusinessCalendar.from_spec(
            timezone=self.timezone,
            hours=self.hours,
            holidays_country=self.holidays,
            holidays_subdiv=self.holidays_subdiv,
            custom_holidays=self.custom_holidays,
            custom_workdays=self.custom_workdays,
            always_open=self.always_open,
        )
        return self

    @property
    def calendar(self) -> BusinessCalendar:
        return self._calendar

    @property
    def working_day(self) -> timedelta:
        """What "1d" means on this calendar."""
        if self.day_hours is not None:
            return timedelta(hours=self.day_hours)
        if self.always_open:
            return timedelta(days=1)
        spans = next(spans for spans in self._calendar.weekly if spans) if any(self._calendar.weekly) else ()
        minutes = sum(span.end - span.start for span in spans)
        return timedelta(minutes=minutes) if minutes else timedelta(hours=8)


class EscalationStep(BaseModel):
    """Who is told next about a breach, and how long after the breach (in the target's business time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Literal["owner", "lead", "manager", "quality"]
    after: str = "0m"

    _after = field_validator("after")(_check_duration)


class Remedy(BaseModel):
    """What the customer is promised when the commitment is missed; a plain string serves every language."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str = Field(min_length=1, max_length=300)
    zh_CN: str | None = Field(default=None, min_length=1, max_length=300)

    def get(self, locale: str) -> str:
        return self.zh_CN if locale == "zh_CN" and self.zh_CN else self.en


def _remedy(value: Any) -> Any:
    return {"en": value} if isinstance(value, str) else value


def _warn_default() -> list[float]:
    return [0.5, 0.75, 0.9]


class Policy(BaseModel):
    """One commitment: a service (or "*") and priority, its targets and what happens around them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    service: str = Field(pattern=r"^(\*|[a-z0-9][a-z0-9_-]{0,31})$")
    priority: Priority
    calendar: str
    acknowledge: str | None = None
    first_response: str | None = None
    resolve: str | None = None
    warn: list[float] = Field(default_factory=_warn_default, max_length=5)
    escalation: list[EscalationStep] = Field(default_factory=list, max_length=6)
    remedy: Remedy | None = None

    _remedy = field_validator("remedy", mode="before")(_remedy)

    @field_validator("acknowledge", "first_response", "resolve")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        return None if value is None else _check_duration(value)

    @field_validator("warn")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if any(not 0 < f < 1 for f in value):
            raise ValueError("warn thresholds are fractions of the target between 0 and 1, e.g. [0.5, 0.75]")
        if len(set(value)) != len(value):
            raise ValueError("warn thresholds are given twice")
        return sorted(value)

    @model_validator(mode="after")
    def _some_target(self) -> Policy:
        if not any(getattr(self, target) for target in TARGETS):
            raise ValueError("a policy needs at least one of acknowledge, first_response, resolve")
        return self

    @property
    def key(self) -> str:
        return f"{self.service}/{self.priority}"

    def targets(self) -> dict[str, str]:
        """The targets this policy sets, in lifecycle order, as their durations."""
        return {target: text for target in TARGETS if (text := getattr(self, target))}


class SlaConfig(BaseModel):
    """Calendars by key, and the policies; empty means no commitments (and no clocks)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    calendars: dict[str, CalendarConfig] = Field(default_factory=dict)
    policies: list[Policy] = Field(default_factory=list)

    @field_validator("calendars")
    @classmethod
    def _calendar_keys(cls, value: dict[str, CalendarConfig]) -> dict[str, CalendarConfig]:
        for key in value:
            if not re.match(r"^[a-z0-9][a-z0-9_-]{0,31}$", key):
                raise ValueError(f"calendar key {key!r} must be lower-case letters, digits, - or _")
        return value

    @model_validator(mode="after")
    def _references(self) -> SlaConfig:
        # Messages start with the exact key: load_org_config shows "sla.policies[2].calendar: …".
        seen: dict[str, int] = {}
        for index, policy in enumerate(self.policies):
            where = f"sla.policies[{index}]"
            if policy.calendar not in self.calendars:
                known = ", ".join(sorted(self.calendars)) or "none are defined under [sla.calendars]"
                raise ValueError(
                    f"{where}.calendar: calendar {policy.calendar!r} is not defined (calendars: {known})"
                )
            if policy.key in seen:
                raise ValueError(
                    f"{where}: {policy.key} is given twice (also sla.policies[{seen[policy.key]}])"
                )
            seen[policy.key] = index
        if self.policies:
            missing = [p for p in PRIORITIES if f"{ANY_SERVICE}/{p}" not in seen]
            if missing:
                raise ValueError(
                    f'sla.policies: the default policy (service = "*") is missing for {", ".join(missing)}; '
                    "every incident needs a commitment"
                )
        return self

    def check_services(self, services: set[str]) -> None:
        """Policies may only name services the organisation has (called by OrgConfig)."""
        for index, policy in enumerate(self.policies):
            if policy.service != ANY_SERVICE and policy.service not in services:
                raise ValueError(
                    f"sla.policies[{index}].service: service {policy.service!r} is not one of "
                    f'{", ".join(sorted(services))} (or "*" for the default)'
                )

    @cached_property
    def policy_by_key(self) -> dict[str, Policy]:
        return {policy.key: policy for policy in self.policies}

    def policy_for(self, service: str, priority: str) -> Policy | None:
        """The service's own policy for the priority, else the default; None when there are no policies."""
        return self.policy_by_key.get(f"{service}/{priority}") or self.policy_by_key.get(
            f"{ANY_SERVICE}/{priority}"
        )

    def calendar(self, key: str) -> CalendarConfig:
        return self.calendars[key]

    def target_duration(self, policy: Policy, target: str) -> timedelta | None:
        text = policy.targets().get(target)
        if text is None:
            return None
        return parse_duration(text, day=self.calendars[policy.calendar].working_day)

    def escalation_delays(self, policy: Policy) -> list[tuple[str, timedelta]]:
        day = self.calendars[policy.calendar].working_day
        return [(step.role, parse_duration(step.after, day=day)) for step in policy.escalation]
