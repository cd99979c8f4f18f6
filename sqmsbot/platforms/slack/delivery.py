"""Outbox rows → Slack: post, edit the card in place (chat.update), reply in its thread.

chat.postMessage has no idempotency key, so the outbox's client never repeats a call by itself: it
has no retry handlers (the SDK's would sleep a Retry-After inside the worker's lease, and re-send a
post whose connection broke after Slack accepted it) and gives up after `slack_timeout`. What fails
goes back to the outbox, classified (`delivery_errors`): not now, no for good, or maybe sent. Each
post carries the outbox row in its message metadata, so `find` can tell, by reading the channel (or
thread) since the attempt, whether an attempt with an unknown outcome posted it. chat.update is
idempotent and needs no such look. The remote id is `channel:ts` because chat.update needs both.

A message's files are uploaded first, once per row (`uploads`), and shown in the card it posts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from sqmsbot.clock import Clock, SystemClock
from sqmsbot.config import Settings
from sqmsbot.i18n import Translator
from sqmsbot.outbox import Delivery, RetryLater
from sqmsbot.platforms.slack.blocks import SlackFile, fallback_text, message_blocks
from sqmsbot.platforms.slack.delivery_errors import failed_call, failed_lookup, file_not_ready
from sqmsbot.platforms.slack.name import PLATFORM
from sqmsbot.platforms.slack.uploads import upload_files

METADATA_EVENT = "sqmsbot_outbox"
"""The `event_type` of the metadata every outbox post carries: `{"row": id, "key": dedupe key}`."""
LOOKUP_MARGIN = timedelta(minutes=5)
"""Looked through from this long before the attempt started: Slack's clock is not ours."""
LOOKUP_PAGE = 200
LOOKUP_PAGES = 25


def make_client(token: str | None, base_url: str | None) -> WebClient:
    """The WebClient every Slack call goes through: our base URL (tests, proxies), retry handlers,
    and a logger that never shows a call's parameters, its answer or the token (`safe_log`)."""
    from sqmsbot.platforms.slack.safe_log import WEB_CLIENT_LOGGER, safe_logger

    logger = safe_logger(WEB_CLIENT_LOGGER)
    client = WebClient(token=token, base_url=base_url or WebClient.BASE_URL, timeout=10, logger=logger)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=1),
        RateLimitErrorRetryHandler(max_retry_count=1),
        ServerErrorRetryHandler(max_retry_count=1),
    ]
    return client


def outbox_client(client: WebClient, *, timeout: float) -> WebClient:
    """The outbox's client beside `client` (same token, URL, logger, proxy): no retry handlers, and
    `timeout` seconds per call. The worker, not the SDK, decides when a call is made again."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=timeout,  # type: ignore[arg-type]  # urllib takes fractions of a second too
        ssl=client.ssl,
        proxy=client.proxy,
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=[],
    )


def make_outbox_client(settings: Settings) -> WebClient:
    """The outbox's client for these settings (see `outbox_client`)."""
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    return outbox_client(client, timeout=settings.slack_timeout)


def remote_id(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_remote_id(value: str) -> tuple[str, str]:
    channel, _, ts = value.rpartition(":")
    return channel, ts


class SlackDeliverer:
    """The outbox's Deliverer for Slack; `locale` only picks the language of adapter-made text.

    Give it an outbox client (`outbox_client`): with the SDK's retry handlers a call could be made
    twice, or sleep, behind the worker's back.
    """

    platform = PLATFORM

    def __init__(self, client: WebClient, *, locale: str = "en", clock: Clock | None = None) -> None:
        self.client = client
        self.t = Translator(locale)
        self.clock = clock or SystemClock()

    def deliver(self, delivery: Delivery) -> str | None:
        message = delivery.message
        text = fallback_text(message)
        uploaded = upload_files(self.client, delivery) if message.attached else {}
        files = {blob: SlackFile(done.remote_id, done.url) for blob, done in uploaded.items()}
        blocks = message_blocks(message, self.t, files=files) or None
        posting = not delivery.update_remote_id
        try:
            if delivery.update_remote_id:
                channel, ts = split_remote_id(delivery.update_remote_id)
                self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks or [])
                return delivery.update_remote_id
            thread_ts = None
            if delivery.thread_remote_id:
                _, thread_ts = split_remote_id(delivery.thread_remote_id)
            response = self.client.chat_postMessage(
                channel=delivery.target,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                metadata=tag(delivery),
            )
        except Exception as exc:
            not_ready = file_not_ready(exc, uploaded=[u.at for u in uploaded.values()], now=self.clock.now())
            if not_ready is not None:
                raise not_ready from exc
            failure = failed_call(exc, posting=posting)
            if failure is exc:
                raise
            raise failure from exc
        return remote_id(str(response["channel"]), str(response["ts"]))

    def find(self, delivery: Delivery, *, since: datetime) -> str | None:
        """What an attempt started at `since` posted for this row: its `channel:ts`, or None. Reads the
        channel's history (a thread's replies; a person's DM, opened first) since then, with metadata."""
        if delivery.update_remote_id:
            return None  # an edit in place: making it again is harmless
        oldest = f"{(since - LOOKUP_MARGIN).timestamp():.6f}"
        try:
            if delivery.thread_remote_id:
                channel, thread_ts = split_remote_id(delivery.thread_remote_id)
                pages = self._pages("conversations_replies", channel=channel, ts=thread_ts, oldest=oldest)
            else:
                channel = self._channel(delivery)
                pages = self._pages("conversations_history", channel=channel, oldest=oldest)
            for page in pages:
                for message in page:
                    if is_tagged(message, delivery):
                        return remote_id(channel, str(message["ts"]))
        except RetryLater:
            raise
        except Exception as exc:
            raise failed_lookup(exc) from exc
        return None

    def _channel(self, delivery: Delivery) -> str:
        """Where a top-level post went: the channel, or the DM with the person (asked of Slack)."""
        if delivery.target_kind != "user":
            return delivery.target
        opened = self.client.conversations_open(users=delivery.target)
        return str(opened["channel"]["id"])

    def _pages(self, method: str, **args: str) -> Iterator[list[dict[str, Any]]]:
        """The messages of each page of a history or replies read, following Slack's cursor."""
        call = getattr(self.client, method)
        cursor: str | None = None
        for _ in range(LOOKUP_PAGES):
            response = call(**args, include_all_metadata=True, limit=LOOKUP_PAGE, cursor=cursor)
            yield list(response.get("messages") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return
        raise RetryLater(f"slack lookup: more than {LOOKUP_PAGES * LOOKUP_PAGE} messages since the attempt")


def tag(delivery: Delivery) -> dict[str, object]:
    """The message metadata that names the outbox row a post was made for."""
    return {"event_type": METADATA_EVENT, "event_payload": {"row": delivery.id, "key": delivery.dedupe_key}}


def is_tagged(message: dict[str, Any], delivery: Delivery) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return (
        metadata.get("event_type") == METADATA_EVENT
        and str(payload.get("row")) == str(delivery.id)
        and payload.get("key") == delivery.dedupe_key
    )
