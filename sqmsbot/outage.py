"""One log line per change of state while something keeps failing: down, still down, back.

A loop that retries every second against a store that is down used to log a full traceback each
time (37 in 10 s from the workers alone), burying the one line that mattered. `Outage` logs the first
failure (one line, the error's type and first line, no traceback), then a reminder at most every
`remind_every` seconds with the count, and one line when it works again with how long it was down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

REMIND_EVERY_S = 60.0


def one_line(error: BaseException) -> str:
    """`Type: first line of the message`, at most 200 characters: no statement, no parameters."""
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}"[:200].rstrip(": ")


class Outage:
    """`failed(error)` on each failure, `cleared()` on each success; safe from several threads."""

    def __init__(
        self,
        log: logging.Logger,
        what: str,
        *,
        remind_every: float = REMIND_EVERY_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.what = what
        self.remind_every = remind_every
        self._now = now
        self._lock = threading.Lock()
        self._since: float | None = None
        self._reminded = 0.0
        self._failures = 0

    @property
    def down(self) -> bool:
        return self._since is not None

    @property
    def failures(self) -> int:
        """Failures since it went down (0 while it works)."""
        return self._failures

    def failed(self, error: BaseException) -> None:
        now = self._now()
        with self._lock:
            self._failures += 1
            if self._since is None:
                self._since = self._reminded = now
                self.log.error("%s failed: %s", self.what, one_line(error))
                self.log.debug("%s: the first failure in full", self.what, exc_info=error)
            elif now - self._reminded >= self.remind_every:
                self._reminded = now
                self.log.error(
                    "%s still failing after %.0f s (%s failures): %s",
                    self.what, now - self._since, self._failures, one_line(error),
                )  # fmt: skip

    def cleared(self) -> None:
        if self._since is None:  # the usual case: no lock, nothing to say
            return
        now = self._now()
        with self._lock:
            if self._since is None:
                return
            self.log.warning(
                "%s works again after %.0f s (%s failures)", self.what, now - self._since, self._failures
            )
            self._since, self._failures = None, 0
