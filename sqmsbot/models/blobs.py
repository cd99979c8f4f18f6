"""Files that messages carry (a PNG chart, a CSV export), stored once by content.

The bytes live in the store, not on a disk, because the process that delivers a message may be
another one (the spawned outbox worker, another replica) than the one that made it. Content-addressed:
the same chart attached to twenty messages is one row, and two processes storing it at once agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sqmsbot.models.base import Base
from sqmsbot.models.delivery import OutboxMessage


class Blob(Base):
    """One file's bytes, named by their SHA-256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime] = mapped_column(index=True)
    """When it was last attached: housekeeping keeps a file no message refers to for a while after
    this, so a unit of work that attached it a moment ago never finds it gone."""


class MessageBlob(Base):
    """An outbox row shows this file. Written with the row; goes when the row goes (housekeeping).

    It is also where a platform's copy of the file is remembered: a delivery that is tried again
    after its upload went through reuses the uploaded file instead of uploading it twice.
    """

    __tablename__ = "message_blobs"

    outbox_id: Mapped[int] = mapped_column(ForeignKey(OutboxMessage.id, ondelete="CASCADE"), primary_key=True)
    blob: Mapped[str] = mapped_column(ForeignKey(Blob.sha256), primary_key=True, index=True)
    remote_id: Mapped[str | None] = mapped_column(String(128))
    """The platform's id for the uploaded file (Slack `F…`), once the upload completed."""
    remote_url: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime | None]
