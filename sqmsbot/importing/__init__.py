"""Import of historical tickets (`sqmsbot import tickets`), so that KPIs start with real history.

Domain-level, like sqmsbot.domain: it knows no command, presenter, catalog or platform (an import
contract in pyproject.toml keeps it so); what it finds is said as typed values (`Refused`,
`Problem`, `ImportReport`) that the command turns into sentences in the reader's language.

The modules, in the order a file goes through them: `formats` (which column is which field, what
values mean) and `mapping` (`--map`), `reader` (the CSV stream), `scan` (the first pass), `dates`,
`rows` (one row checked and typed), `servicenow` (event logs grouped into tickets) and `tickets`
(one-row exports; the timeline), `vocab` (departments, services, categories, sources), `targets` and
`clocks` (SLA commitments in business time), `prepared` (a ticket as store-ready tuples), `writer`
(bulk writes), `pipeline` (written in a second process for a large file), `run` (the whole of it),
and `report`.
"""

from sqmsbot.importing.formats import FORMATS
from sqmsbot.importing.prepared import IMPORT_PLATFORM
from sqmsbot.importing.report import ImportReport, NewDepartment, Problem, Refused
from sqmsbot.importing.run import ImportOptions, import_tickets
from sqmsbot.importing.scan import DateFormat

__all__ = [
    "FORMATS",
    "IMPORT_PLATFORM",
    "DateFormat",
    "ImportOptions",
    "ImportReport",
    "NewDepartment",
    "Problem",
    "Refused",
    "import_tickets",
]
