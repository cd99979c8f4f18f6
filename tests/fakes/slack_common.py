"""Small pieces shared by the fake Slack's modules: errors, argument readers, ids and call records."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

Params = dict[str, Any]
Response = dict[str, Any]

_TS_EPOCH_MICROS = 1_700_000_000 * 1_000_000
_TS_STEP_MICROS = 100


class SlackError(Exception):
    """An ``{"ok": false, "error": ...}`` answer, raised from a method handler."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def text_arg(params: Params, key: str) -> str | None:
    """Slack arguments arrive as form strings or JSON values; empty means absent, as on Slack."""
    value = params.get(key)
    if value is None or value == "":
        return None
    return str(value)


def flag_arg(params: Params, key: str) -> bool:
    """Form bodies carry booleans as ``"true"``/``"1"``; JSON bodies as real booleans."""
    value = params.get(key)
    return value is True or str(value).lower() in {"true", "1"}


class Ids:
    """One counter for message timestamps and object ids, so both are unique and increasing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter = 0

    def _next(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def ts(self) -> str:
        """A message timestamp shaped like Slack's (``1700000000.000100``)."""
        micros = _TS_EPOCH_MICROS + self._next() * _TS_STEP_MICROS
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def object_id(self, prefix: str) -> str:
        """An id like ``F0FAKE00003``; the prefix letter says what it is, as in Slack ids."""
        return f"{prefix}0FAKE{self._next():05d}"


@dataclass
class Call:
    """One Web API request as the fake saw it, and what it answered."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    http_method: str
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    injected: bool = False
    """True when the answer came from ``fail_next`` rather than from the workspace."""
    violation: str | None = None

    @property
    def ok(self) -> bool:
        """Whether Slack would have reported success."""
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The ``error`` code of a failed call."""
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass(frozen=True)
class Violation:
    """A call Slack itself would have refused: the code under test is wrong about Slack."""

    method: str
    reason: str
    params: dict[str, Any]
