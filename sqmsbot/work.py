"""One platform's inbound worker and outbox worker, shaped by the deployment's settings.

Shared by the generic orchestration (`sqmsbot.workers`, for every adapter) and by whoever drives
one platform's workers step by step (the tests and benchmarks on the fake Slack), so that both run
exactly the workers production runs.
"""

from __future__ import annotations

from datetime import timedelta

from sqmsbot.inbound import InboundHandler, InboundWorker
from sqmsbot.outbox import Deliverer, OutboxWorker
from sqmsbot.runtime import Runtime


def inbound_worker(runtime: Runtime, handler: InboundHandler) -> InboundWorker:
    # Threads overlap replies' network waits; on SQLite (one writer) they would only queue for the store.
    threads = 4 if runtime.db.is_postgresql else 1
    return InboundWorker(runtime.db, handler, runtime.clock, threads=threads)


def outbox_worker(runtime: Runtime, deliverer: Deliverer) -> OutboxWorker:
    """The outbox worker for one platform, with the deployment's back-off and retry horizon."""
    settings = runtime.settings
    return OutboxWorker(
        runtime.db,
        deliverer,
        runtime.clock,
        max_backoff=timedelta(seconds=settings.outbox_max_backoff),
        retry_horizon=timedelta(seconds=settings.outbox_retry_horizon),
    )
