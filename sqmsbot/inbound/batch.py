"""Group commit for the HTTP app: the rows of every request handled in one turn of the event loop are
stored in one transaction, and each request is answered only once its row is committed.

Under load several requests are handled per turn of the loop, and a commit (the write to the log) is
most of what storing a request costs, so sharing it keeps acknowledgements close to a no-op app's.
It all happens on the loop: no thread hop, no lock shared with another thread of this process.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from sqmsbot.inbound.store import Collected, InboundQueue


class GroupCommit:
    """`await store(rows)` returns once the rows are committed (or raises what the commit raised)."""

    def __init__(self) -> None:
        self._pending: list[tuple[Collected, asyncio.Future[None]]] = []
        self._scheduled = False

    async def store(self, rows: Collected) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((rows, done))
        if not self._scheduled:  # after the requests already ready in this turn have added theirs
            self._scheduled = True
            loop.call_soon(self._flush)
        await done

    def _flush(self) -> None:
        batch, self._pending, self._scheduled = self._pending, [], False
        by_queue: dict[InboundQueue, list[dict[str, Any]]] = defaultdict(list)
        for rows, _ in batch:
            for queue, row in rows:
                by_queue[queue].append(row)
        try:
            for queue, queued in by_queue.items():
                queue.store(queued)
        except Exception as error:
            for _, done in batch:
                if not done.done():  # a request whose client went away is cancelled
                    done.set_exception(error)
            return
        for _, done in batch:
            if not done.done():
                done.set_result(None)
