"""Group commit for the HTTP app: the rows of every request that arrives while the store is busy are
stored together in one transaction, and each request is answered only once its row is committed —
or refused once its deadline has passed.

A commit (the write to the log) is most of what storing a request costs, so sharing it keeps
acknowledgements close to a no-op app's under load. The store runs on a thread of its own, never on
the event loop: a database that stalls (a lock held elsewhere, a server that stopped answering) must
not stop the loop from answering every other request and `/healthz`. While one batch is being
stored the next one gathers; a request whose deadline passes is refused (`StoreTimeout`: the app
answers 503, which Slack retries for events) and its row is left out of any later batch, since
nobody will be told about it. A batch still running past the deadline has its connections broken
off (`InboundQueue.abort`), so the thread is free for the next one.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqmsbot.inbound.store import Collected, InboundQueue


class StoreTimeout(Exception):
    """The store did not take the request within the deadline."""


Batch = list[tuple[Collected, "asyncio.Future[None]", float]]
"""(rows, their request's future, the loop time its deadline passes) for each waiting request."""
MARGIN_S = 0.05
"""A request with less time than this left is not put into a batch: it would be refused first."""


class GroupCommit:
    """`await store(rows)` returns once the rows are committed, raises what the commit raised, or
    raises StoreTimeout after `deadline` seconds."""

    def __init__(self, *, deadline: float) -> None:
        self.deadline = deadline
        self._pending: Batch = []
        self._scheduled = False
        self._running = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbound-store")

    async def store(self, rows: Collected) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((rows, done, loop.time() + self.deadline))
        if not self._scheduled and not self._running:
            self._scheduled = True  # after the requests already ready in this turn have added theirs
            loop.call_soon(self._flush, loop)
        try:
            await asyncio.wait_for(done, self.deadline)  # cancels `done` on time-out: left out
        except TimeoutError as exc:
            raise StoreTimeout(f"the store did not answer within {self.deadline:g} s") from exc

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = False
        soon = loop.time() + MARGIN_S
        batch = [entry for entry in self._pending if not entry[1].done() and entry[2] > soon]
        self._pending = []
        if not batch:
            return
        by_queue: dict[InboundQueue, list[dict[str, Any]]] = defaultdict(list)
        for rows, _, _ in batch:
            for queue, row in rows:
                by_queue[queue].append(row)
        self._running = True
        abandoned = threading.Event()
        work = loop.run_in_executor(self._pool, _store_all, dict(by_queue), abandoned)
        # When the first of these requests is refused the batch is abandoned, so that none of them
        # is stored after an answer that said it was not (the others are refused with it).
        first_refusal = min(expires for _, _, expires in batch)
        watchdog = loop.call_at(first_refusal, _abort, list(by_queue), work, abandoned)
        work.add_done_callback(lambda finished: self._settled(loop, batch, finished, watchdog))

    def _settled(
        self,
        loop: asyncio.AbstractEventLoop,
        batch: Batch,
        work: asyncio.Future[None],
        watchdog: asyncio.TimerHandle,
    ) -> None:
        watchdog.cancel()
        self._running = False
        error = work.exception() if not work.cancelled() else asyncio.CancelledError()
        for _, done, _ in batch:
            if done.done():  # refused already (its deadline passed) or its client went away
                continue
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
        if self._pending:
            self._flush(loop)


def _store_all(by_queue: dict[InboundQueue, list[dict[str, Any]]], abandoned: threading.Event) -> None:
    for queue, rows in by_queue.items():
        queue.store(rows, abandoned=abandoned)


def _abort(queues: list[InboundQueue], work: asyncio.Future[None], abandoned: threading.Event) -> None:
    """The batch's deadline has passed and its requests are being refused: stop it from being stored
    later (a connection still being opened checks `abandoned` before it inserts) and break off a
    statement that is waiting."""
    if not work.done():
        abandoned.set()
        for queue in queues:
            queue.abort()
