"""A ticket as it will be stored: its final state and its timeline, and how one-row exports make one.

The timeline holds the state changes the KPI engine reads (sqmsbot.domain.kpi.queries STATE_CHANGES):
`reported` → (`acknowledged`) → (`waiting` ↔ `resumed`) → `resolved` (↔ `reopened`) → `closed`, with the
same from → to values as the chat workflow writes (sqmsbot.domain.incident_events.move), so an imported
incident's backlog, reopen rate and SLA pauses are read exactly as a native one's. Instants never run
backwards: an event is never dated before the one it follows.

One row per ticket (Jira, Zendesk, generic) tells only the instants it has columns for:
- the status column decides the state when given (a Jira `Done` is resolved), else the instants do
  (closed, else resolved, else acknowledged, else new);
- acknowledged_at only when the file gives it: Jira and Zendesk do not, and their MTTA is then not
  measured rather than invented;
- a resolved or closed ticket is resolved at `resolved_at`, else when it was closed, else when last
  updated; closed at `closed_at`, else when last updated, else when resolved. A ticket closed without
  a resolution is taken as resolved when it was closed (closing needs a resolution in our workflow);
- a waiting ticket has waited since it was last updated (or, without an update time, since the last
  instant the file gives);
- the reopen count is kept as given; the export says no instant for those reopens, so they are not
  on the timeline;
- first-contact resolution: the file's flag, only for a resolved ticket never reopened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqmsbot.importing.report import Problem
from sqmsbot.importing.rows import Update

OPEN = ("new", "acknowledged", "waiting")
DONE = ("resolved", "closed")


@dataclass(slots=True)
class Event:
    """One timeline entry; `actor` is a person's name in the export ("" for nobody). Changed only
    while its ticket is being built (Timeline.redate, mark_fcr)."""

    kind: str
    at: datetime
    from_value: str | None
    to_value: str | None
    actor: str = ""
    note: str | None = None


@dataclass(slots=True)
class Ticket:
    """An incident to store, still in the export's words for department, service, category, source
    and people (sqmsbot.importing.vocab and the writer turn them into keys and ids)."""

    external_id: str
    line: int
    title: str
    description: str
    priority: str
    priority_defaulted: bool
    status: str
    group: str
    service: str
    category: str
    source: str
    reporter: str
    customer: str
    assignee: str
    reported_at: datetime
    acknowledged_at: datetime | None
    waiting_since: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_at: datetime | None
    fcr: bool
    reopen_count: int
    updated_at: datetime
    events: list[Event] = field(default_factory=list)


class Timeline:
    """Events appended in order, each dated no earlier than the one before it."""

    def __init__(self, reported_at: datetime, reporter: str, title: str) -> None:
        self.events = [Event("reported", reported_at, None, "new", reporter, title)]
        self.status = "new"

    @property
    def last(self) -> datetime:
        return self.events[-1].at

    def move(
        self,
        kind: str,
        at: datetime,
        to: str,
        actor: str = "",
        note: str | None = None,
        *,
        shown: str | None = None,
    ) -> datetime:
        """A change of state to `to` at `at` (or at the last event's instant, if `at` is earlier); the
        event records `shown` instead of `to` where the workflow does (`resolved:fcr`)."""
        at = max(at, self.last)
        self.events.append(Event(kind, at, self.status, shown or to, actor, note))
        self.status = to
        return at

    @property
    def first_response_at(self) -> datetime | None:
        """The first thing the customer notices (DESIGN §7): a wait on them, or a resolution."""
        return next((e.at for e in self.events if e.kind in ("waiting", "resolved")), None)

    def mark_fcr(self) -> None:
        """The last resolution was at first contact (known only once the whole history is read)."""
        for event in reversed(self.events):
            if event.kind == "resolved":
                event.to_value = "resolved:fcr"
                return

    def redate(self, kind: str, at: datetime) -> datetime:
        """Move the last `kind` event to `at` (what the export's final columns say), keeping the order:
        not before the event it follows; those after it move along if they would come before it."""
        events = self.events
        index = len(events) - 1
        while events[index].kind != kind:
            index -= 1
        if index:
            at = max(at, events[index - 1].at)
        for event in events[index:]:
            if event is events[index] or event.at < at:
                event.at = at
        return at


def ticket_of(
    update: Update,
    *,
    status: str,
    timeline: Timeline,
    acknowledged_at: datetime | None,
    waiting_since: datetime | None,
    resolved_at: datetime | None,
    closed_at: datetime | None,
    fcr: bool,
    reopen_count: int,
    updated_at: datetime,
    title: str | None = None,
) -> Ticket:
    """A ticket from its last update (what the export says of it now) and what its history decided:
    the one-row formats and the event-log grouping build it alike."""
    return Ticket(
        external_id=update.external_id,
        line=update.line,
        title=update.title if title is None else title,
        description=update.description,
        priority=update.priority,
        priority_defaulted=update.priority_defaulted,
        status=status,
        group=update.department,
        service=update.service,
        category=update.category,
        source=update.source,
        reporter=update.reporter,
        customer=update.customer,
        assignee=update.assignee,
        reported_at=update.reported_at,
        acknowledged_at=acknowledged_at,
        waiting_since=waiting_since,
        resolved_at=resolved_at,
        closed_at=closed_at,
        first_response_at=timeline.first_response_at,
        fcr=fcr,
        reopen_count=reopen_count,
        updated_at=updated_at,
        events=timeline.events,
    )


def check_order(
    line: int,
    reported: datetime,
    *,
    acknowledged: datetime | None = None,
    resolved: datetime | None = None,
    closed: datetime | None = None,
) -> list[Problem]:
    """Instants a file gives that contradict each other are reported, not guessed at. Problems name
    canonical fields; the caller puts the file's headers on them."""
    problems = [
        Problem(line, name, "before_report", value.isoformat(), {"reported": reported.isoformat()})
        for name, value in (
            ("acknowledged_at", acknowledged),
            ("resolved_at", resolved),
            ("closed_at", closed),
        )
        if value is not None and value < reported
    ]
    if not problems and resolved is not None and closed is not None and closed < resolved:
        problems.append(
            Problem(
                line, "closed_at", "before_resolution", closed.isoformat(), {"resolved": resolved.isoformat()}
            )
        )
    return problems


def one_row_ticket(update: Update) -> Ticket | list[Problem]:
    """The ticket of a one-row export (see the module docstring). Problems name canonical columns;
    the caller puts the file's headers on them."""
    status = update.status or (
        "closed"
        if update.closed_at
        else "resolved"
        if update.resolved_at
        else "acknowledged"
        if update.acknowledged_at
        else "new"
    )
    last = update.updated_at
    resolved_at = closed_at = None
    if status in DONE:
        resolved_at = update.resolved_at or update.closed_at or last
        if resolved_at is None:
            return [Problem(update.line, "resolved_at", "no_resolution_time")]
        if status == "closed":
            closed_at = update.closed_at or (
                last if last is not None and last >= resolved_at else resolved_at
            )
    problems = check_order(
        update.line,
        update.reported_at,
        acknowledged=update.acknowledged_at,
        resolved=resolved_at,
        closed=closed_at,
    )
    if problems:
        return problems
    timeline = Timeline(update.reported_at, update.reporter, update.title)
    acknowledged_at = update.acknowledged_at
    if acknowledged_at is not None:
        acknowledged_at = timeline.move("acknowledged", acknowledged_at, "acknowledged", update.assignee)
    waiting_since = None
    if status == "waiting":  # (an acknowledgement the file does not date is not invented for it)
        waiting_since = timeline.move(
            "waiting", last or timeline.last, "waiting", update.assignee, update.state or None
        )
    # An acknowledged ticket without acknowledged_at is in progress since an instant the file does not
    # say: no `acknowledged` event is invented (nor its MTTA).
    fcr = bool(update.fcr) and status in DONE and update.reopen_count == 0
    if resolved_at is not None:
        shown = "resolved:fcr" if fcr else None
        resolved_at = timeline.move("resolved", resolved_at, "resolved", update.assignee, shown=shown)
    if closed_at is not None:
        closed_at = timeline.move("closed", closed_at, "closed")
    return ticket_of(
        update,
        status=status,
        timeline=timeline,
        acknowledged_at=acknowledged_at,
        waiting_since=waiting_since,
        resolved_at=resolved_at,
        closed_at=closed_at,
        fcr=fcr,
        reopen_count=update.reopen_count,
        updated_at=max(last or timeline.last, timeline.last),
    )
