"""What an import found and did, as typed values: the command says them in the reader's language.

- `Refused`: the file as a whole cannot be imported (missing, not CSV text, required columns
  absent, dates both day-first and month-first, a mapping file that does not check). Raised before
  anything is written; the command exits 2.
- `Problem`: one cell or row that cannot be imported (line, column, kind, the value, and the words
  the sentence needs). The row is left out, the rest goes on; the command exits 1.
- `ImportReport`: the counts (new, unchanged, updated, kept), the problems (the first
  MAX_PROBLEMS of them; all are counted), the departments the file names that the organisation file
  does not have yet, the people created, and the values no map knew (kept as shown, or defaulted).

No sentence is written here (the import contracts keep catalogs out of the domain): a kind and its
arguments are the whole of what is said.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

MAX_PROBLEMS = 1000
"""Problems kept for the report (all are counted): a file broken on every row must not fill memory."""
MAX_UNMAPPED = 200
"""Distinct unmapped values kept (all are counted)."""
MAX_REJECTED_IDS = 1000

RefusalKind = Literal[
    "file_missing",  # path
    "not_readable",  # path, detail
    "unknown_encoding",  # encoding
    "not_text",  # path, encoding, line
    "empty_file",  # path
    "missing_columns",  # columns, found
    "map_missing",  # path
    "bad_map",  # path, detail
    "mixed_dates",  # day_line, day_value, month_line, month_value
]

ProblemKind = Literal[
    "empty",  # a value the ticket needs is empty
    "bad_date",  # value: no timestamp of a known shape, or a day that does not exist
    "bad_priority",  # value, choices
    "bad_status",  # value, choices
    "bad_number",  # value: not a whole number ≥ 0
    "bad_flag",  # value: not yes/no
    "too_long",  # length, limit
    "not_text",  # bytes that are not text in the file's encoding
    "field_count",  # fields, expected
    "unreadable",  # detail: what the CSV reader said
    "before_report",  # value, reported: an instant before the ticket was reported
    "before_resolution",  # value, resolved: closed before it was resolved
    "no_resolution_time",  # a resolved or closed ticket without any instant to date it
    "duplicate_id",  # value, first: a one-row export names the same ticket twice
]


class Refused(Exception):
    """The file cannot be imported at all; nothing was written."""

    def __init__(self, kind: RefusalKind, **args: Any) -> None:
        super().__init__(kind)
        self.kind = kind
        self.args_ = args


@dataclass(frozen=True)
class Problem:
    """One thing wrong on one row: `line` is the row's first line in the file (the header is 1)."""

    line: int
    column: str | None
    kind: ProblemKind
    value: str | None = None
    args: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "problem": self.kind,
            "value": self.value,
            **self.args,
        }


@dataclass(frozen=True)
class NewDepartment:
    """A group the organisation file has no department for: imported under `key`."""

    key: str
    name: str


@dataclass
class ImportReport:
    """The outcome of one import (or of a dry run: what it would do)."""

    format: str
    date_order: str
    timezone: str
    dry_run: bool
    rows: int = 0
    tickets: int = 0
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    kept: int = 0  # worked on in chat since imported: left as they are
    problem_count: int = 0
    rejected_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejected_tickets: int = 0  # event logs: tickets left out because one of their rows was rejected
    rejected_ids: list[str] = field(default_factory=list)
    new_departments: dict[str, NewDepartment] = field(default_factory=dict)
    department_tickets: Counter[str] = field(default_factory=Counter)
    new_people: int = 0
    unmapped: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (field, value, used)
    unmapped_other: int = 0  # tickets with an unmapped value beyond MAX_UNMAPPED distinct ones

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def reject_ticket(self, external_id: str) -> None:
        self.rejected_tickets += 1
        if len(self.rejected_ids) < MAX_REJECTED_IDS:
            self.rejected_ids.append(external_id)

    def not_mapped(self, column: str, value: str, used: str) -> None:
        key = (column, value, used)
        if key in self.unmapped or len(self.unmapped) < MAX_UNMAPPED:
            self.unmapped[key] += 1
        else:
            self.unmapped_other += 1

    @property
    def complete(self) -> bool:
        """Every row imported (or would be): the command's exit status 0."""
        return self.problem_count == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "date_format": self.date_order,
            "timezone": self.timezone,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "tickets": self.tickets,
            "new": self.new,
            "unchanged": self.unchanged,
            "updated": self.updated,
            "kept": self.kept,
            "rejected_rows": self.rejected_rows,
            "rejected_tickets": self.rejected_tickets,
            "rejected_ids": self.rejected_ids,
            "problem_count": self.problem_count,
            "problems": [p.as_json() for p in self.problems],
            "new_departments": [
                {"key": d.key, "name": d.name, "tickets": self.department_tickets[d.key]}
                for d in self.new_departments.values()
            ],
            "new_people": self.new_people,
            "unmapped": [
                {"field": column, "value": value, "used": used or None, "tickets": n}
                for (column, value, used), n in self.unmapped.most_common()
            ],
        }
