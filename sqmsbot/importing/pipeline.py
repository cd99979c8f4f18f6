"""Batches written by a second process while the next ones are read and checked.

Reading, checking and placing tickets is Python work; so is much of storing them in SQLite (binding
the rows, and SQLite's own work runs in this process too). In one process the two take turns,
whatever the machine's cores: threads share one interpreter lock, and a writer thread that lets it go
for every row's database step and waits to get it back spends its time waiting. So a large import
into SQLite (PARALLEL_BYTES or more, on two cores or more) hands its batches to a child process,
which owns its own connection and writes them in the order they come, each in its own transaction,
while this process reads the next: about the larger of the two halves instead of their sum. Handing
batches over costs some CPU time, so a small file writes in this process (`in_process`); so does an
import into PostgreSQL, whose server does the storing in processes of its own already.

The child gets each batch as tuples (sqmsbot.importing.prepared), cheap to pickle; at most DEPTH
batches wait (memory stays that of a few batches). A batch that fails stops the import: the child
reports the error and ends, and it is raised here at the next batch or at the end; an interruption
here stops the child. What the child counted (new, unchanged, updated, kept, people) is added to the
report at the end. Either way the store ends up the same.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sqmsbot.db import Database, Timeouts
from sqmsbot.importing.prepared import Prepared
from sqmsbot.importing.report import ImportReport
from sqmsbot.importing.writer import Writer

PARALLEL_BYTES = 4_000_000  # about 15 000 rows of a ServiceNow event log
DEPTH = 3
POLL = 0.5  # seconds between looks at whether the child is still there

Put = Callable[[list[Prepared]], None]
Transaction = Callable[[], AbstractContextManager[Session]]
COUNTS = ("new", "unchanged", "updated", "kept", "new_people")


def two_cores() -> bool:
    """Whether this process may run on two cores or more (a writer process then runs beside it; on a
    busy machine two processes also get a larger share of the cores than one)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores >= 2


@contextmanager
def in_process(*, transaction: Transaction, writer: Writer, now: datetime) -> Iterator[Put]:
    def put(batch: list[Prepared]) -> None:
        with transaction() as session:
            writer.write(session, batch, now=now)

    yield put


@contextmanager
def child_process(
    *, db: Database, system: str, dry_run: bool, now: datetime, report: ImportReport
) -> Iterator[Put]:
    """Batches go to a child process (see the module docstring); its counts land in `report`."""
    context = multiprocessing.get_context("spawn")
    batches: Any = context.Queue(maxsize=DEPTH)
    results: Any = context.Queue()
    child = context.Process(
        target=_serve,
        args=(db.url, db.timeouts, system, dry_run, now, batches, results),
        name="sqmsbot-import-writer",
        daemon=True,
    )
    child.start()

    def outcome(*, wait: bool) -> tuple[str, Any] | None:
        while True:
            try:
                return results.get(timeout=POLL) if wait else results.get_nowait()  # type: ignore[no-any-return]
            except queue.Empty:
                if not child.is_alive() and results.empty():
                    raise RuntimeError(
                        f"the import's writer process ended (exit code {child.exitcode})"
                    ) from None
                if not wait:
                    return None

    def send(item: list[Prepared] | None) -> None:
        """Queue `item`, never waiting on a child that is gone (its failure is raised instead)."""
        while True:
            early = outcome(wait=False)
            if early is not None:
                _raise(early)
            try:
                batches.put(item, timeout=POLL)
                return
            except queue.Full:
                continue

    def put(batch: list[Prepared]) -> None:
        send(batch)

    try:
        yield put
        send(None)
        final = outcome(wait=True)
        assert final is not None
        _raise(final)
        for name, value in zip(COUNTS, final[1], strict=True):
            setattr(report, name, getattr(report, name) + value)
        child.join()
    except BaseException:
        child.terminate()
        child.join()
        raise
    finally:
        batches.cancel_join_thread()  # what a child that is gone never read must not hold up the exit
        batches.close()
        results.close()


def _raise(message: tuple[str, Any]) -> None:
    kind, value = message
    if kind == "failed":
        raise value


def _serve(
    url: str, timeouts: Timeouts, system: str, dry_run: bool, now: datetime, batches: Any, results: Any
) -> None:
    """The child: write each batch in its own transaction; say the counts, or the failure."""
    try:
        db = Database(url, timeouts=timeouts)
        report = ImportReport(format=system, date_order="", timezone="", dry_run=dry_run)
        writer = Writer(system=system, dry_run=dry_run, report=report)
        batch: list[Prepared] | None
        while (batch := batches.get()) is not None:
            with db.transaction() as session:
                writer.write(session, batch, now=now)
        db.dispose()
        results.put(("done", tuple(getattr(report, name) for name in COUNTS)))
    except BaseException as exc:  # said to the parent, which raises it
        results.put(("failed", _portable(exc)))


def _portable(exc: BaseException) -> BaseException:
    """The error itself when it survives pickling (SQLAlchemy's do), else its words in a RuntimeError."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
