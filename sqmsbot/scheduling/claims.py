"""Claiming a job period before working on it: the database decides who runs it (DESIGN §6).

The protocol, on SQLite and PostgreSQL alike:

1. `claim` inserts the `job_runs` row for the period (`INSERT … ON CONFLICT DO NOTHING`) and commits.
   The unique (job, period_key) constraint lets exactly one inserter win; on PostgreSQL a concurrent
   second insert waits for the first transaction and then does nothing.
2. A period whose row exists is only taken over when its holder is presumed dead: status still
   `running` and `lease_until` passed. The takeover is a compare-and-set UPDATE, so of several
   processes trying at once one wins. A `finished` period is never claimed again.
3. The job's work and `finish` (marking the row finished, but only while `claimed_by` is still our
   token) share one transaction. A holder that was slow past its lease and got overtaken finds the
   token changed, and its whole unit of work rolls back: a period's effects commit exactly once even
   when two processes ran it. The lease is about liveness, never about correctness.
4. A failed run records its error (`status = failed`). The scheduler does not retry it: the job's
   unit of work rolled back, and the next period of a level-based job (sla_watch looks at every
   incident that is due, not only those of its minute) covers the same ground. An operator retries a
   failed period on purpose with `sqmsbot jobs run NAME --period KEY` (`retry_failed=True`).
5. A job with `has_work` is asked first, read-only, whether there is anything to do; when not, the
   period is let go before step 1 (status `idle`, no row). Safe only for level-based jobs: the next
   period sees the same work, and the work's own marks (sla_watch's `fired`, the outbox keys) keep
   it from being done twice.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from sqmsbot.db import Database, insert_unless_taken
from sqmsbot.models import JobRun

RUNNING, FINISHED, FAILED = "running", "finished", "failed"


class LostClaim(Exception):
    """Our claim was taken over (our lease ran out): this run's work must not commit."""


@dataclass(frozen=True)
class Claim:
    """The right to run one period, held until finished or failed."""

    run_id: int
    token: str
    attempt: int

    @property
    def taken_over(self) -> bool:
        return self.attempt > 1


def claimant() -> str:
    """`host:pid:uuid`: which process holds a claim (for operators), unique per claim (for the guard)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex}"


def claim(
    db: Database,
    *,
    job: str,
    period_key: str,
    scheduled_at: datetime,
    now: datetime,
    lease: timedelta,
    retry_failed: bool = False,
) -> Claim | None:
    """Claim a period for this process; None when it is done, or held by a live process elsewhere."""
    token = claimant()
    claiming = insert_unless_taken(JobRun, dialect=db.engine.dialect.name, unique=["job", "period_key"])
    with db.transaction() as session:
        run_id = session.scalar(
            claiming.values(
                job=job,
                period_key=period_key,
                scheduled_at=scheduled_at,
                claimed_at=now,
                claimed_by=token,
                lease_until=now + lease,
                status=RUNNING,
                attempts=1,
            ).returning(JobRun.id)
        )
    if run_id is not None:
        return Claim(run_id=run_id, token=token, attempt=1)
    return _take_over(
        db, job=job, period_key=period_key, token=token, now=now, lease=lease, failed=retry_failed
    )


def _take_over(
    db: Database, *, job: str, period_key: str, token: str, now: datetime, lease: timedelta, failed: bool
) -> Claim | None:
    takeable: ColumnElement[bool] = (JobRun.status == RUNNING) & (JobRun.lease_until < now)
    if failed:
        takeable = or_(takeable, JobRun.status == FAILED)
    with db.transaction() as session:
        taken = session.execute(
            update(JobRun)
            .where(JobRun.job == job, JobRun.period_key == period_key, takeable)
            .values(
                claimed_at=now,
                claimed_by=token,
                lease_until=now + lease,
                status=RUNNING,
                finished_at=None,
                error=None,
                attempts=JobRun.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) != 1:
            return None
        row = session.execute(
            select(JobRun.id, JobRun.attempts).where(JobRun.job == job, JobRun.period_key == period_key)
        ).one()
    return Claim(run_id=row.id, token=token, attempt=row.attempts)


def finish(session: Session, held: Claim, *, now: datetime) -> None:
    """Mark the period finished inside the job's own unit of work; LostClaim if it is no longer ours."""
    done = session.execute(
        update(JobRun)
        .where(JobRun.id == held.run_id, JobRun.claimed_by == held.token, JobRun.status == RUNNING)
        .values(status=FINISHED, finished_at=now, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise LostClaim(f"job run {held.run_id} was taken over by another process")


def fail(db: Database, held: Claim, *, now: datetime, error: str) -> None:
    """Record why the run failed (if the claim is still ours); the period is then not run again."""
    with db.transaction() as session:
        session.execute(
            update(JobRun)
            .where(JobRun.id == held.run_id, JobRun.claimed_by == held.token, JobRun.status == RUNNING)
            .values(status=FAILED, finished_at=now, lease_until=None, error=error[:4000])
            .execution_options(synchronize_session=False)
        )
