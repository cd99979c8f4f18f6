"""Outbox rows → Slack: post, edit the card in place (chat.update), reply in its thread.

The SDK's retry handlers absorb a brief 429 or 5xx within one attempt; anything still failing is
handed back to the outbox as RetryLater (with Slack's Retry-After) so nothing is dropped and the
worker, not a sleeping thread, decides when to try again. The remote id is `channel:ts` because
chat.update needs both.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from sqmsbot.i18n import Translator
from sqmsbot.outbox import Delivery, RetryLater
from sqmsbot.platforms.slack.blocks import fallback_text, message_blocks

PLATFORM = "slack"
TRANSIENT_ERRORS = {"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"}


def make_client(token: str | None, base_url: str | None) -> WebClient:
    """The WebClient every Slack call goes through: our base URL (tests, proxies) and retry handlers."""
    client = WebClient(token=token, base_url=base_url or WebClient.BASE_URL, timeout=10)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=1),
        RateLimitErrorRetryHandler(max_retry_count=1),
        ServerErrorRetryHandler(max_retry_count=1),
    ]
    return client


def remote_id(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_remote_id(value: str) -> tuple[str, str]:
    channel, _, ts = value.rpartition(":")
    return channel, ts


class SlackDeliverer:
    """The outbox's Deliverer for Slack; `locale` only picks the language of adapter-made text."""

    platform = PLATFORM

    def __init__(self, client: WebClient, *, locale: str = "en") -> None:
        self.client = client
        self.t = Translator(locale)

    def deliver(self, delivery: Delivery) -> str | None:
        message = delivery.message
        text = fallback_text(message)
        blocks = message_blocks(message, self.t) or None
        try:
            if delivery.update_remote_id:
                channel, ts = split_remote_id(delivery.update_remote_id)
                self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks or [])
                return delivery.update_remote_id
            thread_ts = None
            if delivery.thread_remote_id:
                _, thread_ts = split_remote_id(delivery.thread_remote_id)
            response = self.client.chat_postMessage(
                channel=delivery.target, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False
            )
        except SlackApiError as exc:
            raise _transient(exc) or exc from exc
        except (SlackClientError, OSError) as exc:  # connection refused, timeout, TLS: try later
            raise RetryLater(f"slack unreachable: {exc}") from exc
        return remote_id(str(response["channel"]), str(response["ts"]))


def _transient(exc: SlackApiError) -> RetryLater | None:
    """429 (with Retry-After), 5xx and Slack's own transient error codes; None for a real refusal."""
    response = exc.response
    status = response.status_code
    error = str(response.get("error") or "")
    if status == 429 or error == "ratelimited":
        header = response.headers.get("retry-after") or response.headers.get("Retry-After")
        value = header[0] if isinstance(header, list) else header
        retry_after = float(value) if value and str(value).isdigit() else None
        return RetryLater(f"slack rate limit ({error or status})", retry_after=retry_after)
    if status >= 500 or error in TRANSIENT_ERRORS:
        return RetryLater(f"slack error {status} {error}".strip())
    return None
