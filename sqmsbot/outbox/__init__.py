"""Durable outbound delivery (DESIGN §5).

A change and the notifications it causes commit together (`notifier`); a worker sends due rows later,
backs off on rate limits and server errors without sleeping, records the platform's message id, and
picks up after a crash (`worker`). One dedupe key is posted at most once: an attempt whose outcome is
unknown is looked up on the platform before anything is sent again (`ports`). Dead rows are visible
and can be retried (`admin`). A message's files travel with it: stored in the same unit of work,
read by the deliverer from the store, uploaded once per row (`attachments`).
"""

from sqmsbot.outbox.admin import outbox_health, retry_dead, unsent_rows
from sqmsbot.outbox.notifier import KEYS_PER_READ, PENDING, Channel, Notifier, Stored
from sqmsbot.outbox.ports import (
    Attachments,
    Deliverer,
    Delivery,
    FindingDeliverer,
    NoAttachments,
    Refused,
    RetryLater,
    Uploaded,
)
from sqmsbot.outbox.worker import OutboxWorker

__all__ = [
    "KEYS_PER_READ",
    "PENDING",
    "Attachments",
    "Channel",
    "Deliverer",
    "Delivery",
    "FindingDeliverer",
    "NoAttachments",
    "Notifier",
    "OutboxWorker",
    "Refused",
    "RetryLater",
    "Stored",
    "Uploaded",
    "outbox_health",
    "retry_dead",
    "unsent_rows",
]
