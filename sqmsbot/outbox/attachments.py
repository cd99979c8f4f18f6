"""The store's side of `ports.Attachments`: a delivery's files, and what was uploaded of them.

Each read and each record is a short unit of work of its own, outside the worker's: a record must be
committed before the post that follows it, so that a post that fails leaves the upload remembered.
"""

from __future__ import annotations

from sqlalchemy import select, update

from sqmsbot.blobs import read_blob
from sqmsbot.clock import Clock
from sqmsbot.db import Database
from sqmsbot.models import MessageBlob
from sqmsbot.outbox.ports import Uploaded


class StoredAttachments:
    """The files of one outbox row (`outbox_id`)."""

    def __init__(self, db: Database, *, outbox_id: int, clock: Clock) -> None:
        self.db = db
        self.outbox_id = outbox_id
        self.clock = clock

    def read(self, blob: str) -> bytes:
        with self.db.transaction() as session:
            return read_blob(session, blob)

    def uploaded(self, blob: str) -> Uploaded | None:
        with self.db.transaction() as session:
            link = session.scalar(
                select(MessageBlob).where(MessageBlob.outbox_id == self.outbox_id, MessageBlob.blob == blob)
            )
        if link is None or link.remote_id is None or link.uploaded_at is None:
            return None
        return Uploaded(link.remote_id, link.remote_url, link.uploaded_at)

    def record_upload(self, blob: str, *, remote_id: str, url: str | None) -> Uploaded:
        """Kept on the row's link to the file; a row stored without one (the file was attached to a
        message that is not in the outbox) cannot remember it, which the caller hears as LookupError."""
        now = self.clock.now()
        with self.db.transaction() as session:
            result = session.execute(
                update(MessageBlob)
                .where(MessageBlob.outbox_id == self.outbox_id, MessageBlob.blob == blob)
                .values(remote_id=remote_id, remote_url=url, uploaded_at=now)
                .execution_options(synchronize_session=False)
            )
            if not getattr(result, "rowcount", 0):
                raise LookupError(f"outbox row {self.outbox_id} does not show the file {blob}")
        return Uploaded(remote_id, url, now)
