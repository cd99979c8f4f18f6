"""What the outbox needs from a platform's deliverer, and what a deliverer may answer (DESIGN §5).

Platform-neutral: the Slack adapter implements these today, a Lark one can tomorrow. Three outcomes
of a send matter to the worker, because they decide whether sending again could post twice:

- it went out (the deliverer returns the platform's message id);
- it certainly did not go out: `RetryLater` (try again later) or `Refused` (the platform said no for
  good: the row is dead at once, since waiting will not heal a missing channel or invalid blocks);
- nobody knows: `RetryLater(maybe_sent=True)`, any unexpected exception, or a worker that died
  mid-send. Before sending such a row again the worker asks the deliverer to `find` what that
  attempt may have posted, and adopts it instead of posting a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqmsbot.messages import Message


class RetryLater(Exception):
    """The platform said not now (rate limit, server error, unreachable): try again later.

    `maybe_sent`: the platform may have acted on the request before the failure (a timeout or a reset
    after the request went out, a 5xx); the next attempt looks for the message first.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class Refused(Exception):
    """The platform refused this message for good (no such channel, not a member, invalid content):
    it is dead at once, with the platform's reason kept, for an operator to fix and retry."""


@dataclass(frozen=True)
class Uploaded:
    """A file the platform already holds for this row: its id there, a link to it, and since when."""

    remote_id: str
    url: str | None
    at: datetime


class Attachments(Protocol):
    """The stored files of the row being delivered (`Message.attached`), read from the store.

    Uploads are remembered per row and file, in a write committed as soon as the platform confirms
    one: a send tried again (the post after the upload failed) reuses what it uploaded, so a file is
    uploaded once however often its message is retried.
    """

    def read(self, blob: str) -> bytes:
        """The file's bytes (LookupError when they are not stored)."""
        ...

    def uploaded(self, blob: str) -> Uploaded | None:
        """What an earlier attempt for this row uploaded of this file, if anything."""
        ...

    def record_upload(self, blob: str, *, remote_id: str, url: str | None) -> Uploaded:
        """Remember that the platform now holds this file for this row (committed at once)."""
        ...


class NoAttachments:
    """For a delivery made without the store (a test's): it carries no file."""

    def read(self, blob: str) -> bytes:
        raise LookupError(f"no stored file {blob} for this delivery")

    def uploaded(self, blob: str) -> Uploaded | None:
        return None

    def record_upload(self, blob: str, *, remote_id: str, url: str | None) -> Uploaded:
        raise LookupError(f"no stored file {blob} for this delivery")


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
    attachments: Attachments = field(default_factory=NoAttachments, compare=False)


class Deliverer(Protocol):
    platform: str

    def deliver(self, delivery: Delivery) -> str | None:
        """Send it; return the platform's message id. Raise RetryLater for a transient failure,
        Refused for a permanent one. A new message should carry `delivery.id` and `dedupe_key` where
        the platform keeps them with the message, so that `find` can recognise it."""
        ...


@runtime_checkable
class FindingDeliverer(Deliverer, Protocol):
    """A deliverer that can tell what an attempt with an unknown outcome left on the platform.

    A deliverer without `find` (the console, which cannot lose an answer) gets its row sent again.
    """

    def find(self, delivery: Delivery, *, since: datetime) -> str | None:
        """The id of the message an attempt started at `since` posted for this delivery, or None when
        it posted nothing (or when sending again is harmless, as an edit in place is). Raise
        RetryLater when the platform cannot be asked now (the row waits; it is never sent blindly),
        Refused when it can never tell (the platform will not let us look): the row is then sent
        again, and the log says why — a message seen twice is a lesser harm than one never seen."""
        ...
