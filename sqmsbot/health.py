"""What `/healthz` reports: the store, the worker, and how long the oldest due work has waited.

A server that answers 200 while nothing works its queues is worse than one that is down: the load
balancer keeps sending it requests. So health is the whole path: the store answers a query within
`timeout`, the worker process is alive, and neither the oldest due inbound request nor the oldest due
outbox message has waited longer than `stale_after` seconds (a worker that is alive but stuck shows
here). Dead rows are counted, not failed on: they need an operator (`sqmsbot outbox list --dead`),
not a restart. The queries run on a thread of their own with a deadline, so a stalled store makes
the report say so quickly instead of hanging the probe.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sqmsbot.inbound.store import queue_store
from sqmsbot.models import InboundRequest
from sqmsbot.outbox import outbox_health
from sqmsbot.runtime import Runtime


def inbound_health(session: Session, *, now: datetime) -> dict[str, object]:
    """Dead requests, and the age of the oldest one due (pending and due, or its worker's lease over)."""
    dead = session.scalar(select(func.count()).where(InboundRequest.status == "dead"))
    pending_due = session.scalar(
        select(func.min(InboundRequest.next_attempt_at)).where(
            InboundRequest.status == "pending", InboundRequest.next_attempt_at <= now
        )
    )
    lease_over = session.scalar(
        select(func.min(InboundRequest.lease_until)).where(
            InboundRequest.status == "working", InboundRequest.lease_until < now
        )
    )
    oldest = min((t for t in (pending_due, lease_over) if t is not None), default=None)
    return {"dead": dead or 0, "oldest_due_seconds": _age(now, oldest)}


def _age(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else round(max(0.0, (now - since).total_seconds()), 1)


def _check(runtime: Runtime) -> dict[str, Any]:
    now = runtime.clock.now()
    started = time.perf_counter()
    with runtime.db.transaction() as session:
        session.execute(text("SELECT 1"))
        outbox = outbox_health(session, now=now)
    database = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    with queue_store(runtime.db).transaction() as session:
        inbound = inbound_health(session, now=now)
    return {"database": database, "inbound": inbound, "outbox": outbox}


class HealthCheck:
    """`await report(worker)` → (healthy, the JSON body). One check runs at a time: a probe that comes
    while one is still waiting for a stalled store waits for that one (up to the timeout) rather than
    starting another, so a stall never piles up threads."""

    def __init__(self, runtime: Runtime, *, timeout: float = 1.0) -> None:
        self.runtime = runtime
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")
        self._running: asyncio.Future[dict[str, Any]] | None = None

    async def report(self, worker: dict[str, object] | None) -> tuple[bool, dict[str, Any]]:
        body: dict[str, Any] = {}
        problems: list[str] = []
        if worker is not None:
            body["worker"] = worker
            if not worker.get("alive"):
                problems.append("worker gave up" if worker.get("gave_up") else "worker not running")
        try:
            body |= await self._checked()
        except TimeoutError:
            body["database"] = {"ok": False, "error": f"no answer within {self.timeout:g} s"}
            problems.append("database not answering")
        except Exception as exc:
            body["database"] = {"ok": False, "error": type(exc).__name__}
            problems.append("database unreachable")
        stale_after = self.runtime.settings.health_stale_after
        for queue in ("inbound", "outbox"):
            age = (body.get(queue) or {}).get("oldest_due_seconds")
            if isinstance(age, int | float) and age > stale_after:
                problems.append(f"{queue} work waiting {age:g} s (over {stale_after} s)")
        body["ok"] = not problems
        body["problems"] = problems
        return not problems, body

    async def _checked(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        if self._running is None or self._running.done():
            self._running = loop.run_in_executor(self._pool, _check, self.runtime)
        return await asyncio.wait_for(asyncio.shield(self._running), self.timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
