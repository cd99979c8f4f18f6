"""A ticket made ready for the store: its incident row, events and clocks as plain tuples.

Everything the writer needs but the ids the store gives (the people's, the incident's) is decided
here, in the reading process: clipped texts, the instants in the form the store keeps them (SQLite's
text `2026-11-23 01:00:00.000000`, exactly what SQLAlchemy's SQLite DATETIME writes, so comparisons in
SQL agree; PostgreSQL's aware datetimes as they are). The writer (sqmsbot.importing.writer) then
only puts ids in, compares with what is stored and inserts — and tuples of strings, numbers and
instants are cheap to hand to a writer process (sqmsbot.importing.pipeline).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqmsbot.importing.targets import TargetRow
from sqmsbot.importing.tickets import Ticket

IMPORT_PLATFORM = "import"
TITLE_LENGTH = 200  # incidents.title
CUSTOMER_LENGTH = 64  # incidents.customer_ref
VALUE_LENGTH = 200  # incident_events.from_value / to_value
# The incident columns the import writes, in this order; `reporter_id` and `assignee_id` hold the
# people's names until the writer puts their ids in.
INCIDENT_FIELDS = (
    "platform",
    "priority",
    "service",
    "category",
    "source",
    "customer_ref",
    "title",
    "description",
    "status",
    "department",
    "reporter_id",
    "assignee_id",
    "reported_at",
    "acknowledged_at",
    "waiting_since",
    "resolved_at",
    "closed_at",
    "first_contact_resolution",
    "resolution",
    "reopen_count",
    "duplicate_of_id",
    "updated_at",
)
REPORTER, ASSIGNEE = INCIDENT_FIELDS.index("reporter_id"), INCIDENT_FIELDS.index("assignee_id")
EVENT_FIELDS = ("kind", "at", "from_value", "to_value", "actor_id", "note")  # actor_id: a name until written
# A clock carries its incident's department (the KPI windows read one department's clocks by it).
TARGET_FIELDS = (
    "target",
    "department",
    "policy",
    "calendar",
    "target_seconds",
    "started_at",
    "due_at",
    "met_at",
    "breached_at",
)
INCIDENT_INSTANTS = (
    "reported_at",
    "acknowledged_at",
    "waiting_since",
    "resolved_at",
    "closed_at",
    "updated_at",
)


class Prepared(NamedTuple):
    """One ticket, ready to write (see the module docstring)."""

    external_id: str
    incident: tuple[Any, ...]  # INCIDENT_FIELDS
    events: list[tuple[Any, ...]]  # EVENT_FIELDS
    targets: list[tuple[Any, ...]]  # TARGET_FIELDS, then the clock's updated_at


class Instants:
    """UTC instants in the form the store keeps them (see the module docstring)."""

    def __init__(self, dialect: str) -> None:
        self.as_text = dialect == "sqlite"
        self._text: dict[datetime, str] = {}  # a ticket's instants recur (report, clocks, events)

    def __call__(self, value: datetime | None) -> Any:
        if value is None or not self.as_text:
            return value
        text = self._text.get(value)
        if text is None:
            if len(self._text) > 100_000:
                self._text.clear()
            utc = value if value.tzinfo is UTC else value.astimezone(UTC)
            text = self._text[value] = utc.isoformat(" ", "microseconds")[:26]  # without "+00:00"
        return text


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def prepare(
    ticket: Ticket,
    *,
    department: str,
    service: str,
    category: str | None,
    source: str,
    targets: list[TargetRow],
    instant: Instants,
) -> Prepared:
    title = clip(" ".join(ticket.title.split()) or ticket.external_id, TITLE_LENGTH)
    incident = (
        IMPORT_PLATFORM,
        ticket.priority,
        service,
        category,
        source,
        clip(ticket.customer, CUSTOMER_LENGTH) or None,
        title,
        ticket.description or None,
        ticket.status,
        department,
        ticket.reporter,
        ticket.assignee,
        instant(ticket.reported_at),
        instant(ticket.acknowledged_at),
        instant(ticket.waiting_since),
        instant(ticket.resolved_at),
        instant(ticket.closed_at),
        ticket.fcr,
        None,
        ticket.reopen_count,
        None,
        instant(ticket.updated_at),
    )
    events = [
        (
            e.kind,
            instant(e.at),
            e.from_value,
            e.to_value,
            e.actor,
            title if e.kind == "reported" else (clip(e.note, VALUE_LENGTH) if e.note else None),  # as in chat
        )
        for e in ticket.events
    ]
    updated = incident[-1]
    clocks = [
        (
            row.target,
            department,
            row.policy,
            row.calendar,
            row.target_seconds,
            instant(row.started_at),
            instant(row.due_at),
            instant(row.met_at),
            instant(row.breached_at),
            updated,
        )
        for row in targets
    ]
    return Prepared(ticket.external_id, incident, events, clocks)
