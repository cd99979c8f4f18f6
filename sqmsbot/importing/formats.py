"""The export formats: which column holds which field, and what their values mean in ours.

Every format is described by the same canonical fields (the `generic` format's own column names, see
FIELDS); a format says, for each, the headers it may be under (the first one present in the file is
used) and which fields must be there. Values are compared folded (NFKC, case and runs of spaces
ignored), so `1 - Critical`, `1 - CRITICAL` and `１ - Critical` are one priority.

Defaults chosen here (README "Importing historical tickets" says the same):
- ServiceNow's `Awaiting …` states (User Info, Vendor, Problem, Evidence) are waits on the customer
  side: the clocks pause, as `/incident wait` pauses them. `--map` can say otherwise per state.
- A contact type / channel is where the incident came from: customer channels are `complaint`,
  ServiceNow's `Direct opening` (staff opened it) is `internal`; any other value is `complaint` and
  is listed as not mapped.
- Day-first or month-first when a file's dates never tell (every day ≤ 12): ServiceNow (the UCI
  event log and most non-US instances) and `generic` are day-first, Jira and Zendesk (US defaults)
  month-first. `--date-format` overrides it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqmsbot.importing.dates import DateOrder

FIELDS = (
    "external_id",
    "title",
    "description",
    "reported_at",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "priority",
    "service",
    "category",
    "department",
    "reporter",
    "customer",
    "assignee",
    "status",
    "source",
    "first_contact_resolution",
    "reopen_count",
    "reassignment_count",
    "mod_count",
)
"""Every field a ticket is read from; the `generic` format's columns are these names."""

DATE_FIELDS = ("reported_at", "acknowledged_at", "resolved_at", "closed_at", "updated_at")


def fold(text: str) -> str:
    """How values and headers are compared: NFKC, case-folded, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class Format:
    """One export format (see the module docstring)."""

    name: str
    event_log: bool  # one row per update (grouped by ticket), else one row per ticket
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    priorities: Mapping[str, str]
    statuses: Mapping[str, str]
    sources: Mapping[str, str] = field(default_factory=dict)
    default_source: str = "complaint"
    date_order: DateOrder = "dayfirst"
    empty: tuple[str, ...] = ()  # values that mean "nothing" (ServiceNow writes `?`)
    waiting_prefixes: tuple[str, ...] = ()  # folded state prefixes that mean waiting

    def priority(self, value: str) -> str | None:
        """P1–P4 for a folded value of this format (our own `P1`…`P4` are always understood)."""
        return self.priorities.get(value) or OUR_PRIORITIES.get(value)

    def status(self, value: str) -> str | None:
        """Our status for a folded value of this format (our own words are always understood)."""
        found = self.statuses.get(value) or OUR_STATUSES.get(value)
        if found is None and self.waiting_prefixes and value.startswith(self.waiting_prefixes):
            return "waiting"
        return found


OUR_PRIORITIES = {"p1": "P1", "p2": "P2", "p3": "P3", "p4": "P4"}
OUR_STATUSES = {s: s for s in ("new", "acknowledged", "waiting", "resolved", "closed")}

SERVICENOW = Format(
    name="servicenow",
    event_log=True,
    columns={
        "external_id": ("number",),
        "title": ("short_description", "u_symptom", "subcategory"),
        "description": ("description",),
        "reported_at": ("opened_at",),
        "resolved_at": ("resolved_at",),
        "closed_at": ("closed_at",),
        "updated_at": ("sys_updated_at",),
        "priority": ("priority",),
        "service": ("business_service",),
        "category": ("category",),
        "department": ("assignment_group",),
        "reporter": ("opened_by", "caller_id"),
        "customer": ("caller_id",),
        "assignee": ("assigned_to",),
        "status": ("incident_state", "state"),
        "source": ("contact_type",),
        "reopen_count": ("reopen_count",),
        "reassignment_count": ("reassignment_count",),
        "mod_count": ("sys_mod_count",),
    },
    required=("external_id", "reported_at", "updated_at", "status", "priority"),
    priorities={
        "1 - critical": "P1",
        "2 - high": "P2",
        "3 - moderate": "P3",
        "4 - low": "P4",
        "5 - planning": "P4",
    },
    statuses={
        "new": "new",
        "active": "acknowledged",
        "in progress": "acknowledged",
        "on hold": "waiting",
        "resolved": "resolved",
        "closed": "closed",
        "canceled": "closed",
        "cancelled": "closed",
    },
    sources={
        "phone": "complaint",
        "email": "complaint",
        "self service": "complaint",
        "ivr": "complaint",
        "chat": "complaint",
        "walk-in": "complaint",
        "direct opening": "internal",
        "monitoring": "kpi-alert",
        "event": "kpi-alert",
    },
    date_order="dayfirst",
    empty=("?",),
    waiting_prefixes=("awaiting",),
)

JIRA = Format(
    name="jira",
    event_log=False,
    columns={
        "external_id": ("issue key", "key"),
        "title": ("summary",),
        "description": ("description",),
        "reported_at": ("created",),
        "resolved_at": ("resolved", "resolution date"),
        "updated_at": ("updated",),
        "priority": ("priority",),
        "service": ("component/s", "components"),
        "department": ("project name", "project key"),
        "reporter": ("reporter", "creator"),
        "assignee": ("assignee",),
        "status": ("status",),
    },
    required=("external_id", "reported_at"),
    priorities={
        "highest": "P1",
        "blocker": "P1",
        "critical": "P1",
        "high": "P2",
        "major": "P2",
        "medium": "P3",
        "low": "P4",
        "minor": "P4",
        "lowest": "P4",
        "trivial": "P4",
    },
    statuses={
        "open": "new",
        "to do": "new",
        "new": "new",
        "backlog": "new",
        "selected for development": "new",
        "in progress": "acknowledged",
        "reopened": "acknowledged",
        "in review": "acknowledged",
        "waiting for support": "acknowledged",
        "escalated": "acknowledged",
        "waiting for customer": "waiting",
        "pending": "waiting",
        "on hold": "waiting",
        "resolved": "resolved",
        "done": "resolved",
        "closed": "closed",
        "canceled": "closed",
        "cancelled": "closed",
        "won't do": "closed",
    },
    date_order="monthfirst",
)

ZENDESK = Format(
    name="zendesk",
    event_log=False,
    columns={
        "external_id": ("id", "ticket id"),
        "title": ("subject",),
        "description": ("description",),
        "reported_at": ("created at", "created"),
        "resolved_at": ("solved at", "solved"),
        "updated_at": ("updated at", "updated"),
        "priority": ("priority",),
        "department": ("group",),
        "reporter": ("submitter", "requester"),
        "customer": ("requester",),
        "assignee": ("assignee",),
        "status": ("status",),
        "source": ("via",),
        "reopen_count": ("reopens",),
        "reassignment_count": ("group stations",),
    },
    required=("external_id", "reported_at"),
    priorities={"urgent": "P1", "high": "P2", "normal": "P3", "low": "P4"},
    statuses={
        "new": "new",
        "open": "acknowledged",
        "pending": "waiting",
        "hold": "waiting",
        "on-hold": "waiting",
        "solved": "resolved",
        "closed": "closed",
    },
    sources={
        "email": "complaint",
        "web form": "complaint",
        "web": "complaint",
        "phone call (incoming)": "complaint",
        "voice": "complaint",
        "chat": "complaint",
        "messaging": "complaint",
        "mobile": "complaint",
        "twitter": "complaint",
        "facebook": "complaint",
        "web widget": "complaint",
        "phone call (outgoing)": "internal",
        "api": "internal",
        "web service": "internal",
    },
    date_order="monthfirst",
    empty=("-",),
)

GENERIC = Format(
    name="generic",
    event_log=False,
    columns={name: (name,) for name in FIELDS},
    required=("external_id", "reported_at"),
    priorities={"1": "P1", "2": "P2", "3": "P3", "4": "P4"},
    statuses={},
    sources={s: s for s in ("complaint", "internal", "audit", "mystery-shopper", "kpi-alert")},
    date_order="dayfirst",
)

FORMATS = {f.name: f for f in (SERVICENOW, JIRA, ZENDESK, GENERIC)}
