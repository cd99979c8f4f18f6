"""One row's cells checked and typed: instants in UTC, our priority and status, counts and flags.

Every cell a ticket needs is checked, and every problem of a row is reported (a person fixing the
file fixes them all at once); a row with any problem is left out. What a value means is the mapping
file's word first, then the format's (sqmsbot.importing.formats). Which department, service,
category and source the texts name is decided per ticket, on its final row (sqmsbot.importing.vocab).

Defaults: an empty priority is P3, as `/incident report` without one (counted as not mapped); empty
counts are 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqmsbot.importing.dates import DateReader
from sqmsbot.importing.formats import Format, fold
from sqmsbot.importing.mapping import Overrides
from sqmsbot.importing.reader import Row, Table
from sqmsbot.importing.report import Problem, ProblemKind
from sqmsbot.vocabulary import PRIORITIES

DEFAULT_PRIORITY = "P3"
MAX_EXTERNAL_ID = 64  # incidents.external_id
MAX_COUNT = 1_000_000
TRUE = frozenset({"true", "yes", "y", "1", "t", "x", "是", "对"})
FALSE = frozenset({"false", "no", "n", "0", "f", "否", "不"})
STATUSES = ("new", "acknowledged", "waiting", "resolved", "closed")


@dataclass(slots=True)
class Update:
    """A row that passed its checks: one update of a ticket (an event log) or the whole ticket."""

    line: int
    external_id: str
    mod_count: int  # -1 when the file has no such column
    updated_at: datetime | None
    reported_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    status: str | None  # ours; None when the file does not say
    state: str  # the file's own word for it (a wait's note: "Awaiting Vendor")
    priority: str
    priority_defaulted: bool
    title: str
    description: str
    service: str
    category: str
    department: str
    source: str
    reporter: str
    customer: str
    assignee: str
    fcr: bool | None
    reopen_count: int
    reassignment_count: int


class _Cells:
    """One row being checked: the problems found so far."""

    __slots__ = ("dates", "line", "problems", "table")

    def __init__(self, line: int, table: Table, dates: DateReader) -> None:
        self.line = line
        self.table = table
        self.dates = dates
        self.problems: list[Problem] = []

    def problem(self, name: str, kind: ProblemKind, value: str | None = None, **args: Any) -> None:
        self.problems.append(Problem(self.line, self.table.column(name), kind, value, args))

    def instant(self, name: str, text: str, *, required: bool = False) -> datetime | None:
        if not text:
            if required:
                self.problem(name, "empty")
            return None
        value = self.dates(text)
        if value is None:
            self.problem(name, "bad_date", text[:60])
        return value

    def count(self, name: str, text: str, *, default: int = 0) -> int:
        if not text:
            return default
        folded = fold(text).removesuffix(".0")  # spreadsheets write 3 as 3.0
        if not folded.isascii() or not folded.isdigit() or int(folded) > MAX_COUNT:
            self.problem(name, "bad_number", text[:60])
            return default
        return int(folded)


class RowReader:
    """Turns a table's rows into Updates, or into the problems that keep them out."""

    def __init__(self, *, table: Table, fmt: Format, overrides: Overrides, dates: DateReader) -> None:
        self.table = table
        self.fmt = fmt
        self.overrides = overrides
        self.dates = dates
        self.has_mod_count = "mod_count" in table.index
        self.updated_required = "updated_at" in fmt.required
        self._priorities: dict[str, str | None] = {}
        self._statuses: dict[str, str | None] = {}

    def read(self, row: Row) -> Update | list[Problem]:
        (
            external_id,
            title,
            description,
            reported,
            acknowledged,
            resolved,
            closed,
            updated,
            priority_text,
            service,
            category,
            department,
            reporter,
            customer,
            assignee,
            state,
            source,
            fcr_text,
            reopens,
            reassignments,
            mods,
        ) = row.values
        cells = _Cells(row.line, self.table, self.dates)
        if not external_id:
            cells.problem("external_id", "empty")
        elif len(external_id) > MAX_EXTERNAL_ID:
            cells.problem("external_id", "too_long", length=len(external_id), limit=MAX_EXTERNAL_ID)
        # Inline fast paths (most cells are a cached instant or a small number); the checks that say
        # what is wrong run only for the others (_Cells).
        dates, instant = self.dates, cells.instant
        reported_at = dates(reported) if reported else None
        if reported_at is None:
            instant("reported_at", reported, required=True)
        updated_at = dates(updated) if updated else None
        if updated_at is None and (updated or self.updated_required):
            instant("updated_at", updated, required=True)
        acknowledged_at = (
            (dates(acknowledged) or instant("acknowledged_at", acknowledged)) if acknowledged else None
        )
        resolved_at = (dates(resolved) or instant("resolved_at", resolved)) if resolved else None
        closed_at = (dates(closed) or instant("closed_at", closed)) if closed else None
        priority = self._priority(cells, priority_text) if priority_text else DEFAULT_PRIORITY
        status = self._status(cells, state)
        fcr = self._flag(cells, fcr_text) if fcr_text else None
        if not self.has_mod_count:
            mod_count = -1
        elif mods.isdecimal() and len(mods) < 7:
            mod_count = int(mods)
        else:
            mod_count = cells.count("mod_count", mods, default=-1)
        reopen_count = (
            (
                int(reopens)
                if reopens.isdecimal() and len(reopens) < 7
                else cells.count("reopen_count", reopens)
            )
            if reopens
            else 0
        )
        reassignment_count = (
            (
                int(reassignments)
                if reassignments.isdecimal() and len(reassignments) < 7
                else cells.count("reassignment_count", reassignments)
            )
            if reassignments
            else 0
        )
        if cells.problems or reported_at is None:
            return cells.problems
        return Update(
            row.line,
            external_id,
            mod_count,
            updated_at,
            reported_at,
            acknowledged_at,
            resolved_at,
            closed_at,
            status,
            state,
            priority,
            not priority_text,
            title,
            description,
            service,
            category,
            department,
            source,
            reporter,
            customer,
            assignee,
            fcr,
            reopen_count,
            reassignment_count,
        )

    def _priority(self, cells: _Cells, text: str) -> str:
        if text not in self._priorities:
            folded = fold(text)
            self._priorities[text] = self.overrides.priority.get(folded) or self.fmt.priority(folded)
        found = self._priorities[text]
        if found is None:
            known = [*self.fmt.priorities, *PRIORITIES]
            cells.problem("priority", "bad_priority", text[:60], choices=", ".join(known)[:200])
            return DEFAULT_PRIORITY
        return found

    def _status(self, cells: _Cells, text: str) -> str | None:
        if not text:
            if "status" in self.fmt.required:
                cells.problem("status", "empty")
            return None
        if text not in self._statuses:
            folded = fold(text)
            self._statuses[text] = self.overrides.status.get(folded) or self.fmt.status(folded)
        found = self._statuses[text]
        if found is None:
            known = [*self.fmt.statuses, *(f"{p} …" for p in self.fmt.waiting_prefixes)] or list(STATUSES)
            cells.problem("status", "bad_status", text[:60], choices=", ".join(known)[:200])
        return found

    def _flag(self, cells: _Cells, text: str) -> bool | None:
        folded = fold(text)
        if folded in TRUE:
            return True
        if folded in FALSE:
            return False
        cells.problem("first_contact_resolution", "bad_flag", text[:60])
        return None
