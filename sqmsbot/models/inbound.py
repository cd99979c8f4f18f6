"""The durable inbound queue: chat requests acknowledged to the platform but not yet worked on.

Slack and Lark give 3 s to acknowledge, and an acknowledged request is never sent again, so the
listener stores the request before it answers and a worker (another process) does the work. A
restart loses nothing: rows left `pending`, or `working` by a process that died, are picked up again
once their lease runs out.

On SQLite the rows live in a file of their own beside the store, made from this same table (see
`sqmsbot.inbound.store`: SQLite has one writer per file, and acknowledgements must not wait for the
commands' units of work); on PostgreSQL they live in the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sqmsbot.models.base import Base


class InboundRequest(Base):
    """One acknowledged request. `request_key` is the platform's own identity for it (unique), so a
    platform retry of a request we already hold adds nothing."""

    __tablename__ = "inbound_requests"
    __table_args__ = (Index("ix_inbound_requests_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    request_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # slash, action, view_submission, event
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, working, done, dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
