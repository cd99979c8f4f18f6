"""People: platform users the bot has met, with their role, department and language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sqmsbot.mentions import mention
from sqmsbot.models.base import Base


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16), default="member")
    department: Mapped[str | None] = mapped_column(String(32), index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # When private warnings may reach this person ("09:00-18:00" in their time zone); None: the
    # organisation's default working day. Outside it warnings wait for the morning (`/sq quiet`).
    working_hours: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]

    @property
    def mention(self) -> str:
        """How a message refers to this person: a native mention where they are, their name on any
        other platform (`sqmsbot.mentions`)."""
        return mention(platform=self.platform, user_id=self.platform_user_id, name=self.display_name)
