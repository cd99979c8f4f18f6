"""An imported ticket's commitment clocks (`incident_targets`), from the organisation's SLA policies.

The commitments are ours, not the source system's: each target of the policy for the ticket's
service and priority (sqmsbot.config_sla) is started at the report and counted in its calendar's
business time with the ticket's pauses left out, exactly as sqmsbot.domain.sla counts a native
incident's, and met at the instant the history says:
- acknowledge: at `acknowledged_at`;
- first_response: at the first thing the customer noticed, a wait on them or a resolution (the export
  has no notes to count);
- resolve: at the last resolution; the time between a resolution and a reopen does not count
  (reopening continues the clock), nor do waits on the customer.

So an imported history's SLA attainment reads the same as the bot's own from the day it starts, and a
change of policy can be replayed by importing again. ServiceNow's `made_sla` is not used: it
measures the source system's own SLA definitions, which are not the commitments in `sqmsbot.toml`.

A target is written only when the history decides it or it is still running: an acknowledge target
of a ticket the file says was worked on without saying when (Jira, Zendesk) is unknown, not missed.
An unmet target's breach is judged by its due time against the time of reading, as the KPI engine
does (`due_at` < now), so re-importing a file later changes nothing; `breached_at` is recorded when
a target was met late. Imported clocks are history: they carry no checkpoints, and the `sla_watch` job
sends no warnings or alerts for them (`next_check_at` is empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqmsbot.calendar import BusinessCalendar
from sqmsbot.config import OrgConfig
from sqmsbot.domain.sla_clock import stops
from sqmsbot.importing.clocks import DueClock
from sqmsbot.importing.tickets import DONE, OPEN, Ticket


@dataclass(frozen=True, slots=True)
class TargetRow:
    target: str
    policy: str
    calendar: str
    target_seconds: int
    started_at: datetime
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None


def _met(ticket: Ticket, target: str) -> tuple[bool, datetime | None]:
    """(is the outcome known, when it was met)."""
    if target == "acknowledge":
        return ticket.acknowledged_at is not None or ticket.status == "new", ticket.acknowledged_at
    if target == "first_response":
        known = ticket.first_response_at is not None or ticket.status in ("new", "acknowledged")
        return known, ticket.first_response_at
    resolved = ticket.resolved_at if ticket.status in DONE else None
    return resolved is not None or ticket.status in OPEN, resolved


@dataclass(frozen=True)
class _Policy:
    key: str
    calendar_key: str
    calendar: BusinessCalendar
    durations: tuple[tuple[str, timedelta], ...]


class Commitments:
    """The organisation's policies, looked up once per service and priority (an import asks for the
    same few thousands of times)."""

    def __init__(self, org: OrgConfig) -> None:
        self.org = org
        self.clock = DueClock()
        self._policies: dict[tuple[str, str], _Policy | None] = {}

    def _policy(self, service: str, priority: str) -> _Policy | None:
        key = (service, priority)
        if key not in self._policies:
            policy = self.org.sla.policy_for(service, priority)
            if policy is None:
                self._policies[key] = None
            else:
                durations = tuple(
                    (target, duration)
                    for target in policy.targets()
                    if (duration := self.org.sla.target_duration(policy, target)) is not None
                )
                calendar = self.org.sla.calendar(policy.calendar).calendar
                self._policies[key] = _Policy(policy.key, policy.calendar, calendar, durations)
        return self._policies[key]

    def rows(self, ticket: Ticket, *, service: str) -> list[TargetRow]:
        """The ticket's commitment clocks (see the module docstring)."""
        policy = self._policy(service, ticket.priority)
        if policy is None:
            return []
        paused = stops(ticket.events)
        rows = []
        for target, duration in policy.durations:
            known, met_at = _met(ticket, target)
            if not known:
                continue
            # A met target's due time is the one in force when it was met: the stops finished by then.
            pauses = [p for p in paused if met_at is None or (p[1] is not None and p[1] <= met_at)]
            try:
                due = self.clock.due(
                    policy.calendar, start=ticket.reported_at, duration=duration, pauses=pauses
                )
            except ValueError:  # a calendar without working time: no due time can be told
                due = None
            late = met_at is not None and due is not None and due < met_at
            rows.append(
                TargetRow(
                    target=target,
                    policy=policy.key,
                    calendar=policy.calendar_key,
                    target_seconds=int(duration.total_seconds()),
                    started_at=ticket.reported_at,
                    due_at=due,
                    met_at=met_at,
                    breached_at=due if late else None,
                )
            )
        return rows
