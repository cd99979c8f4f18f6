"""What the fault scenarios send and ask: a signed-ready `/incident report` form and `/healthz`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from tests.platforms.slack.harness import OPS

FORM = "application/x-www-form-urlencoded"


def health(url: str) -> tuple[int, dict[str, Any]]:
    """GET /healthz: its status and JSON body, whether it says healthy (200) or not (503)."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def report_form(title: str, *, priority: str = "P1") -> str:
    """The body Slack posts for `/incident report <priority> hotline "<title>"` from U1 in #ops
    (each title its own trigger, so each is its own request)."""
    return urlencode(
        {
            "team_id": "T0FAKE",
            "channel_id": OPS,
            "user_id": "U1",
            "user_name": "li",
            "command": "/incident",
            "text": f'report {priority} hotline "{title}"',
            "trigger_id": f"t-{title}",
        }
    )
