"""What a failed Slack call means for the outbox: not now, no for good, or maybe done.

The distinction decides whether sending again could post twice, so it is made here once, from what
the SDK raised:

- Slack answered 429 (`Retry-After` kept): not done; try after it.
- Slack answered 5xx or one of its own transient codes: perhaps done (Slack says some part may have
  succeeded), so a post is looked up before it is sent again; try later.
- Slack answered an authentication problem: not done; a token an operator is fixing heals by waiting.
- Slack answered any other `ok: false` (channel_not_found, not_in_channel, invalid_blocks…): refused
  for good (`SlackRefusal`).
- No answer: the connection was refused or the request never left — not done; otherwise (a timeout,
  a reset, a broken answer) the post may be out: perhaps done.

Looking for an earlier attempt's post reads the conversation (`channels:history`, `groups:history`,
`im:history`, and `im:write` to open a DM); a bot that may not read it cannot tell: it sends again
and logs why. Uploading a message's files needs `files:write`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from http.client import HTTPException
from socket import gaierror
from urllib.error import URLError

from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError
from slack_sdk.web import SlackResponse

from sqmsbot.outbox import Refused, RetryLater

TRANSIENT_ERRORS = {"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"}
FILE_SETTLE = timedelta(minutes=10)
"""How long after an upload Slack may still be processing the file (it scans it first, and a bigger
file takes longer): a card naming it is refused meanwhile, which is a not-yet rather than a no."""
FILE_SETTLE_RETRY = 5.0
AUTH_ERRORS = {
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "ekm_access_denied",
}


class SlackRefusal(SlackApiError, Refused):
    """Slack's refusal, as the SDK reports it (SlackApiError) and as the outbox reads it (Refused)."""

    def __init__(self, message: str, response: SlackResponse) -> None:
        super().__init__(message, response)  # type: ignore[no-untyped-call]  # the SDK leaves it untyped


def failed_call(exc: Exception, *, posting: bool) -> Exception:
    """The outbox's reading of an exception from a send; `posting`: a new message (not an edit in
    place, which is harmless to repeat). Anything not recognised is handed back as it is (the worker
    treats it as perhaps done)."""
    if isinstance(exc, SlackApiError):
        return _answered(exc, posting=posting)
    if isinstance(exc, SlackRequestError) or _not_sent(exc):
        return RetryLater(f"slack unreachable: {exc}")
    if isinstance(exc, SlackClientError | OSError | HTTPException):
        return RetryLater(f"slack did not answer: {type(exc).__name__}: {exc}", maybe_sent=posting)
    return exc


def file_not_ready(exc: Exception, *, uploaded: Iterable[datetime], now: datetime) -> RetryLater | None:
    """A post refused as `invalid_blocks` for its `slack_file` shortly after one of its files was
    uploaded: Slack completes uploads asynchronously, so try again in a moment (nothing was posted).
    None when the refusal is anything else, or the upload is older than `FILE_SETTLE`."""
    if not isinstance(exc, SlackApiError) or exc.response.get("error") != "invalid_blocks":
        return None
    details = " ".join(str(e) for e in exc.response.get("errors") or ())
    if "slack_file" not in details and "slack file" not in details:
        return None
    if not any(now - at < FILE_SETTLE for at in uploaded):
        return None
    return RetryLater("slack is still processing an uploaded file", retry_after=FILE_SETTLE_RETRY)


def failed_lookup(exc: Exception) -> RetryLater | SlackRefusal:
    """What went wrong while looking for an earlier attempt's post: ask again later, unless Slack
    refuses the look for good (the bot may not read that channel: `not_in_channel`); then the worker
    sends it again and logs why — a card seen twice is a lesser harm than one never seen."""
    if isinstance(exc, SlackApiError):
        answer = _answered(exc, posting=False)
        if isinstance(answer, SlackRefusal):
            error = exc.response.get("error") or exc.response.status_code
            reason = f"slack refused the lookup: {error} (cannot tell if it was posted)"
            return SlackRefusal(reason, exc.response)
        if isinstance(answer, RetryLater):
            return RetryLater(f"slack lookup failed: {answer}", retry_after=answer.retry_after)
    return RetryLater(f"slack lookup failed: {type(exc).__name__}: {exc}")


def _answered(exc: SlackApiError, *, posting: bool) -> Exception:
    response = exc.response
    status = response.status_code
    error = str(response.get("error") or "")
    if status == 429 or error == "ratelimited":
        retry_after = _retry_after(response)
        return RetryLater(f"slack rate limit ({error or status})", retry_after=retry_after)
    if status >= 500 or error in TRANSIENT_ERRORS:
        return RetryLater(f"slack error {status} {error}".strip(), maybe_sent=posting)
    if error in AUTH_ERRORS:
        return RetryLater(f"slack refused the token: {error}")
    if not error:  # not Slack's answer at all (a proxy's 403/407 page, a wrong SQMS_SLACK_API_URL)
        return RetryLater(f"no Slack answer (HTTP {status})", maybe_sent=posting and status < 400)
    return SlackRefusal(f"slack refused it: {error}", response)


def _retry_after(response: object) -> float | None:
    headers = getattr(response, "headers", None) or {}
    header = headers.get("retry-after") or headers.get("Retry-After")
    value = header[0] if isinstance(header, list) else header
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _not_sent(exc: Exception) -> bool:
    """The request certainly never reached Slack: nobody listening, or no such host."""
    reason = exc.reason if isinstance(exc, URLError) else exc
    return isinstance(reason, ConnectionRefusedError | gaierror)
