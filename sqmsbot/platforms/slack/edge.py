"""The door of HTTP mode: what a request to /slack/events must be before anything else touches it.

Bolt reads the whole body, then parses it, then checks the signature — and logs the body when the
check fails. So one unsigned 100 MB POST cost 600 MB of memory and 100 MB of log, a non-UTF-8 body
or a non-numeric timestamp was a 500 with a traceback before any check, and a signed but odd body
(`actions` a string, a view without `type`) crashed a listener. `admit` puts the checks in the order
that costs an attacker's request the least (issue 9):

1. size — a Content-Length over `Settings.max_body_bytes` is refused with 413 unread, and a body
   without one is read with a running count and refused the moment it passes the limit;
2. signature — Slack's v0 HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret, the
   timestamp within 5 minutes of now (as slack_sdk's SignatureVerifier checks it, but on the raw
   bytes and without its `int()` on a header anyone can send): 401, nothing parsed;
3. parsing — UTF-8, a well-formed form, `payload=` a JSON object, a JSON body an object: else 400;
4. shape — what Bolt and our listeners read must be there with the right type and sane ids
   (`shape_problem`): else 400, so nothing odd is ever stored in the inbound queue.

Only then does Bolt see the body (and verify it again, which is cheap). A refusal is logged as one
short line that names the reason, never the body. `shape_problem` also runs as a Bolt global
middleware (`check_shape`), so Socket Mode — where the bot dials Slack and nothing is signed —
ignores an odd payload too (acknowledged, nothing stored; Bolt builds its request before any
middleware runs, so a payload odd enough to break that is logged by the Socket Mode client as a
failed listener and still stores nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from sqmsbot.config import Settings
from sqmsbot.platforms.slack.safe_log import safe_logger

log = safe_logger(__name__)
WINDOW_S = 5 * 60  # Slack's replay window for a signed request
ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # Slack ids are a few upper-case letters and digits
COMMAND = re.compile(r"/[^\s/]{1,63}")
MAX_URL = 2048
MAX_TOKEN = 255  # trigger ids, action ids, callback ids, event ids
Body = dict[str, Any]


class Refused(Exception):
    """Why a request goes no further: its HTTP status and a short reason for the log (no content)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def admit(
    request: Request, settings: Settings, app: App, *, now: Callable[[], float] = time.time
) -> bytes | Response:
    """The body of a request that passed every check, or the refusal to answer it with.

    The signing secret is the one `app` verifies with (tests and `create_bolt_app(signing_secret=…)`
    may give one the settings do not have), else the settings'. `now` is the wall clock the
    timestamp is compared with: Slack's, never the runtime's (a test's manual clock).
    """
    try:
        body = await read_body(request, settings.max_body_bytes)
        if is_ssl_check(body, request.headers.get("content-type")):
            return Response(status_code=200)  # Slack checking the certificate: nothing to do, nothing stored
        secret = str(getattr(app, "_signing_secret", "") or settings.slack_signing_secret or "")
        verify(secret, request.headers, body, now())
        shape = shape_problem(parse(body, request.headers.get("content-type")))
        if shape is not None:
            raise Refused(400, f"odd shape: {shape}")
    except Refused as refused:
        log.info("slack request refused with %s: %s", refused.status, refused.reason)
        return Response(status_code=refused.status)
    return body


def is_ssl_check(body: bytes, content_type: str | None) -> bool:
    """Slack's periodic certificate check of a slash command's URL (`ssl_check=1&token=…`), which it
    does not sign; answered 200 as Bolt answers it, before any other check, and never stored."""
    if len(body) > 512 or not (content_type or "").startswith("application/x-www-form-urlencoded"):
        return False
    try:
        fields = dict(parse_qsl(body.decode("ascii"), strict_parsing=True))
    except ValueError:
        return False
    return fields.get("ssl_check") == "1" and "command" not in fields


async def read_body(request: Request, limit: int) -> bytes:
    """The body, at most `limit` bytes: a longer one is refused before it is read (Content-Length)
    or as soon as the count passes the limit (no length, chunked), so it never sits in memory."""
    length = request.headers.get("content-length")
    if length is not None and not (length.isascii() and length.isdigit()):
        raise Refused(400, "bad Content-Length")
    if length is not None and int(length) > limit:
        raise Refused(413, f"Content-Length {length} over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Refused(413, f"body over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise Refused(400, "client went away mid-body") from None
    return b"".join(chunks)


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Slack's v0 signature over the raw bytes, within the 5-minute window; raises Refused(401)."""
    timestamp = headers.get("x-slack-request-timestamp") or ""
    signature = headers.get("x-slack-signature") or ""
    if not secret:
        raise Refused(401, "no signing secret to check with")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Refused(401, "missing or non-numeric timestamp")
    if abs(now - int(timestamp)) > WINDOW_S:
        raise Refused(401, "timestamp outside the 5-minute window")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = b"v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(expected, signature.encode("latin-1", "replace")):
        raise Refused(401, "bad signature")


def parse(body: bytes, content_type: str | None) -> Body:
    """The body as Bolt will read it (same rules: JSON when declared so or when it starts with `{`,
    else a form whose `payload` is JSON), but strict: what Bolt would choke on is Refused(400)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    declared = (content_type or "").split(";")[0]
    if declared == "application/json" or text.startswith("{"):
        return _json_object(text, "JSON body")
    try:
        form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict"))
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "malformed form") from None
    if "payload" in form:
        return _json_object(form["payload"], "payload")
    return form


def _json_object(text: str, what: str) -> Body:
    try:
        value = json.loads(text)
    except ValueError:
        raise Refused(400, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return value


# ----- shape -------------------------------------------------------------------------------------------


def shape_problem(body: Body) -> str | None:
    """What is wrong with a parsed Slack request, or None: the fields Bolt and our listeners read,
    with their types and sane lengths. A short phrase for the log, never a value from the body."""
    kind = body.get("type")
    if "command" in body:
        return _slash(body)
    if kind == "url_verification":
        return None if isinstance(body.get("challenge"), str) else "challenge is not a string"
    if not isinstance(kind, str) or not kind:
        return "no type"
    problem = _context(body)
    if problem is None and kind == "event_callback":
        problem = _event(body)
    if problem is None and kind in ("block_actions", "view_submission", "view_closed"):
        problem = _interaction(body, kind)
    return problem


def _slash(body: Body) -> str | None:
    if not isinstance(body.get("command"), str) or not COMMAND.fullmatch(body["command"]):
        return "command"
    for key in ("user_id", "channel_id"):
        if not _is_id(body.get(key)):
            return key
    if body.get("team_id") not in (None, "") and not _is_id(body.get("team_id")):
        return "team_id"
    if not isinstance(body.get("text", ""), str):
        return "text"
    return _strings(body, ("response_url", MAX_URL), ("trigger_id", MAX_TOKEN), ("user_name", MAX_TOKEN))


def _context(body: Body) -> str | None:
    """What Bolt reads of every request to build its context (enterprise, team, user, channel)."""
    for key in ("enterprise", "team", "user", "channel"):
        value = body.get(key)
        if value is not None and not isinstance(value, str | dict):
            return f"{key} is neither an id nor an object"
        if isinstance(value, str) and not _is_id(value):
            return key
        if isinstance(value, dict) and "id" in value and not _is_id(value["id"]):
            return f"{key} id"
    for key in ("team_id", "user_id", "channel_id", "enterprise_id", "api_app_id"):
        if body.get(key) not in (None, "") and not _is_id(body.get(key)):
            return key
    for key in ("authorizations", "response_urls"):
        value = body.get(key)
        if value is not None and not _objects(value):
            return f"{key} is not a list of objects"
    for key in ("event", "view", "container", "message"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return f"{key} is not an object"
    return _strings(body, ("response_url", MAX_URL), ("trigger_id", MAX_TOKEN))


def _event(body: Body) -> str | None:
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event without a type"
    if body.get("event_id") is not None and not _is_id(body.get("event_id")):
        return "event_id"
    for key in ("user", "channel"):
        value = event.get(key)
        if value is not None and not isinstance(value, str | dict):
            return f"event {key}"
    if event["type"] == "app_home_opened":
        if not _is_id(event.get("user")):
            return "app_home_opened without a user id"
        if event.get("channel") is not None and not _is_id(event.get("channel")):
            return "event channel"
        return _strings(event, ("tab", MAX_TOKEN))
    return None


def _interaction(body: Body, kind: str) -> str | None:
    user = body.get("user")
    if not isinstance(user, dict) or not _is_id(user.get("id")):
        return "user without an id"
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not _objects(actions):
            return "actions is not a list of objects"
        for action in actions:
            if not isinstance(action.get("action_id"), str) or len(action["action_id"]) > MAX_TOKEN:
                return "action without an action_id"
            problem = _strings(action, ("value", 2000), ("block_id", MAX_TOKEN), ("action_ts", MAX_TOKEN))
            if problem:
                return f"action {problem}"
        return None
    view = body.get("view")
    if not isinstance(view, dict) or not isinstance(view.get("type"), str):
        return "view without a type"
    problem = _strings(view, ("callback_id", MAX_TOKEN), ("id", MAX_TOKEN), ("hash", MAX_TOKEN))
    if problem or not isinstance(view.get("callback_id"), str):
        return f"view {problem or 'callback_id'}"
    if not isinstance(view.get("private_metadata", ""), str):
        return "view private_metadata"
    state = view.get("state", {})
    values = state.get("values", {}) if isinstance(state, dict) else None
    if not isinstance(values, dict) or not all(
        isinstance(block, dict) and all(isinstance(v, dict) for v in block.values())
        for block in values.values()
    ):
        return "view state is not blocks of inputs"
    return None


def _is_id(value: object) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None


def _objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _strings(body: Mapping[str, Any], *limits: tuple[str, int]) -> str | None:
    """The first of these optional fields that is there but not a string of at most its length."""
    for key, limit in limits:
        value = body.get(key)
        if value is not None and not (isinstance(value, str) and len(value) <= limit):
            return key
    return None


def check_shape(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
    """Bolt global middleware: `shape_problem` for every request, whichever way it came. HTTP mode
    has refused an odd one already (400); in Socket Mode it is acknowledged and ignored, since
    nobody reads an error there and Slack would only deliver it again."""
    body = req.body if isinstance(req.body, dict) else {}
    problem = shape_problem(body)
    if problem is None:
        return next()
    log.info("slack request ignored (%s mode): odd shape: %s", req.mode, problem)
    return BoltResponse(status=200 if req.mode == "socket_mode" else 400, body="")
