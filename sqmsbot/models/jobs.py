"""Claims on scheduled job periods: the row that makes each period run exactly once (DESIGN §6)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sqmsbot.models.base import Base


class JobRun(Base):
    """One period of one job (`digest/ops/2026-11-23`), claimed before any work is done.

    The unique (job, period_key) pair is the whole protocol: whoever inserts the row runs the period;
    everyone else, on any replica, finds it and does nothing. `claimed_by` (host:pid:uuid, new for
    every claim) lets only the current holder mark the period finished, and `lease_until` lets another
    process take over a claim whose holder died while running it.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job", "period_key"),
        Index("ix_job_runs_status_scheduled_at", "status", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    period_key: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime]
    claimed_at: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12))  # running, finished, failed
    attempts: Mapped[int] = mapped_column(default=1)
    error: Mapped[str | None] = mapped_column(Text)
