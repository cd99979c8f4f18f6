"""The workspace the fake Slack keeps between calls: messages, threads, users, views and files.

Kept apart from the HTTP layer so a test can read the state directly ("what did the bot post in
C1's thread?") without parsing recorded requests, and so each Web API method is one small function.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .slack_common import Ids, Params, Response, SlackError, flag_arg, text_arg
from .slack_views_files import FileStore, ViewStore

_CONTENT_KEYS = ("text", "blocks", "attachments")


def _ts_key(ts: str) -> tuple[int, int]:
    """Slack timestamps compare as numbers (``"1700000000.000100"``); compared exactly, not as floats."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds or 0), int(fraction.ljust(6, "0")[:6] or 0)


def _time_range(params: Params) -> Callable[[str], bool]:
    """``oldest``/``latest`` as Slack reads them: both bounds exclusive unless ``inclusive`` is true."""
    bounds: dict[str, tuple[int, int] | None] = {}
    for name in ("oldest", "latest"):
        value = text_arg(params, name)
        try:
            bounds[name] = _ts_key(value) if value else None
        except ValueError:
            raise SlackError(f"invalid_ts_{name}") from None
    low, high = bounds["oldest"], bounds["latest"]
    inclusive = flag_arg(params, "inclusive")

    def within(ts: str) -> bool:
        key = _ts_key(ts)
        if low is not None and (key < low or (key == low and not inclusive)):
            return False
        return high is None or key < high or (key == high and inclusive)

    return within


def _check_metadata(params: Params) -> None:
    """Message metadata is ``{"event_type": str, "event_payload": {...}}``; Slack refuses other shapes."""
    metadata = params.get("metadata")
    if metadata is None or metadata == "":
        return
    if not (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and metadata["event_type"]
        and isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format")


def _as_listed(message: dict[str, Any], params: Params) -> dict[str, Any]:
    """A message as history/replies list it: its ``metadata`` only with ``include_all_metadata``."""
    if "metadata" in message and not flag_arg(params, "include_all_metadata"):
        message = {k: v for k, v in message.items() if k != "metadata"}
    return message


class SlackWorkspace:
    """State of one fake workspace; every public method is safe to call from the test thread."""

    def __init__(self, *, team_id: str, team: str, bot_user_id: str, bot_id: str) -> None:
        self.lock = threading.RLock()
        self.ids = Ids()
        self.team_id, self.team = team_id, team
        self.bot_user_id, self.bot_id = bot_user_id, bot_id
        self.url = f"https://{team.lower()}.slack.com/"
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.view_store = ViewStore(self.ids, self.lock, team_id)
        permalinks = f"{self.url}files/{bot_user_id}/"
        self.file_store = FileStore(self.ids, self.lock, self.resolve_channel, permalinks)
        self.handlers: dict[str, Callable[[Params], Response]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "reactions.add": self._reactions_add,
            "users.info": self._users_info,
            **self.view_store.handlers(),
            **self.file_store.handlers(),
        }

    def dm_channel(self, user_id: str) -> str:
        """The app's direct-message channel with a user (stable per user, as on Slack)."""
        return f"D{user_id[1:]}"

    def resolve_channel(self, channel: str) -> str:
        """Posting to a user id lands in the app's DM with that user, as Slack does."""
        return self.dm_channel(channel) if channel[:1] in {"U", "W"} else channel

    # ----- messages --------------------------------------------------------------------------------

    def add_message(self, channel: str, text: str, *, user: str, thread_ts: str | None = None) -> str:
        """Seed a message written by a person (e.g. the one a bot replies to); returns its ts."""
        message: dict[str, Any] = {"type": "message", "ts": self.ids.ts(), "user": user, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self.lock:
            self.channels.setdefault(self.resolve_channel(channel), []).append(message)
        return str(message["ts"])

    def find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The stored message (top-level or reply) with this ts, or None."""
        with self.lock:
            return next((m for m in self.channels.get(channel, []) if m["ts"] == ts), None)

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages (and broadcast replies) oldest first, with thread summaries."""
        with self.lock:
            messages = self.channels.get(channel, [])
            result = []
            for message in messages:
                is_top = message.get("thread_ts") in {None, message["ts"]}
                if not is_top and message.get("subtype") != "thread_broadcast":
                    continue
                view = copy.deepcopy(message)
                replies = [r for r in messages if r.get("thread_ts") == message["ts"] and r is not message]
                if is_top and replies:
                    view.update(
                        thread_ts=message["ts"],
                        reply_count=len(replies),
                        reply_users=sorted({str(r.get("user", "")) for r in replies}),
                        latest_reply=replies[-1]["ts"],
                    )
                result.append(view)
            return result

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The parent (when known) followed by its replies, oldest first, as conversations.replies."""
        with self.lock:
            messages = self.channels.get(channel, [])
            return copy.deepcopy([m for m in messages if thread_ts in {m["ts"], m.get("thread_ts")}])

    def _chat_post_message(self, params: Params) -> Response:
        if not any(params.get(k) for k in _CONTENT_KEYS):
            raise SlackError("no_text")
        _check_metadata(params)
        channel = self.resolve_channel(text_arg(params, "channel") or "")
        message: dict[str, Any] = {
            "type": "message",
            "ts": self.ids.ts(),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "text": text_arg(params, "text") or "",
        }
        message.update({k: params[k] for k in ("blocks", "attachments", "metadata") if params.get(k)})
        # A reply to a parent the fake never saw is accepted: it is usually a person's message
        # delivered to the bot through the Events API, not through this Web API.
        thread_ts = text_arg(params, "thread_ts")
        if thread_ts:
            message["thread_ts"] = thread_ts
            if flag_arg(params, "reply_broadcast"):
                message["subtype"] = "thread_broadcast"
        with self.lock:
            self.channels.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _existing(self, params: Params, ts_key: str = "ts") -> tuple[str, dict[str, Any]]:
        channel = self.resolve_channel(text_arg(params, "channel") or "")
        message = self.find_message(channel, text_arg(params, ts_key) or "")
        if message is None:
            raise SlackError("message_not_found")
        return channel, message

    def _chat_update(self, params: Params) -> Response:
        _check_metadata(params)
        with self.lock:
            channel, message = self._existing(params)
            for key in (*_CONTENT_KEYS, "metadata"):
                if params.get(key) is not None:
                    message[key] = params[key]
            message["edited"] = {"user": self.bot_user_id, "ts": self.ids.ts()}
            snapshot = copy.deepcopy(message)
        text = snapshot.get("text", "")
        return {"channel": channel, "ts": snapshot["ts"], "text": text, "message": snapshot}

    def _chat_delete(self, params: Params) -> Response:
        with self.lock:
            channel, message = self._existing(params)
            self.channels[channel].remove(message)
        return {"channel": channel, "ts": message["ts"]}

    def _chat_post_ephemeral(self, params: Params) -> Response:
        if not any(params.get(k) for k in _CONTENT_KEYS):
            raise SlackError("no_text")
        ts = self.ids.ts()
        with self.lock:
            self.ephemerals.append({"message_ts": ts, **params})
        return {"message_ts": ts}

    def _reactions_add(self, params: Params) -> Response:
        name = text_arg(params, "name") or ""
        with self.lock:
            _, message = self._existing(params, ts_key="timestamp")
            reactions = message.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            if self.bot_user_id in entry["users"]:
                raise SlackError("already_reacted")
            entry["users"].append(self.bot_user_id)
            entry["count"] += 1
        return {}

    def _conversations_open(self, params: Params) -> Response:
        channel = text_arg(params, "channel")
        if channel:
            return {"channel": {"id": channel}}
        users = [u.strip() for u in (text_arg(params, "users") or "").split(",") if u.strip()]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) == 1:
            return {"channel": {"id": self.dm_channel(users[0]), "is_im": True, "user": users[0]}}
        return {"channel": {"id": "G" + "".join(u[1:] for u in sorted(users)), "is_mpim": True}}

    def _conversations_history(self, params: Params) -> Response:
        channel = self.resolve_channel(text_arg(params, "channel") or "")
        if not channel:
            raise SlackError("channel_not_found")
        limit = int(text_arg(params, "limit") or 100)
        in_range = _time_range(params)
        newest_first = [_as_listed(m, params) for m in reversed(self.history(channel)) if in_range(m["ts"])]
        return {"messages": newest_first[:limit], "has_more": len(newest_first) > limit}

    def _conversations_replies(self, params: Params) -> Response:
        """The parent first whatever the range (as Slack answers), then the replies within it."""
        channel = self.resolve_channel(text_arg(params, "channel") or "")
        thread_ts = text_arg(params, "ts") or ""
        messages = self.thread(channel, thread_ts)
        if not messages:
            raise SlackError("thread_not_found")
        in_range = _time_range(params)
        kept = [m for m in messages if m["ts"] == thread_ts or in_range(m["ts"])]
        return {"messages": [_as_listed(m, params) for m in kept], "has_more": False}

    # ----- users -----------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "Asia/Shanghai",
        locale: str = "zh-CN",
        email: str | None = None,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        """Register a person so ``users.info`` can answer for them the way Slack would."""
        name = name or user_id.lower()
        real_name = real_name or name
        offset = datetime.now(UTC).astimezone(ZoneInfo(tz)).utcoffset()
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": is_bot,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "locale": locale,
            "profile": {"real_name": real_name, "display_name": name, "email": email},
        }
        with self.lock:
            self.users[user_id] = user
        return copy.deepcopy(user)

    def _users_info(self, params: Params) -> Response:
        with self.lock:
            user = copy.deepcopy(self.users.get(text_arg(params, "user") or ""))
        if user is None:
            raise SlackError("user_not_found")
        if not flag_arg(params, "include_locale"):
            del user["locale"]  # Slack only reveals the locale when asked for it
        return {"user": user}

    def _auth_test(self, params: Params) -> Response:
        return {
            "url": self.url,
            "team": self.team,
            "user": "sqmsbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }
