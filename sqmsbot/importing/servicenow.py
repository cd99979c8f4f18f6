"""Event-log exports (ServiceNow, one row per update): rows grouped by ticket, a timeline derived.

Grouping. A ticket's rows need not be contiguous (an export sorted by update time interleaves them).
The scan (sqmsbot.importing.scan) records the line of each ticket's last row, so the import holds a
ticket's rows only until that line has been read, then builds it and lets them go: memory is the
tickets in flight, not the file (a file sorted by ticket holds one at a time), plus one integer per
ticket for the index.

Order and final state (DESIGN §8). A ticket's rows are ordered by `sys_mod_count`, then
`sys_updated_at` (then their order in the file); the last row wins for the final fields (priority,
group, assignee, category, contact type, caller, counts). Timeline, row by row:
- `acknowledged_at` is the first update whose state leaves New (a ticket whose first row is already
  Active was acknowledged then); a later return to New is not an un-acknowledgement;
- a move into an `Awaiting …` state is a wait on the customer, the move out of it a resume (or the
  resolution): the `waiting` → `resumed` pair the SLA clocks pause on (the state's own words are the
  wait's note);
- Resolved is a resolution; a move from Resolved back to Active (or into a wait) is a reopen;
  Closed is the closure (a ticket closed without being resolved is resolved at its closure: closing
  needs a resolution in our workflow); nothing after Closed counts;
- the last resolution and the closure are dated by the final row's `resolved_at` and `closed_at` when
  it has them (the export's own record of those instants), earlier resolutions by their rows;
- the reopen count is the larger of the reopens seen and the final `reopen_count`;
- first-contact resolution: resolved, never reassigned (`reassignment_count` 0) and never reopened.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqmsbot.importing.report import Problem
from sqmsbot.importing.rows import Update
from sqmsbot.importing.tickets import DONE, Ticket, Timeline, check_order, ticket_of


def _order(update: Update) -> tuple[int, datetime, int]:
    return (update.mod_count, update.updated_at or update.reported_at, update.line)


def event_log_ticket(updates: list[Update]) -> Ticket | list[Problem]:
    """One ticket from its rows (any order; see the module docstring)."""
    updates = sorted(updates, key=_order)
    last = updates[-1]
    title = last.title or last.external_id
    timeline = Timeline(last.reported_at, last.reporter, title)
    acknowledged_at = waiting_since = None
    reopens = 0
    for update in updates:
        target, at, actor = update.status, update.updated_at or update.reported_at, update.assignee
        if timeline.status == "closed":
            break
        if target is None or target == timeline.status or target == "new":
            continue
        if timeline.status == "new":
            acknowledged_at = timeline.move("acknowledged", at, "acknowledged", actor)
        if timeline.status == "resolved" and target in ("acknowledged", "waiting"):
            reopens += 1
            timeline.move("reopened", at, "acknowledged", actor)
        if target == "waiting" and timeline.status == "acknowledged":
            waiting_since = timeline.move("waiting", at, "waiting", actor, update.state or None)
        elif target == "acknowledged" and timeline.status == "waiting":
            timeline.move("resumed", at, "acknowledged", actor)
            waiting_since = None
        elif target in DONE and timeline.status != "resolved":
            when = at if target == "resolved" else (update.resolved_at or update.closed_at or at)
            timeline.move("resolved", when, "resolved", actor)
            waiting_since = None
        if target == "closed":
            timeline.move("closed", update.closed_at or at, "closed")
    status = timeline.status
    resolved_at = closed_at = None
    if status in DONE:
        resolved_at = timeline.redate("resolved", last.resolved_at) if last.resolved_at else None
        resolved_at = resolved_at or max(e.at for e in timeline.events if e.kind == "resolved")
    if status == "closed":
        closed_at = timeline.redate("closed", last.closed_at) if last.closed_at else timeline.last
    problems = check_order(
        last.line,
        last.reported_at,
        resolved=last.resolved_at if status in DONE else None,
        closed=last.closed_at if status == "closed" else None,
    )
    if problems:
        return problems
    reopen_count = max(reopens, last.reopen_count)
    fcr = status in DONE and last.reassignment_count == 0 and reopen_count == 0
    if fcr:
        timeline.mark_fcr()
    return ticket_of(
        last,
        title=title,
        status=status,
        timeline=timeline,
        acknowledged_at=acknowledged_at,
        waiting_since=waiting_since,
        resolved_at=resolved_at,
        closed_at=closed_at,
        fcr=fcr,
        reopen_count=reopen_count,
        updated_at=max(timeline.last, max(u.updated_at or u.reported_at for u in updates)),
    )


class Grouper:
    """Holds each ticket's rows until its last line (from the scan) has been read."""

    def __init__(self, last_line: Mapping[str, int]) -> None:
        self.last_line = last_line
        self.pending: dict[str, list[Update]] = {}
        self.failed: set[str] = set()

    def add(
        self, line: int, external_id: str, update: Update | None
    ) -> tuple[str, list[Update] | None] | None:
        """Take one row (None: it was rejected). When it completes its ticket: (id, its rows), or
        (id, None) when one of its rows was rejected; else None."""
        if update is None:
            self.failed.add(external_id)
        else:
            pending = self.pending.get(external_id)
            if pending is None:
                self.pending[external_id] = [update]
            else:
                pending.append(update)
        if self.last_line.get(external_id) != line:
            return None
        rows = self.pending.pop(external_id, None)
        if external_id in self.failed:
            self.failed.discard(external_id)
            return external_id, None
        return (external_id, rows) if rows else None

    @property
    def in_flight(self) -> int:
        return len(self.pending)
