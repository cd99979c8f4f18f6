"""Queueing notifications in the unit of work that causes them (DESIGN §5).

A change and the notifications it causes commit together: the rows are kept on the session until it
commits and written as its last statement; a rollback drops them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sqmsbot.blobs import attach_file, attach_image
from sqmsbot.db import UNIT_OF_WORK, insert_unless_taken, on_unit_of_work
from sqmsbot.messages import File, Image, Message, payload_blobs
from sqmsbot.models import Blob, MessageBlob, OutboxMessage, Person

log = logging.getLogger("sqmsbot.outbox")

PENDING = "sqmsbot.outbox.pending"
"""Where a unit of work keeps its notifications until it commits (`Session.info`)."""
KEYS_PER_READ = 500
"""How many dedupe keys one `Notifier.stored` statement asks about (bind parameters are limited)."""


@dataclass(frozen=True)
class Channel:
    """A channel on a platform: where a department's cards go."""

    platform: str
    id: str


@dataclass(frozen=True)
class Stored:
    """What a sender needs to know about a message already queued: when, and whether it is out yet."""

    key: str
    target: str
    status: str
    created_at: datetime
    next_attempt_at: datetime

    def held(self, now: datetime) -> bool:
        """Waiting for a later instant (a person's working hours), not yet sent."""
        return self.status == "pending" and self.next_attempt_at > now


class Notifier:
    """Queues notifications in the caller's unit of work; they are stored when it commits.

    Queued rather than inserted one by one: a unit of work that notifies a hundred people (a busy
    `sla_watch` minute) writes them in one statement, and a dedupe key already stored is skipped by the
    database itself (`ON CONFLICT DO NOTHING`), which also holds when two replicas race for one key.
    A rolled-back unit of work stores none of them.
    """

    def __init__(self, session: Session, *, platforms: tuple[str, ...], now: datetime) -> None:
        """`platforms`: the ones served, in order of preference (`Runtime.reachable`)."""
        self.session = session
        self.platforms = platforms
        self.now = now

    def to_channel(self, *, key: str, channel: Channel, message: Message) -> bool:
        """Post in a channel (`sqmsbot.notifications.audience.department_channel` picks which)."""
        return self._enqueue(
            key=key, platform=channel.platform, kind="channel", target=channel.id, message=message
        )

    def to_person(
        self, *, key: str, person: Person, message: Message, not_before: datetime | None = None
    ) -> bool:
        """A private message on the person's own platform, if it is served (else nobody could deliver
        it: it is logged and dropped). `not_before`: hold it until then (outside the person's working
        hours); the row waits in the outbox with that next attempt time, so it is delivered then even
        across restarts."""
        if person.platform not in self.platforms:
            log.info("not notifying %s: %s is not served here", person.platform_user_id, person.platform)
            return False
        return self._enqueue(
            key=key,
            platform=person.platform,
            kind="user",
            target=person.platform_user_id,
            message=message,
            not_before=not_before,
        )

    def stored(self, keys: Iterable[str]) -> dict[str, Stored]:
        """The messages already queued under any of these keys, in this unit of work or stored before:
        indexed reads on the unique key, a few hundred keys a statement."""
        wanted = sorted(set(keys))
        pending = _pending(self.session)
        found = {
            key: Stored(key, queued["target"], "pending", queued["created_at"], queued["next_attempt_at"])
            for key in wanted
            if (queued := pending.get(key)) is not None
        }
        rest = [key for key in wanted if key not in found]
        columns = (
            OutboxMessage.dedupe_key,
            OutboxMessage.target,
            OutboxMessage.status,
            OutboxMessage.created_at,
            OutboxMessage.next_attempt_at,
        )
        with self.session.no_autoflush:
            for start in range(0, len(rest), KEYS_PER_READ):
                chunk = rest[start : start + KEYS_PER_READ]
                query = select(*columns).where(OutboxMessage.dedupe_key.in_(chunk))
                for key, target, status, created_at, next_attempt_at in self.session.execute(query):
                    found[key] = Stored(key, target, status, created_at, next_attempt_at)
        return found

    def replace_held(self, *, key: str, message: Message, not_before: datetime) -> bool:
        """Give a held message (see `Stored.held`) newer content; False when it is no longer held (it
        is due, being sent, or sent), and the caller sends its own message instead."""
        pending = _pending(self.session)
        if key in pending:
            pending[key] |= {"payload": message.model_dump(mode="json"), "next_attempt_at": not_before}
            return True
        result = self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.dedupe_key == key,
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at > self.now,
            )
            .values(payload=message.model_dump(mode="json"), next_attempt_at=not_before)
            .execution_options(synchronize_session=False)
        )
        replaced = bool(getattr(result, "rowcount", 0))
        if replaced:
            _relink(self.session, key=key, blobs={b.blob for b in message.attached})
        return replaced

    def attach_image(self, *, data: bytes, name: str, alt: str, content_type: str = "image/png") -> Image:
        """An image block for a message of this unit of work, its bytes stored with it (`sqmsbot.blobs`)."""
        return attach_image(
            self.session, data=data, name=name, alt=alt, content_type=content_type, now=self.now
        )

    def attach_file(self, *, data: bytes, name: str, content_type: str, title: str = "") -> File:
        """A file block (a CSV, an XLSX) for a message of this unit of work, stored with it."""
        return attach_file(
            self.session, data=data, name=name, content_type=content_type, title=title, now=self.now
        )

    def has(self, key: str) -> bool:
        """Whether a message with this dedupe key is queued in this unit of work or already stored."""
        return key in self.stored([key])

    def _enqueue(
        self,
        *,
        key: str,
        platform: str,
        kind: str,
        target: str,
        message: Message,
        not_before: datetime | None = None,
    ) -> bool:
        """Queues the row; False when this unit of work already queued the key. A key stored by an
        earlier one is dropped at commit: it was (or is being) sent."""
        if not self.session.info.get(UNIT_OF_WORK):
            # only a Database's sessions store their queued rows at commit: elsewhere they would vanish
            raise RuntimeError("notifications need a unit of work from sqmsbot.db.Database.transaction()")
        pending = _pending(self.session)
        if key in pending:
            return False
        pending[key] = {
            "dedupe_key": key,
            "platform": platform,
            "target_kind": kind,
            "target": target,
            "payload": message.model_dump(mode="json"),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": max(self.now, not_before) if not_before else self.now,
            "created_at": self.now,
        }
        return True


def _pending(session: Session) -> dict[str, dict[str, Any]]:
    queued: dict[str, dict[str, Any]] = session.info.setdefault(PENDING, {})
    return queued


def _store_pending(session: Session) -> None:
    """Writes the unit of work's queued notifications, in the order queued (a card before its thread
    replies), as the last statement before it commits; with them, which stored files each shows.

    The links are written only for rows this unit of work stored (RETURNING names them): a key stored
    by an earlier one keeps that row's files, and its upload bookkeeping, untouched.
    """
    rows = session.info.pop(PENDING, None)
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = insert_unless_taken(OutboxMessage, dialect=dialect, unique=["dedupe_key"])
    files = {key: blobs for key, row in rows.items() if (blobs := payload_blobs(row["payload"]))}
    if not files:
        session.execute(insert, list(rows.values()))
        return
    _keep_files(session, files=set().union(*files.values()), now=max(r["created_at"] for r in rows.values()))
    stored = session.execute(
        insert.returning(OutboxMessage.id, OutboxMessage.dedupe_key), list(rows.values())
    )
    links = [
        {"outbox_id": row_id, "blob": blob} for row_id, key in stored for blob in sorted(files.get(key, ()))
    ]
    if links:
        session.execute(
            insert_unless_taken(MessageBlob, dialect=dialect, unique=["outbox_id", "blob"]), links
        )


class MissingFile(LookupError):
    """A message names a stored file that is not (or no longer) in the store: attach it again."""


def _keep_files(session: Session, *, files: set[str], now: datetime) -> None:
    """The files the queued messages show are all stored, and marked used now, so that housekeeping
    does not purge one between this commit and the link that keeps it; one that is not stored is a
    clear error (the unit of work rolls back), not a foreign-key failure taken for a lost race."""
    present = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(files))))
    missing = sorted(files - present)
    if missing:
        raise MissingFile(f"a queued message shows files that are not stored: {', '.join(missing)}")
    session.execute(
        update(Blob)
        .where(Blob.sha256.in_(files))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def _relink(session: Session, *, key: str, blobs: set[str]) -> None:
    """A held row got new content: it shows these files now (nothing was uploaded for it yet)."""
    row_id = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))
    session.execute(delete(MessageBlob).where(MessageBlob.outbox_id == row_id))
    if blobs:
        dialect = session.get_bind().dialect.name
        session.execute(
            insert_unless_taken(MessageBlob, dialect=dialect, unique=["outbox_id", "blob"]),
            [{"outbox_id": row_id, "blob": blob} for blob in sorted(blobs)],
        )


def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


on_unit_of_work("before_commit", _store_pending)
on_unit_of_work("after_rollback", _drop_pending)
