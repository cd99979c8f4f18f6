"""Attaching a file to a message: its bytes go into the caller's unit of work, the block names them.

A producer (a job making a chart, a command exporting a list) stores the bytes and puts the block it
gets back into its Message; the outbox row that carries the message commits in the same unit of work,
so either both are stored or neither is::

    chart = attach_image(session, data=png, name="mttr.png", alt="MTTR, last 12 weeks", now=now)
    notify.to_channel(key=..., channel=..., message=Message(text="Weekly KPIs", blocks=(chart,)))

The store is content-addressed: the same bytes twice are one row, which is also why two processes
storing them at once cannot collide (the key is the hash; the database settles the race).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sqmsbot.errors import SqmsError
from sqmsbot.messages import File, Image
from sqmsbot.models import Blob

MAX_BYTES = 20 * 1024 * 1024
"""The largest file a message may carry (20 MiB): a chart or an export is far smaller, and a whole
file is read into memory to be delivered. Slack itself would take more; the store should not."""
CONTENT_TYPE_LIMIT = 128


class AttachmentTooLarge(SqmsError):
    """A file over `MAX_BYTES`: refused before anything is written."""

    def __init__(self, *, name: str, size: int) -> None:
        super().__init__(
            "errors.attachment_too_large",
            name=name,
            size_mb=f"{size / 1024 / 1024:.1f}",
            limit_mb=f"{MAX_BYTES / 1024 / 1024:.0f}",
        )
        self.size = size

    def __str__(self) -> str:  # the log's reading: a producer's mistake, seen by an operator
        return f"{self.args_['name']} is {self.size} bytes; a message may carry at most {MAX_BYTES}"


def attach(session: Session, *, data: bytes, content_type: str, now: datetime, name: str = "") -> str:
    """Store the bytes in this unit of work; returns their hash, for an `Image` or `File` block.

    Already stored (the same chart again): the row is kept and marked used now, so housekeeping does
    not take it away from under this unit of work. `name` only makes the size error readable.
    """
    if len(data) > MAX_BYTES:
        raise AttachmentTooLarge(name=name or content_type, size=len(data))
    if not 0 < len(content_type) <= CONTENT_TYPE_LIMIT or "/" not in content_type:
        raise ValueError(f"not a content type: {content_type!r}")
    digest = hashlib.sha256(data).hexdigest()
    row: dict[str, Any] = {
        "sha256": digest,
        "content_type": content_type,
        "size": len(data),
        "data": data,
        "created_at": now,
        "used_at": now,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Blob).on_conflict_do_update(index_elements=["sha256"], set_={"used_at": now})
    session.execute(statement, row)
    return digest


def attach_image(
    session: Session, *, data: bytes, name: str, alt: str, now: datetime, content_type: str = "image/png"
) -> Image:
    """An image block showing these bytes (stored in this unit of work)."""
    blob = attach(session, data=data, content_type=content_type, now=now, name=name)
    return Image(blob=blob, name=name, alt=alt)


def attach_file(
    session: Session, *, data: bytes, name: str, content_type: str, now: datetime, title: str = ""
) -> File:
    """A file block offering these bytes (stored in this unit of work)."""
    blob = attach(session, data=data, content_type=content_type, now=now, name=name)
    return File(blob=blob, name=name, title=title)


def read_blob(session: Session, blob: str) -> bytes:
    """The bytes stored under this hash; LookupError when they are not (or no longer) stored."""
    data = session.scalar(select(Blob.data).where(Blob.sha256 == blob))
    if data is None:
        raise LookupError(f"no stored file {blob}")
    return bytes(data)
