"""Decoding Web API request bodies the three ways ``slack_sdk`` sends them.

JSON for most write methods, ``application/x-www-form-urlencoded`` for the rest, and
``multipart/form-data`` when a caller passes ``data=`` to ``api_call``.  Kept separate so the server
module stays about Slack's behaviour, not about HTTP parsing.
"""

from __future__ import annotations

import json
from email.message import Message
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], bool]:
    """Return the arguments in ``body`` and whether it was JSON.

    A body that cannot be decoded yields no arguments, which the spec check then reports as missing,
    the way Slack answers a malformed request.
    """
    if not body:
        return {}, False
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            return {}, True
        return (decoded if isinstance(decoded, dict) else {}), True
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body), False
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), False


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """Text parts become strings and file parts stay bytes, as Slack's form reader sees them."""
    envelope = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    message = BytesParser().parsebytes(envelope)
    params: dict[str, Any] = {}
    parts: list[Message] = message.get_payload() if message.is_multipart() else []  # type: ignore[assignment]
    for part in parts:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        params[name] = raw if part.get_filename() else raw.decode("utf-8")
    return params


def upload_content(content_type: str, body: bytes) -> bytes:
    """The file bytes sent to an upload URL, which Slack takes raw or as a multipart form."""
    if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
        return body
    parts = _parse_multipart(content_type, body)
    return next((v for v in parts.values() if isinstance(v, bytes)), b"")
