"""The delivery worker: sends due outbox rows, once each, whatever the platform does (DESIGN §5).

A platform post has no idempotency key, so "send again after a failure" is only safe when the failure
says the message did not go out. The worker therefore records, in a committed write just before each
send, that an attempt started (`attempt_started_at`); a send that settles (it went out, or the
platform answered no) clears it. A row that still carries it when it is tried again had an attempt
whose outcome nobody knows (a timeout, a connection reset after the request left, a worker killed
mid-send whose lease ran out): the deliverer is asked to `find` what that attempt posted, and the
worker adopts it rather than post a second copy. If the platform cannot be asked now, the row
waits; if it will never let us look (the bot may post to a channel it may not read), the row is sent
again with a warning in the log.

Nothing here sleeps: a rate limit reschedules the row after the platform's Retry-After (a sleep
inside the lease would let another replica take the row and send it too), and the rest of the
round's rows for the same target wait with it, while other targets keep flowing. Transient failures
are retried with capped back-off until `retry_horizon` has passed since the row started failing; a
refusal is dead at once. Dead rows are listed and retried by `sqmsbot outbox` (see `admin`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sqmsbot.clock import Clock
from sqmsbot.db import Database
from sqmsbot.leased import backoff, claim_due, drain, held
from sqmsbot.messages import Message
from sqmsbot.models import OutboxMessage
from sqmsbot.outage import Outage
from sqmsbot.outbox.attachments import StoredAttachments
from sqmsbot.outbox.ports import Deliverer, Delivery, FindingDeliverer, Refused, RetryLater

log = logging.getLogger("sqmsbot.outbox")

Target = tuple[str, str]


@dataclass(frozen=True)
class _Claim:
    """A row this worker holds: its id, the lease that is our token for it, and where it goes."""

    id: int
    lease: datetime
    target: Target


@dataclass(frozen=True)
class _Failure:
    """How an attempt failed: whether it may have gone out, and whether waiting can heal it."""

    error: str
    retry_after: float | None = None
    maybe_sent: bool = False
    permanent: bool = False
    rests_target: bool = False


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        deliverer: Deliverer,
        clock: Clock,
        *,
        batch: int = 50,
        lease: timedelta = timedelta(minutes=2),
        base_backoff: timedelta = timedelta(seconds=5),
        max_backoff: timedelta = timedelta(seconds=600),
        retry_horizon: timedelta = timedelta(days=2),
        max_attempts: int | None = None,
    ) -> None:
        """`max_attempts` (none by default) ends a row sooner than the horizon: tests, the console."""
        self.db = db
        self.deliverer = deliverer
        self.clock = clock
        self.batch = batch
        self.lease = lease
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.retry_horizon = retry_horizon
        self.max_attempts = max_attempts
        self.last_round_full = False
        self.outage = Outage(log, "the outbox round")  # one line per change of state, not per round

    def run_once(self) -> int:
        """Send every due row once; returns how many went out (sent, or found already posted)."""
        delivered = 0
        claimed = self._claim()
        self.last_round_full = len(claimed) >= self.batch
        resting: dict[Target, datetime] = {}  # targets that said "not now", until when
        for claim in claimed:
            if claim.target in resting:
                self._postpone(claim, resting[claim.target])
                continue
            try:
                outcome = self._send(claim)
            except SQLAlchemyError:
                raise  # the store, not the row: the round ends, the rows wait out their leases
            except Exception as exc:  # one unreadable row must not hold up the rest of the batch
                log.exception("outbox row %s cannot be sent", claim.id)
                self._failed(claim, _Failure(f"{type(exc).__name__}: {exc}", permanent=True))
                continue
            if isinstance(outcome, datetime):
                resting[claim.target] = outcome
            else:
                delivered += outcome
        return delivered

    def drain(self, *, rounds: int = 10) -> int:
        """Deliver until nothing is due (or `rounds` passes): the console does this after each command."""
        return drain(self.run_once, rounds=rounds)

    def run_forever(self, stop: threading.Event, *, interval: float = 1.0) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception as exc:  # the store is down, most likely: one line per change of state
                self.outage.failed(exc)
                self.last_round_full = False
            else:
                self.outage.cleared()
            if not self.last_round_full:  # a full batch means more are waiting: no pause
                stop.wait(interval)

    def _claim(self) -> list[_Claim]:
        """Due rows (and rows whose sender's lease ran out) for this worker."""
        rows, lease = claim_due(
            self.db, OutboxMessage, platform=self.deliverer.platform, working="sending",
            now=self.clock.now(), lease=self.lease, batch=self.batch,
        )  # fmt: skip
        return [_Claim(row.id, lease, (row.target_kind, row.target)) for row in rows]

    def _send(self, claim: _Claim) -> int | datetime:
        """1 when it went out, 0 when not now; a datetime when its target must rest until then."""
        prepared = self._prepare(claim)
        if prepared is None:
            return 0
        delivery, unknown_since = prepared
        if unknown_since is not None and isinstance(self.deliverer, FindingDeliverer):
            try:
                found = self.deliverer.find(delivery, since=unknown_since)
            except Refused as exc:  # we may not look (not in the channel): a card seen twice is a
                # lesser harm than one never seen, so it is sent again, and the log says so
                log.warning(
                    "cannot look for what outbox row %s posted (%s); sending it again",
                    claim.id,
                    _first_line(exc),
                )
                found = None
            except Exception as exc:  # cannot tell whether it is out yet: never post blindly
                if not isinstance(exc, RetryLater):
                    log.exception("looking for what outbox row %s posted failed", claim.id)
                retry_after = exc.retry_after if isinstance(exc, RetryLater) else None
                failure = _Failure(
                    f"looking for an earlier attempt: {exc}", retry_after, maybe_sent=True, rests_target=True
                )
                return self._failed(claim, failure) or 0
            if found is not None:
                log.info("outbox row %s (%s) was posted by an earlier attempt", claim.id, delivery.dedupe_key)
                self._sent(claim.id, found)
                return 1
        attempt = self._start_attempt(claim)
        if attempt is None:  # another worker took the row over meanwhile
            return 0
        try:
            remote_id = self.deliverer.deliver(delivery)
        except RetryLater as exc:
            failure = _Failure(str(exc), exc.retry_after, maybe_sent=exc.maybe_sent, rests_target=True)
            return self._failed(attempt, failure) or 0
        except Refused as exc:
            self._failed(attempt, _Failure(_first_line(exc), permanent=True))
            return 0
        except Exception as exc:  # not the platform's answer: it may or may not have gone out
            log.exception("delivering outbox row %s failed", claim.id)
            self._failed(attempt, _Failure(f"{type(exc).__name__}: {exc}", maybe_sent=True))
            return 0
        self._sent(claim.id, remote_id)
        return 1

    def _prepare(self, claim: _Claim) -> tuple[Delivery, datetime | None] | None:
        """The delivery, and when an earlier attempt with an unknown outcome started; None when the
        row is no longer ours, or waits for the card it edits or threads under."""
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, claim.id)
            if row is None or not held(row, working="sending", lease=claim.lease):
                return None
            message = Message.model_validate(row.payload)
            parent_ids = self._remote_ids(session, message)
            if parent_ids is None:  # the card this edits or threads under is not out yet
                row.status = "pending"
                row.lease_until = None
                row.next_attempt_at = self.clock.now() + timedelta(seconds=1)
                return None
            delivery = Delivery(
                id=row.id,
                dedupe_key=row.dedupe_key,
                target_kind=row.target_kind,
                target=row.target,
                message=message,
                update_remote_id=parent_ids[0],
                thread_remote_id=parent_ids[1],
                attachments=StoredAttachments(self.db, outbox_id=row.id, clock=self.clock),
            )
            return delivery, row.attempt_started_at

    def _start_attempt(self, claim: _Claim) -> _Claim | None:
        """Record, committed before the send, that an attempt starts now; the lease is renewed from
        now (compare-and-set on our old one), so a long round never leaves a send with little lease."""
        now = self.clock.now()
        renewed = now + self.lease
        with self.db.transaction() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == claim.id,
                    OutboxMessage.status == "sending",
                    OutboxMessage.lease_until == claim.lease,
                )
                .values(attempt_started_at=now, lease_until=renewed)
                .execution_options(synchronize_session=False)
            )
            if not getattr(result, "rowcount", 0):
                return None
        return _Claim(claim.id, renewed, claim.target)

    def _sent(self, row_id: int, remote_id: str | None) -> None:
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, row_id)
            if row is not None and row.status != "sent":  # it went out: record that, whoever held it
                row.status = "sent"
                row.sent_at = self.clock.now()
                row.remote_id = remote_id
                row.lease_until = None
                row.attempts += 1
                row.attempt_started_at = None
                row.failing_since = None

    def _postpone(self, claim: _Claim, until: datetime) -> None:
        """Not tried this round: its target just said not now. No attempt is counted."""
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, claim.id)
            if row is not None and held(row, working="sending", lease=claim.lease):
                row.status = "pending"
                row.lease_until = None
                row.next_attempt_at = until

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

    def _failed(self, claim: _Claim, failure: _Failure) -> datetime | None:
        """Count the attempt and decide: dead, or when to try again. Returns that time when the
        target should rest with it (the platform said not now), else None."""
        now = self.clock.now()
        with self.db.transaction() as session:
            row = session.get(OutboxMessage, claim.id)
            if row is None or not held(row, working="sending", lease=claim.lease):
                return None  # another worker took it over meanwhile
            row.attempts += 1
            row.last_error = failure.error[:2000]
            row.lease_until = None
            if not failure.maybe_sent:
                row.attempt_started_at = None  # settled: we know it did not go out
            row.failing_since = row.failing_since or now
            out_of_attempts = self.max_attempts is not None and row.attempts >= self.max_attempts
            if failure.permanent or out_of_attempts or now - row.failing_since >= self.retry_horizon:
                row.status = "dead"
                log.error(
                    "outbox row %s (%s) is dead after %s attempts: %s",
                    row.id, row.dedupe_key, row.attempts, row.last_error,
                )  # fmt: skip
                return None
            row.status = "pending"
            row.next_attempt_at = now + backoff(
                row.attempts, base=self.base_backoff, cap=self.max_backoff, retry_after=failure.retry_after
            )
            return row.next_attempt_at if failure.rests_target else None


def _first_line(exc: Exception) -> str:
    """A refusal's reason, without the platform's whole answer after it."""
    return (str(exc).splitlines() or [type(exc).__name__])[0]
