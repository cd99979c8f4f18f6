"""What an operator sees of the outbox and does with it: dead rows, and how late the due ones are.

A dead row is a notification nobody received: it must be visible (`sqmsbot outbox list --dead`, the
count in `/healthz`) and recoverable once the cause is fixed (`sqmsbot outbox retry`), not a log line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sqmsbot.models import OutboxMessage

UNSENT = ("pending", "sending", "dead")


def outbox_health(session: Session, *, now: datetime) -> dict[str, object]:
    """Dead rows, and how long the oldest due row (pending and due, or its sender's lease over) has
    waited past its due time (None when none is due): a live worker keeps that near zero, so a
    growing age means deliveries are stuck."""
    dead = session.scalar(select(func.count()).where(OutboxMessage.status == "dead"))
    pending_due = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now
        )
    )
    lease_over = session.scalar(  # claimed by a sender that stopped (killed, or stuck) before it settled
        select(func.min(OutboxMessage.lease_until)).where(
            OutboxMessage.status == "sending", OutboxMessage.lease_until < now
        )
    )
    oldest = min((t for t in (pending_due, lease_over) if t is not None), default=None)
    age = None if oldest is None else round(max(0.0, (now - oldest).total_seconds()), 1)
    return {"dead": dead or 0, "oldest_due_seconds": age}


def unsent_rows(session: Session, *, dead_only: bool, limit: int) -> list[OutboxMessage]:
    """The newest rows not sent (or only the dead ones), newest first: what an operator looks at."""
    statuses = ("dead",) if dead_only else UNSENT
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(statuses))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query).all())


def retry_dead(session: Session, *, ids: Sequence[int] | None, now: datetime) -> dict[int, str]:
    """Put dead rows back to pending, due now, with a fresh count of attempts and a fresh horizon;
    `ids=None` retries every dead row. The last error stays until the row is sent, and a row whose
    last attempt has an unknown outcome keeps that mark, so the worker looks before sending again.

    Returns each id asked about with its status before (`"dead"` for the ones retried; `"missing"`).
    """
    query = select(OutboxMessage).where(OutboxMessage.status == "dead")
    if ids is not None:
        query = select(OutboxMessage).where(OutboxMessage.id.in_(list(ids)))
    rows = {row.id: row for row in session.scalars(query.with_for_update()).all()}
    before: dict[int, str] = {}
    for row_id in sorted(rows) if ids is None else list(dict.fromkeys(ids)):
        row = rows.get(row_id)
        before[row_id] = row.status if row is not None else "missing"
        if row is None or row.status != "dead":
            continue
        row.status = "pending"
        row.attempts = 0
        row.next_attempt_at = now
        row.lease_until = None
        row.failing_since = None
    return before
