"""Rows that several workers (threads, processes, replicas) take turns on: the outbox and the inbound
queue (DESIGN §5).

A worker claims due rows by setting them to its working status with a lease; the lease instant is
also the claim's token, so a worker whose lease ran out (and whose row another worker took over)
can no longer settle it. Claiming is one compare-and-set UPDATE … RETURNING per batch: on
PostgreSQL the rows are also locked with SKIP LOCKED; on SQLite (3.35 or newer), where rows cannot
be locked, a row another process took since it was read no longer matches, and only the rows this
UPDATE changed come back as ours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import or_, select, update

from sqmsbot.db import Database


class LeasedRow(Protocol):
    """What a leased table's rows have (OutboxMessage, InboundRequest)."""

    id: int
    platform: str
    status: str
    next_attempt_at: datetime
    lease_until: datetime | None


Row = TypeVar("Row", bound=LeasedRow)


def claim_due(
    db: Database,
    model: type[Row],
    *,
    platform: str,
    working: str,
    now: datetime,
    lease: timedelta,
    batch: int,
) -> tuple[list[Row], datetime]:
    """This worker's share of the due rows (pending and due, or left `working` past their lease),
    oldest first, and the lease instant that is its token for them."""
    until = now + lease
    c = _Columns(model)
    due = or_(
        (c.status == "pending") & (c.next_attempt_at <= now),
        (c.status == working) & (c.lease_until < now),
    )
    with db.transaction() as session:
        query = select(c.id).where(c.platform == platform).where(due).order_by(c.id).limit(batch)
        if db.is_postgresql:
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query).all())
        if not ids:
            return [], until
        taken = session.scalars(
            update(model)
            .where(c.id.in_(ids))
            .where(due)
            .values(status=working, lease_until=until)
            .returning(c.id)  # exactly the rows this UPDATE took, even if another worker's lease is equal
            .execution_options(synchronize_session=False)
        ).all()
        if not taken:
            return [], until
        return list(session.scalars(select(model).where(c.id.in_(taken)).order_by(c.id)).all()), until


class _Columns:
    """The model's columns as SQL expressions (the protocol above describes its rows, not its columns)."""

    def __init__(self, model: type[LeasedRow]) -> None:
        self.id: Any = model.id
        self.platform: Any = model.platform
        self.status: Any = model.status
        self.next_attempt_at: Any = model.next_attempt_at
        self.lease_until: Any = model.lease_until


def held(row: LeasedRow, *, working: str, lease: datetime) -> bool:
    """Still claimed by the worker that set this lease."""
    return row.status == working and row.lease_until == lease


def backoff(attempts: int, *, base: timedelta, cap: timedelta, retry_after: float | None = None) -> timedelta:
    """Exponential back-off after `attempts` failures, capped, and never sooner than the platform asked."""
    wait = min(cap, base * (1 << min(max(attempts - 1, 0), 30)))  # bounded: no overflow however many
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    return wait


def drain(run_once: Callable[[], int], *, rounds: int) -> int:
    """Run rounds until one does nothing (or `rounds` passes); the total done. Tests and the console
    use it to empty a queue now rather than on the worker's next tick."""
    total = 0
    for _ in range(rounds):
        done = run_once()
        total += done
        if not done:
            break
    return total
