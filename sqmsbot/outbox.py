"""Durable outbound delivery (DESIGN §5).

A change and the notifications it causes commit together; a worker sends due rows later, backs off on
rate limits and server errors, records the platform's message id, and picks up after a crash. One
dedupe key is sent at most once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from sqmsbot.clock import Clock
from sqmsbot.db import Database, insert_unless_taken
from sqmsbot.leased import backoff, claim_due, drain, held
from sqmsbot.messages import Message
from sqmsbot.models import OutboxMessage, Person

log = logging.getLogger(__name__)


PENDING = "sqmsbot.outbox.pending"
"""Where a unit of work keeps its notifications until it commits (`Session.info`)."""
KEYS_PER_READ = 500
"""How many dedupe keys one `Notifier.stored` statement asks about (bind parameters are limited)."""


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

    def __init__(self, session: Session, *, platform: str, now: datetime) -> None:
        self.session = session
        self.platform = platform
        self.now = now

    def to_channel(self, *, key: str, channel: str, message: Message) -> bool:
        return self._enqueue(key=key, kind="channel", target=channel, message=message)

    def to_person(
        self, *, key: str, person: Person, message: Message, not_before: datetime | None = None
    ) -> bool:
        """`not_before`: hold it until then (outside the person's working hours); the row waits in the
        outbox with that next attempt time, so it is delivered then even across restarts."""
        if person.platform != self.platform:
            log.info("not notifying %s across platforms (%s)", person.platform_user_id, person.platform)
            return False
        return self._enqueue(
            key=key, kind="user", target=person.platform_user_id, message=message, not_before=not_before
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
        return bool(getattr(result, "rowcount", 0))

    def has(self, key: str) -> bool:
        """Whether a message with this dedupe key is queued in this unit of work or already stored."""
        return key in self.stored([key])

    def _enqueue(
        self, *, key: str, kind: str, target: str, message: Message, not_before: datetime | None = None
    ) -> bool:
        """Queues the row; False when this unit of work already queued the key. A key stored by an
        earlier one is dropped at commit: it was (or is being) sent."""
        pending = _pending(self.session)
        if key in pending:
            return False
        pending[key] = {
            "dedupe_key": key,
            "platform": self.platform,
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


@event.listens_for(Session, "before_commit")
def _store_pending(session: Session) -> None:
    """Writes the unit of work's queued notifications, in the order queued (a card before its thread
    replies), as the last statement before it commits."""
    rows = session.info.pop(PENDING, None)
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    session.execute(
        insert_unless_taken(OutboxMessage, dialect=dialect, unique=["dedupe_key"]), list(rows.values())
    )


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


class RetryLater(Exception):
    """The platform said not now (rate limit, server error, unreachable): try again later."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Delivery:
    """One row ready to send, with the platform ids of the card it edits or threads under."""

    id: int
    dedupe_key: str
    target_kind: str
    target: str
    message: Message
    update_remote_id: str | None
    thread_remote_id: str | None


class Deliverer(Protocol):
    platform: str

    def deliver(self, delivery: Delivery) -> str | None:
        """Send it; return the platform's message id. Raise RetryLater for a transient failure."""
        ...


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        deliverer: Deliverer,
        clock: Clock,
        *,
        batch: int = 50,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 12,
        base_backoff: timedelta = timedelta(seconds=5),
        max_backoff: timedelta = timedelta(hours=1),
    ) -> None:
        self.db = db
        self.deliverer = deliverer
        self.clock = clock
        self.batch = batch
        self.lease = lease
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.last_round_full = False

    def run_once(self) -> int:
        """Send every due row once; returns how many were delivered."""
        delivered = 0
        claimed = self._claim()
        self.last_round_full = len(claimed) >= self.batch
        for row_id, lease in claimed:
            try:
                delivered += self._send(row_id, lease)
            except Exception as exc:  # one unreadable row must not hold up the rest of the batch
                log.exception("outbox row %s cannot be sent", row_id)
                self._failed(row_id, lease, f"{type(exc).__name__}: {exc}", None, permanent=True)
        return delivered

    def drain(self, *, rounds: int = 10) -> int:
        """Deliver until nothing is due (or `rounds` passes): the console does this after each command."""
        return drain(self.run_once, rounds=rounds)

    def run_forever(self, stop: threading.Event, *, interval: float = 1.0) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("outbox round failed; trying again")
                self.last_round_full = False
            if not self.last_round_full:  # a full batch means more are waiting: no pause
                stop.wait(interval)

    def _claim(self) -> list[tuple[int, datetime]]:
        """Due rows (and rows whose sender's lease ran out) for this worker: (id, our lease) each."""
        rows, lease = claim_due(
            self.db, OutboxMessage, platform=self.deliverer.platform, working="sending",
            now=self.clock.now(), lease=self.lease, batch=self.batch,
        )  # fmt: skip
        return [(row.id, lease) for row in rows]

    def _send(self, row_id: int, lease: datetime) -> int:
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or not held(row, working="sending", lease=lease):
                return 0
            message = Message.model_validate(row.payload)
            parent_ids = self._remote_ids(session, message)
            if parent_ids is None:  # the card this edits or threads under is not out yet
                row.status = "pending"
                row.lease_until = None
                row.next_attempt_at = self.clock.now() + timedelta(seconds=1)
                return 0
            delivery = Delivery(
                id=row.id,
                dedupe_key=row.dedupe_key,
                target_kind=row.target_kind,
                target=row.target,
                message=message,
                update_remote_id=parent_ids[0],
                thread_remote_id=parent_ids[1],
            )
        try:
            remote_id = self.deliverer.deliver(delivery)
        except RetryLater as exc:
            self._failed(row_id, lease, str(exc), exc.retry_after)
            return 0
        except Exception as exc:
            log.exception("delivering outbox row %s failed", row_id)
            self._failed(row_id, lease, f"{type(exc).__name__}: {exc}", None)
            return 0
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, row_id)
            if row is not None and row.status != "sent":  # it went out: record that, whoever held it
                row.status = "sent"
                row.sent_at = self.clock.now()
                row.remote_id = remote_id
                row.lease_until = None
                row.attempts += 1
        return 1

    def _remote_ids(self, session: Session, message: Message) -> tuple[str | None, str | None] | None:
        ids: list[str | None] = []
        for key in (message.update_of, message.thread_of):
            if key is None:
                ids.append(None)
                continue
            parent = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
            if parent is None or parent.status == "dead":
                ids.append(None)  # nothing to edit or thread under: send as a new message
            elif parent.status != "sent":
                return None
            else:
                ids.append(parent.remote_id)
        return ids[0], ids[1]

    def _failed(
        self, row_id: int, lease: datetime, error: str, retry_after: float | None, *, permanent: bool = False
    ) -> None:
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or not held(
                row, working="sending", lease=lease
            ):  # another worker took it over meanwhile
                return
            row.attempts += 1
            row.last_error = error[:2000]
            row.lease_until = None
            if permanent or row.attempts >= self.max_attempts:
                row.status = "dead"
                log.error(
                    "outbox row %s (%s) gave up after %s attempts", row.id, row.dedupe_key, row.attempts
                )
                return
            row.status = "pending"
            row.next_attempt_at = self.clock.now() + backoff(
                row.attempts, base=self.base_backoff, cap=self.max_backoff, retry_after=retry_after
            )
