"""Small named values the runtime keeps across restarts (the console's simulated clock)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sqmsbot.models.base import Base


class StoredValue(Base):
    """One key, one text value: state that must outlive a process but belongs to no domain table."""

    __tablename__ = "stored_values"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
