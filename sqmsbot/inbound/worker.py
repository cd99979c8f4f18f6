"""The inbound worker: claims acknowledged requests, has them worked, settles each row.

Rows are leased (the lease is also the claim's token); PostgreSQL replicas share them with FOR
UPDATE SKIP LOCKED, SQLite processes with a compare-and-set update, as the outbox does. A row whose
worker died is taken again when its lease runs out; a failure is retried with back-off, then the
row is dead and the person is told. Running a request again after a crash is harmless:
`commands.dispatch` answers a repeated request key from `processed_requests` without a second change.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqmsbot.clock import Clock
from sqmsbot.db import Database
from sqmsbot.inbound.store import queue_store
from sqmsbot.leased import backoff, claim_due, drain, held
from sqmsbot.models import InboundRequest
from sqmsbot.outage import Outage

log = logging.getLogger(__name__)


class Signal(Protocol):
    """What the worker waits on between rounds: a threading.Event, or a `wake.WakeReceiver` when the
    requests are stored by another process."""

    def clear(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


@dataclass(frozen=True)
class InboundItem:
    """One claimed request as its handler sees it."""

    id: int
    platform: str
    request_key: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # attempts before this one


class InboundHandler(Protocol):
    platform: str

    def handle(self, item: InboundItem) -> None:
        """Do the request's work and reply to the person. Raise to have it tried again later."""
        ...

    def gave_up(self, item: InboundItem, error: str) -> None:
        """The last attempt failed: tell the person, since nobody else will."""
        ...


class InboundWorker:
    """Claims due rows (leased), hands each to the handler, settles it: done, retry later, or dead."""

    def __init__(
        self,
        db: Database,
        handler: InboundHandler,
        clock: Clock,
        *,
        batch: int = 32,
        threads: int = 4,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 5,
        base_backoff: timedelta = timedelta(seconds=2),
        max_backoff: timedelta = timedelta(minutes=5),
    ) -> None:
        self.db = queue_store(db)  # the queue's rows; `handler` works in the store itself
        self.handler = handler
        self.clock = clock
        self.batch = batch
        self.threads = threads
        self.lease = lease
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.outage = Outage(log, "the inbound worker's round")  # one line per change, not per round

    def run_once(self) -> int:
        """Work every due row once (up to a batch); returns how many rows were claimed."""
        claimed = self._claim()
        if len(claimed) > 1 and self.threads > 1:
            # Replies wait on the network (response_url, users.info): overlap them.
            with ThreadPoolExecutor(self.threads, thread_name_prefix="inbound") as pool:
                list(pool.map(self._work, claimed))
        else:
            for item, lease in claimed:
                self._work((item, lease))
        return len(claimed)

    def drain(self, *, rounds: int = 20) -> int:
        """Work until nothing is due (or `rounds` passes): tests and the console use it."""
        return drain(self.run_once, rounds=rounds)

    def run_forever(
        self, stop: threading.Event, *, wake: Signal | None = None, interval: float = 1.0
    ) -> None:
        """Until `stop`: a full batch goes round again at once; otherwise wait for `wake` or `interval`.

        The interval is the fallback for rows nobody woke us for: retries coming due, rows another
        replica left behind, leases running out.
        """
        outage = self.outage
        while not stop.is_set():
            if wake is not None:
                wake.clear()  # before claiming: a request stored from now on wakes the next wait
            try:
                worked = self.run_once()
            except Exception as exc:  # the store is down, most likely: one line per change of state
                outage.failed(exc)
                worked = 0
            else:
                outage.cleared()
            if worked >= self.batch:
                continue
            if wake is not None:
                wake.wait(interval)
            else:
                stop.wait(interval)

    def _claim(self) -> list[tuple[InboundItem, datetime]]:
        """Due rows and rows whose worker's lease ran out; one UPDATE for the whole batch keeps the
        write lock short (on SQLite the servers' inserts wait for it)."""
        rows, lease = claim_due(
            self.db, InboundRequest, platform=self.handler.platform, working="working",
            now=self.clock.now(), lease=self.lease, batch=self.batch,
        )  # fmt: skip
        return [
            (InboundItem(r.id, r.platform, r.request_key, r.kind, dict(r.payload), r.attempts), lease)
            for r in rows
        ]

    def _work(self, claim: tuple[InboundItem, datetime]) -> None:
        item, lease = claim
        try:
            self.handler.handle(item)
        except Exception as exc:
            log.exception("inbound request %s (%s) failed", item.id, item.kind)
            self._failed(item, lease, f"{type(exc).__name__}: {exc}")
            return
        with self.db.transaction() as session:
            row = session.get(InboundRequest, item.id)
            if row is not None and held(row, working="working", lease=lease):
                row.status = "done"
                row.attempts += 1
                row.lease_until = None
                row.finished_at = self.clock.now()

    def _failed(self, item: InboundItem, lease: datetime, error: str) -> None:
        with self.db.transaction() as session:
            row = session.get(InboundRequest, item.id)
            if row is None or not held(
                row, working="working", lease=lease
            ):  # another worker took it over meanwhile
                return
            row.attempts += 1
            row.last_error = error[:2000]
            row.lease_until = None
            if row.attempts < self.max_attempts:
                row.status = "pending"
                row.next_attempt_at = self.clock.now() + backoff(
                    row.attempts, base=self.base_backoff, cap=self.max_backoff
                )
                return
            row.status = "dead"
            row.finished_at = self.clock.now()
            log.error("inbound request %s (%s) gave up after %s attempts", row.id, row.kind, row.attempts)
        try:
            self.handler.gave_up(item, error)
        except Exception:
            log.exception("could not tell the person that inbound request %s failed", item.id)
