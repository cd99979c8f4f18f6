"""The first pass over a file: how many rows, where each ticket's last row is, how dates are written.

Reading the whole file once before writing anything is what lets the import
- know a ticket is complete when its last row is read (event logs whose rows are not contiguous,
  sqmsbot.importing.servicenow), holding only the tickets in flight;
- decide day-first or month-first from the whole file: a value whose first number is over 12 proves
  day-first (`29/2/2016`), one whose second number is over 12 month-first (`2/29/2016`); a file with
  both is refused (`mixed_dates`, naming one of each) rather than read half wrong; a file with
  neither is read in the format's default order (sqmsbot.importing.formats), unless `--date-format`
  says which;
- show a progress bar with a known end.
It reads only what it needs (the ticket ids, the date cells); the checks of every cell are the
second pass's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqmsbot.importing.dates import DateOrder, evidence
from sqmsbot.importing.formats import DATE_FIELDS
from sqmsbot.importing.reader import Table
from sqmsbot.importing.report import Refused

DateFormat = Literal["auto", "dayfirst", "monthfirst"]
SEEN_LIMIT = 100_000


@dataclass
class Scan:
    rows: int = 0
    order: DateOrder = "dayfirst"
    detected: bool = False  # the order was read from the file, not defaulted or given
    last_line: dict[str, int] = field(default_factory=dict)


def scan(table: Table, *, date_format: DateFormat) -> Scan:
    found = Scan()
    fields = [name for name in DATE_FIELDS if name in table.index]
    day: tuple[int, str] | None = None
    month: tuple[int, str] | None = None
    looking = date_format == "auto"
    event_log = table.fmt.event_log
    seen: set[str] = set()  # an event log repeats each ticket's instants on every row
    empty = frozenset(table.fmt.empty)
    for line, values, readable in table.cells(("external_id", *fields)):
        found.rows += 1
        if event_log and (external_id := values[0]) and external_id not in empty:
            found.last_line[external_id] = line
        if not looking or not readable:
            continue
        for value in values[1:]:
            if not value or value in seen:
                continue
            if len(seen) < SEEN_LIMIT:
                seen.add(value)
            said = evidence(value)
            if said == "dayfirst" and day is None:
                day = (line, value)
            elif said == "monthfirst" and month is None:
                month = (line, value)
        if day and month:
            raise Refused(
                "mixed_dates",
                day_line=day[0],
                day_value=day[1][:40],
                month_line=month[0],
                month_value=month[1][:40],
            )
    if date_format != "auto":
        found.order = date_format
    elif day or month:
        found.order, found.detected = ("dayfirst" if day else "monthfirst"), True
    else:
        found.order = table.fmt.date_order
    return found
