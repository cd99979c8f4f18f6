"""Stable request keys, so a Slack retry or a double delivery is answered once (DESIGN §10).

The dispatcher stores the reply under the key and answers a repeat from it without a second change.
Slack retries an event with the same `event_id`; a slash command delivered twice carries the same
trigger; a button press is one `action_ts` by one user.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any


def _digest(*parts: object) -> str:
    joined = "\x1f".join(str(p or "") for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:40]


def slash_key(body: Mapping[str, Any]) -> str:
    return "slack:cmd:" + _digest(
        body.get("team_id"),
        body.get("channel_id"),
        body.get("user_id"),
        body.get("command"),
        body.get("text"),
        body.get("trigger_id"),
    )


def action_key(body: Mapping[str, Any], value: str) -> str:
    action = (body.get("actions") or [{}])[0]
    return "slack:act:" + _digest(
        (body.get("team") or {}).get("id"),
        (body.get("user") or {}).get("id"),
        action.get("action_ts"),
        body.get("trigger_id"),
        value,
    )


def view_key(body: Mapping[str, Any]) -> str:
    view = body.get("view") or {}
    return "slack:view:" + _digest(
        (body.get("team") or {}).get("id"),
        (body.get("user") or {}).get("id"),
        view.get("id"),
        view.get("hash"),
        body.get("trigger_id"),
    )


def event_key(body: Mapping[str, Any], suffix: str) -> str:
    return f"slack:evt:{_digest(body.get('team_id'), body.get('event_id'))}:{suffix}"
