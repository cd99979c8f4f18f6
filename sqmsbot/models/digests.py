"""Who asked for a private copy of a department's morning digest (`/kpi subscribe`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sqmsbot.models.base import Base


class DigestSubscription(Base):
    """One person's opt-in to one department's digest by private message."""

    __tablename__ = "digest_subscriptions"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    department: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    created_at: Mapped[datetime]
