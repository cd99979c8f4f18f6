"""A ServiceNow-style incident event log (the UCI "Incident management process enriched event log"
layout: one row per update), with what really happened to each ticket beside it.

Each ticket lives a plausible life in local wall-clock minutes: opened (New), mostly taken up
(Active), sometimes waiting on the customer (`Awaiting User Info`, or another `Awaiting …` state)
and back, resolved, sometimes reopened and resolved again, closed five days after its last
resolution when that is before the horizon; some are never acknowledged, some never resolved. Between
state changes there are plain updates (a reassignment, a note), so a ticket has several rows with
rising `sys_mod_count`. Values are written as the export writes them: `?` for empty, day-first
dates without leading zeros (`29/2/2016 01:16`), the final `resolved_at`/`closed_at`/counts copied
on every row of the ticket. Some neighbouring tickets' rows are interleaved, as an export sorted by
update time interleaves them.

`Truth` is the ticket as it happened, in UTC: the tests compute the expected KPIs from it by hand
(not through the importer or the KPI engine), and the benchmark reuses the rows.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HEADER = [
    "number",
    "incident_state",
    "active",
    "reassignment_count",
    "reopen_count",
    "sys_mod_count",
    "made_sla",
    "caller_id",
    "opened_by",
    "opened_at",
    "sys_created_by",
    "sys_created_at",
    "sys_updated_by",
    "sys_updated_at",
    "contact_type",
    "location",
    "category",
    "subcategory",
    "u_symptom",
    "cmdb_ci",
    "impact",
    "urgency",
    "priority",
    "assignment_group",
    "assigned_to",
    "knowledge",
    "u_priority_confirmation",
    "notify",
    "problem_id",
    "rfc",
    "vendor",
    "caused_by",
    "closed_code",
    "resolved_by",
    "resolved_at",
    "closed_at",
]
PRIORITIES = {"P1": "1 - Critical", "P2": "2 - High", "P3": "3 - Moderate", "P4": "4 - Low"}
PRIORITY_WEIGHTS = {"P1": 5, "P2": 15, "P3": 70, "P4": 10}
GROUPS = ("Group 24", "Group 70", "Group 56", "Group 12")
WAITS = ("Awaiting User Info", "Awaiting User Info", "Awaiting Vendor", "Awaiting Problem")
CONTACTS = ("Phone", "Email", "Self service", "Direct opening")
CLOSE_AFTER = timedelta(days=5)


@dataclass
class Truth:
    """One ticket as it happened (instants in UTC, minute precision)."""

    number: str
    priority: str
    group: str
    contact: str
    caller: str
    opened_by: str
    reported_at: datetime
    acknowledged_at: datetime | None = None
    resolutions: list[datetime] = field(default_factory=list)
    reopens: list[datetime] = field(default_factory=list)
    waits: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    closed_at: datetime | None = None
    reassignments: int = 0
    assignee: str | None = None
    # (state, instant) of every update, in order: the history the rows are written from
    history: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def resolved_at(self) -> datetime | None:
        """The last resolution, if the ticket is resolved now (not reopened after it)."""
        if not self.resolutions or (self.reopens and self.reopens[-1] > self.resolutions[-1]):
            return None
        return self.resolutions[-1]

    @property
    def fcr(self) -> bool:
        return self.resolved_at is not None and self.reassignments == 0 and not self.reopens

    def state_at(self, at: datetime) -> str:
        """Our status just before `at`: the last state change before it."""
        state = "new"
        for name, when in self.history:
            if when >= at:
                break
            state = name
        return state


def _state_word(state: str, rng: random.Random) -> str:
    return {
        "new": "New",
        "acknowledged": "Active",
        "resolved": "Resolved",
        "closed": "Closed",
    }.get(state) or rng.choice(WAITS)


def _life(number: str, opened: datetime, horizon: datetime, rng: random.Random) -> Truth:
    """One ticket's history, in local wall-clock minutes (`opened` and `horizon` are naive local)."""
    priority = rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0]
    truth = Truth(
        number=number,
        priority=priority,
        group=rng.choice(GROUPS),
        contact=rng.choice(CONTACTS),
        caller=f"Caller {rng.randint(1, 400)}",
        opened_by=f"Opened by  {rng.randint(1, 30)}",
        reported_at=opened,
    )
    at = opened
    truth.history.append(("new", at))

    def step(state: str, minutes: int) -> bool:
        nonlocal at
        at = at + timedelta(minutes=minutes)
        if at >= horizon:
            return False
        truth.history.append((state, at))
        return True

    roll = rng.random()
    if roll < 0.06:  # never acknowledged
        return truth
    if not step("acknowledged", rng.randint(1, 240)):
        return truth
    truth.assignee = f"Resolver {rng.randint(1, 40)}"
    while True:
        for _ in range(rng.choice((0, 0, 1, 2))):  # plain updates, no change of state
            if not step("acknowledged", rng.randint(5, 300)):
                return truth
            if rng.random() < 0.3:
                truth.reassignments += 1
                truth.assignee = f"Resolver {rng.randint(1, 40)}"
        if rng.random() < 0.3:  # a wait on the customer
            if not step("waiting", rng.randint(10, 600)):
                return truth
            if not step("acknowledged", rng.randint(30, 2880)):
                return truth
        if rng.random() < 0.08:  # still being worked on when the export was taken
            return truth
        if not step("resolved", rng.randint(20, 4000)):
            return truth
        if rng.random() < 0.15 and len(truth.reopens) < 2:  # the fix did not hold
            if not step("acknowledged", rng.randint(60, 3000)):
                return truth
            continue
        break
    if at + CLOSE_AFTER < horizon:
        step("closed", int(CLOSE_AFTER.total_seconds() // 60))
    return truth


def _to_utc(truth: Truth, zone: ZoneInfo) -> None:
    """Turn the local history into UTC and read the derived instants off it."""

    def utc(local: datetime) -> datetime:
        return local.replace(tzinfo=zone).astimezone(UTC)

    truth.history = [(state, utc(at)) for state, at in truth.history]
    truth.reported_at = utc(truth.reported_at)
    previous = "new"
    wait_start: datetime | None = None
    for state, at in truth.history[1:]:
        if previous == "new" and state != "new":
            truth.acknowledged_at = at
        if state == "waiting" and previous != "waiting":
            wait_start = at
        if previous == "waiting" and state != "waiting":
            truth.waits.append((wait_start or at, at))
            wait_start = None
        if state == "resolved" and previous != "resolved":
            truth.resolutions.append(at)
        if previous == "resolved" and state == "acknowledged":
            truth.reopens.append(at)
        if state == "closed":
            truth.closed_at = at
        previous = state
    if wait_start is not None:
        truth.waits.append((wait_start, None))


def _local(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local.day}/{local.month}/{local.year} {local:%H:%M}"


def _rows(truth: Truth, zone: ZoneInfo, rng: random.Random) -> list[list[str]]:
    resolved = truth.resolved_at
    final = {
        "resolved_at": _local(resolved, zone) if resolved else "?",
        "closed_at": _local(truth.closed_at, zone) if truth.closed_at else "?",
        "reassignment_count": str(truth.reassignments),
        "reopen_count": str(len(truth.reopens)),
    }
    rows = []
    for mod_count, (state, at) in enumerate(truth.history):
        values = {
            "number": truth.number,
            "incident_state": _state_word(state, rng),
            "active": "false" if state == "closed" else "true",
            "sys_mod_count": str(mod_count),
            "made_sla": rng.choice(("true", "false")),
            "caller_id": truth.caller,
            "opened_by": truth.opened_by,
            "opened_at": _local(truth.reported_at, zone),
            "sys_created_by": "?",
            "sys_created_at": _local(truth.reported_at, zone),
            "sys_updated_by": f"Updated by {rng.randint(1, 900)}",
            "sys_updated_at": _local(at, zone),
            "contact_type": truth.contact,
            "location": f"Location {rng.randint(1, 200)}",
            "category": f"Category {rng.randint(1, 60)}",
            "subcategory": f"Subcategory {rng.randint(1, 200)}",
            "u_symptom": f"Symptom {rng.randint(1, 500)}",
            "cmdb_ci": "?",
            "impact": "2 - Medium",
            "urgency": "2 - Medium",
            "priority": PRIORITIES[truth.priority],
            "assignment_group": truth.group,
            "assigned_to": "?" if state == "new" or truth.assignee is None else truth.assignee,
            "knowledge": "false",
            "u_priority_confirmation": "false",
            "notify": "Do Not Notify",
            "problem_id": "?",
            "rfc": "?",
            "vendor": "?",
            "caused_by": "?",
            "closed_code": f"code {rng.randint(1, 17)}" if truth.closed_at else "?",
            "resolved_by": f"Resolved by {rng.randint(1, 200)}" if resolved else "?",
            **final,
        }
        rows.append([values[name] for name in HEADER])
    # The first row's category stands for the ticket (the last row wins, so keep them alike).
    for row in rows[1:]:
        for name in ("category", "subcategory", "u_symptom", "location"):
            row[HEADER.index(name)] = rows[0][HEADER.index(name)]
    return rows


@dataclass
class EventLog:
    header: list[str]
    rows: list[list[str]]
    truths: list[Truth]

    def write(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.header)
            writer.writerows(self.rows)
        return path


def event_log(
    *,
    tickets: int | None = None,
    rows: int | None = None,
    seed: int = 11,
    start: datetime = datetime(2026, 10, 1),
    days: int = 31,
    horizon_days: int = 40,
    zone: str = "Asia/Shanghai",
    interleave: float = 0.1,
) -> EventLog:
    """`tickets` tickets (or as many as give at least `rows` rows) opened over `days` local days
    from `start` (naive local); nothing happens after `horizon_days` days (the export was taken)."""
    rng = random.Random(seed)
    tz = ZoneInfo(zone)
    horizon = start + timedelta(days=horizon_days)
    truths: list[Truth] = []
    groups: list[list[list[str]]] = []
    count = 0
    while (tickets is not None and len(truths) < tickets) or (rows is not None and count < rows):
        opened = start + timedelta(minutes=rng.randrange(days * 24 * 60))
        truth = _life(f"INC{len(truths) + 1:07d}", opened, horizon, rng)
        _to_utc(truth, tz)
        written = _rows(truth, tz, rng)
        truths.append(truth)
        groups.append(written)
        count += len(written)
    return EventLog(list(HEADER), list(_interleaved(groups, interleave, rng)), truths)


def _interleaved(groups: list[list[list[str]]], share: float, rng: random.Random) -> Iterator[list[str]]:
    """Each ticket's rows in order; some neighbouring pairs of tickets alternate their rows."""
    index = 0
    while index < len(groups):
        if index + 1 < len(groups) and rng.random() < share:
            first, second = groups[index], groups[index + 1]
            for a, b in zip(first, second, strict=False):
                yield a
                yield b
            yield from first[len(second) :]
            yield from second[len(first) :]
            index += 2
        else:
            yield from groups[index]
            index += 1
