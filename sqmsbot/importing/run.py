"""`import_tickets`: a whole file, from the first pass to the last batch.

1. The mapping file and the header are checked, then the scan reads the file once (row count, each
   ticket's last line, the dates' order). Anything that makes the whole file unusable is a `Refused`
   here, before a single write.
2. The second pass streams the rows: each is checked (sqmsbot.importing.rows), an event log's rows
   are held per ticket until its last one (sqmsbot.importing.servicenow), each complete ticket is
   placed in the organisation (sqmsbot.importing.vocab) and given its clocks (…targets).
3. Tickets go to the store BATCH at a time, each batch in its own transaction
   (sqmsbot.importing.writer) — for a large file, by a child process while the next batch is read
   (sqmsbot.importing.pipeline): a running bot's writes interleave with a long import instead of
   waiting for it, and an import stopped half-way is finished by running it again (what was written
   is found unchanged, the rest is new).
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqmsbot.config import OrgConfig
from sqmsbot.db import Database
from sqmsbot.importing.dates import DateReader
from sqmsbot.importing.formats import FORMATS
from sqmsbot.importing.mapping import Overrides, load_overrides
from sqmsbot.importing.pipeline import PARALLEL_BYTES, Put, child_process, in_process, two_cores
from sqmsbot.importing.prepared import Instants, Prepared, prepare
from sqmsbot.importing.reader import Table
from sqmsbot.importing.report import ImportReport, Problem
from sqmsbot.importing.rows import DEFAULT_PRIORITY, RowReader, Update
from sqmsbot.importing.scan import DateFormat, Scan, scan
from sqmsbot.importing.servicenow import Grouper, event_log_ticket
from sqmsbot.importing.targets import Commitments
from sqmsbot.importing.tickets import Ticket, one_row_ticket
from sqmsbot.importing.vocab import Vocabulary
from sqmsbot.importing.writer import Writer

BATCH = 2000
"""Tickets per transaction."""
GC_THRESHOLD = 50_000
"""The cyclic collector's first-generation threshold while importing (see `_few_collections`)."""
PROGRESS_EVERY = 2000
"""Rows between two progress callbacks."""

Progress = Callable[[int, int], None]  # (rows read, rows in the file)


@dataclass(frozen=True)
class ImportOptions:
    """What an import was asked to do: `sqmsbot import tickets`'s options."""

    path: Path
    format: str
    timezone: str
    date_format: DateFormat = "auto"
    dry_run: bool = False
    map_path: Path | None = None
    encoding: str = "utf-8-sig"
    batch: int = BATCH
    parallel: bool | None = None  # write in a child process; None: a large file into SQLite, on 2+ cores


@dataclass
class _Pass:
    """What the second pass works with."""

    table: Table
    scanned: Scan
    reader: RowReader
    report: ImportReport


def import_tickets(
    *,
    db: Database,
    org: OrgConfig,
    options: ImportOptions,
    now: datetime,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file (see the module docstring) into `db`."""
    with _few_collections():
        return _import(db=db, org=org, options=options, now=now, progress=progress)


@contextmanager
def _few_collections() -> Iterator[None]:
    """An import allocates millions of short-lived tuples and dicts beside a few hundred thousand
    long-lived ones (the tickets in flight, a batch): at the default threshold the cyclic collector
    walks the long-lived ones over and over, a fifth of the whole import's time. Reference counting
    frees the short-lived ones anyway; the collector runs less often until the import ends."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _writing(
    *, db: Database, system: str, options: ImportOptions, now: datetime, report: ImportReport
) -> AbstractContextManager[Put]:
    """Where batches are written: a child process for a large file, else this one (…pipeline)."""
    parallel = options.parallel
    if parallel is None:
        parallel = (
            db.engine.dialect.name == "sqlite"
            and options.path.stat().st_size >= PARALLEL_BYTES
            and two_cores()
        )
    if multiprocessing.current_process().daemon:  # a daemonic process may not start one
        parallel = False
    if parallel:
        return child_process(db=db, system=system, dry_run=options.dry_run, now=now, report=report)
    writer = Writer(system=system, dry_run=options.dry_run, report=report)
    return in_process(transaction=db.transaction, writer=writer, now=now)


def _import(
    *, db: Database, org: OrgConfig, options: ImportOptions, now: datetime, progress: Progress | None
) -> ImportReport:
    fmt = FORMATS[options.format]
    overrides = load_overrides(options.map_path, org=org) if options.map_path else Overrides()
    table = Table(options.path, fmt=fmt, columns=overrides.columns, encoding=options.encoding)
    report = ImportReport(format=fmt.name, date_order="", timezone=options.timezone, dry_run=options.dry_run)
    # The writer (a child process, for a large file) starts now, so it is ready when the scan ends.
    with _writing(db=db, system=fmt.name, options=options, now=now, report=report) as put:
        scanned = scan(table, date_format=options.date_format)
        report.date_order, report.rows = scanned.order, scanned.rows
        dates = DateReader(order=scanned.order, zone=ZoneInfo(options.timezone))
        work = _Pass(
            table, scanned, RowReader(table=table, fmt=fmt, overrides=overrides, dates=dates), report
        )
        vocab = Vocabulary(org=org, fmt=fmt, overrides=overrides, report=report)
        commitments = Commitments(org)
        instant = Instants(db.engine.dialect.name)
        batch: list[Prepared] = []
        for ticket in _tickets(work, progress):
            report.tickets += 1
            department, service = vocab.place(
                value=ticket.service, group=ticket.group, category=ticket.category
            )
            if ticket.priority_defaulted:
                report.not_mapped("priority", "", DEFAULT_PRIORITY)
            batch.append(
                prepare(
                    ticket,
                    department=department,
                    service=service,
                    category=vocab.category(ticket.category),
                    source=vocab.source(ticket.source),
                    targets=commitments.rows(ticket, service=service),
                    instant=instant,
                )
            )
            if len(batch) >= options.batch:
                put(batch)
                batch = []
        if batch:
            put(batch)
    if progress is not None:
        progress(report.rows, report.rows)
    return report


def _reject(work: _Pass, problems: list[Problem]) -> None:
    """A row's problems, with the file's own header for each canonical field they name."""
    work.report.rejected_rows += 1
    for problem in problems:
        if problem.column in work.table.candidates:
            problem = replace(problem, column=work.table.column(problem.column))
        work.report.add(problem)


def _tickets(work: _Pass, progress: Progress | None) -> Iterator[Ticket]:
    """Every complete, valid ticket of the file, in the order their last rows come."""
    grouper = Grouper(work.scanned.last_line) if work.table.fmt.event_log else None
    seen: dict[str, int] = {}
    for count, row in enumerate(work.table.rows(), start=1):
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count, work.scanned.rows)
        update: Update | None = None
        if row.problem is not None:
            _reject(work, [row.problem])
        else:
            read = work.reader.read(row)
            if isinstance(read, list):
                _reject(work, read)
            else:
                update = read
        external_id = row["external_id"]
        if grouper is not None:
            if not external_id:
                continue
            complete = grouper.add(row.line, external_id, update)
            if complete is None:
                continue
            ticket_id, updates = complete
            if updates is None:
                work.report.reject_ticket(ticket_id)
                continue
            built = event_log_ticket(updates)
            if isinstance(built, list):
                _reject(work, built)
                work.report.reject_ticket(ticket_id)
            else:
                yield built
        elif update is not None:
            first = seen.setdefault(update.external_id, row.line)
            if first != row.line:
                _reject(
                    work,
                    [
                        Problem(
                            row.line, "external_id", "duplicate_id", update.external_id[:64], {"first": first}
                        )
                    ],
                )
                continue
            flat = one_row_ticket(update)
            if isinstance(flat, list):
                _reject(work, flat)
            else:
                yield flat
