"""The one way an adapter's HTTP route stores the requests it acknowledges (DESIGN §4).

A route runs its platform's listener inside `StoreGate.answer`: what the listener puts into the
inbound queue is collected, committed with the rows of every other request of this turn of the
event loop (`inbound.batch.GroupCommit`, off the loop), and only then is the listener's response
sent. A store that cannot take the rows within the deadline gets the request refused with 503 and
`Retry-After` — never acknowledged and forgotten — and the outage is logged once, not per request.
Shared by every adapter so that none of them re-implements the acknowledgement rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.responses import Response

from sqmsbot.inbound.batch import GroupCommit
from sqmsbot.inbound.store import collecting
from sqmsbot.outage import Outage

log = logging.getLogger("sqmsbot.web")


class StoreGate:
    def __init__(self, *, deadline: float) -> None:
        self._group = GroupCommit(deadline=deadline)
        self._outage = Outage(log, "storing chat requests (answering 503 meanwhile)")

    async def answer(self, listen: Callable[[], Response]) -> Response:
        """Run the listener, store what it queued, then answer with its response (or 503)."""
        with collecting() as rows:
            response = listen()
        if rows:
            try:
                await self._group.store(rows)
            except Exception as exc:  # not stored (in time), so refused: the platform retries or says so
                self._outage.failed(exc)
                return Response(status_code=503, headers={"Retry-After": "1"})
            self._outage.cleared()
        return response

    def close(self) -> None:
        self._group.close()
