"""Rows that make delivery reliable: the outbox, and the requests already answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sqmsbot.models.base import Base


class OutboxMessage(Base):
    """A message to someone other than the actor, written in the transaction that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    target_kind: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    remote_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempt_started_at: Mapped[datetime | None]
    """When the last send started, written just before it; cleared once its outcome is known (sent,
    or the platform answered no). Still set on the next try: look for what that attempt posted."""
    failing_since: Mapped[datetime | None]
    """When the current run of failures began: the retry horizon counts from here."""


class ProcessedRequest(Base):
    """A chat request already answered: a platform retry gets the same reply and changes nothing."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
