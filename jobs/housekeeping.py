"""Hourly housekeeping: forget what no longer needs remembering, so the store stays small and fast.

- answered chat requests (kept so a platform retry gets the same reply; Slack and Lark stop retrying
  within minutes) after 2 days;
- outbox rows sent more than 30 days ago (the remote message id is what a card edit needs, and cards
  that old are not edited any more);
- finished or failed job periods after 30 days — far beyond any lateness, so no period can be
  claimed again once its row is gone;
- inbound requests that were worked (done) or given up (dead) after 2 days, like answered requests
  (on SQLite the queue lives in a sibling file, so it is purged in a transaction of its own);
- stored files (charts, exports) that no outbox row shows any more, 2 days after they were last
  attached: a file goes with the last message that carries it (its link to a row goes with the row),
  and the 2 days cover a file that was attached but not sent through the outbox (a command's reply).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, exists

from jobs import Cron, JobContext, job
from sqmsbot.inbound.store import queue_store
from sqmsbot.models import Blob, InboundRequest, JobRun, MessageBlob, OutboxMessage, ProcessedRequest

log = logging.getLogger(__name__)

REQUESTS_KEPT = timedelta(days=2)
SENT_KEPT = timedelta(days=30)
RUNS_KEPT = timedelta(days=30)
FILES_KEPT = timedelta(days=2)


@job(Cron(minute="7"))
def housekeeping(ctx: JobContext) -> None:
    """Purge answered requests after 2 days, sent outbox rows and finished job periods after 30 days,
    files no message shows after 2 days."""
    lateness = timedelta(seconds=ctx.runtime.settings.job_lateness)
    removed = {
        "requests": ctx.session.execute(
            delete(ProcessedRequest).where(ProcessedRequest.created_at < ctx.now - REQUESTS_KEPT)
        ),
        "sent": ctx.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status == "sent", OutboxMessage.sent_at < ctx.now - SENT_KEPT
            )
        ),
        "runs": ctx.session.execute(
            delete(JobRun).where(
                JobRun.status.in_(("finished", "failed")),
                JobRun.scheduled_at < ctx.now - max(RUNS_KEPT, 2 * lateness),
            )
        ),
        # after the outbox rows: their links to files went with them (ON DELETE CASCADE)
        "files": ctx.session.execute(
            delete(Blob).where(
                Blob.used_at < ctx.now - FILES_KEPT, ~exists().where(MessageBlob.blob == Blob.sha256)
            )
        ),
    }
    counts = {what: getattr(result, "rowcount", 0) for what, result in removed.items()}
    counts["inbound"] = _purge_inbound(ctx)
    log.log(logging.INFO if any(counts.values()) else logging.DEBUG, "%s removed %s", ctx.period_key, counts)


def _purge_inbound(ctx: JobContext) -> int:
    purge = delete(InboundRequest).where(
        InboundRequest.status.in_(("done", "dead")), InboundRequest.created_at < ctx.now - REQUESTS_KEPT
    )
    store = queue_store(ctx.runtime.db)
    if store is ctx.runtime.db:
        return int(getattr(ctx.session.execute(purge), "rowcount", 0))
    with store.transaction() as session:
        return int(getattr(session.execute(purge), "rowcount", 0))
