"""Keeping a worker process alive: restart it when it dies, with back-off, and give up loudly.

The server answers Slack and stores requests; the work behind them runs in a child process. A child
that dies (killed, out of memory, a crash in a C library) used to leave a server that still said 200
and ok while requests piled up unworked. The supervisor notices the death at once (it waits on the
process's sentinel), logs it, and starts a new child after a back-off that doubles with each death
close to the last; after `max_restarts` deaths within `window` it stops trying, logs that at
CRITICAL and calls `on_give_up` (the CLI stops the server with a failing exit code, so whatever runs
it — systemd, Docker, Kubernetes — sees the failure). `status()` is what `/healthz` reports.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)

WATCH_S = 0.5
"""How often the watch looks up from the child's sentinel to see whether it is being stopped."""
Start = Callable[[], BaseProcess]
"""Starts a child and returns it once it is ready; raises when it could not start."""


class GaveUp(RuntimeError):
    """The worker process was given up on: the caller stops, with a failing exit code."""


@dataclass(frozen=True)
class Restarts:
    """How hard to try: back-off from `first` doubling to `cap` seconds; give up after `max_restarts`
    deaths within `window` seconds."""

    first: float = 1.0
    cap: float = 60.0
    max_restarts: int = 5
    window: float = 600.0

    def delay(self, recent: int) -> float:
        return float(min(self.cap, self.first * 2.0 ** max(recent - 1, 0)))


@dataclass(frozen=True)
class ChildStatus:
    alive: bool
    pid: int | None
    restarts: int
    gave_up: bool
    last_exit: int | None

    def as_json(self) -> dict[str, object]:
        return {
            "alive": self.alive,
            "pid": self.pid,
            "restarts": self.restarts,
            "gave_up": self.gave_up,
            "last_exit_code": self.last_exit,
        }


class Supervisor:
    """Runs `start()`'s child until `stop()`, restarting it as `Restarts` says."""

    def __init__(
        self,
        start: Start,
        *,
        name: str,
        restarts: Restarts | None = None,
        on_give_up: Callable[[], None] | None = None,
    ) -> None:
        self._start = start
        self.name = name
        self.restarts = restarts or Restarts()
        self.on_give_up = on_give_up
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._deaths: list[float] = []
        self._count = 0
        self._gave_up = False
        self._last_exit: int | None = None
        self._thread: threading.Thread | None = None

    @property
    def process(self) -> BaseProcess | None:
        return self._process

    def start(self) -> None:
        """Start the first child (raising if it cannot start: a bad deployment stops at once), then
        watch it from a thread of its own."""
        self._process = self._start()
        self._thread = threading.Thread(target=self._watch, name=f"{self.name}-supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> BaseProcess | None:
        """Stop restarting and wait until no restart is under way; the caller then stops the current
        child (returned) its own way — a child started by a restart that was under way included."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        with self._lock:
            return self._process

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def status(self) -> ChildStatus:
        with self._lock:
            process = self._process
            alive = process is not None and process.is_alive() and not self._gave_up
            return ChildStatus(
                alive=alive,
                pid=process.pid if process is not None and alive else None,
                restarts=self._count,
                gave_up=self._gave_up,
                last_exit=self._last_exit,
            )

    def _watch(self) -> None:
        while not self._stopping.is_set():
            process = self._process
            if process is None:
                return
            if not wait([process.sentinel], timeout=WATCH_S):
                continue  # alive: look again (and whether we are stopping)
            if self._stopping.is_set():
                return
            process.join(5)  # reaped, so its exit code is known
            self._died(process.exitcode)
            if not self._restart():
                return

    def _died(self, code: int | None) -> None:
        with self._lock:
            self._last_exit = code
            now = time.monotonic()
            self._deaths = [t for t in self._deaths if now - t < self.restarts.window] + [now]
        log.error("the %s process died (exit code %s)", self.name, code)

    def _restart(self) -> bool:
        """Start a new child after the back-off; False once it gives up (or is stopped)."""
        while not self._stopping.is_set():
            recent = len(self._deaths)
            if recent > self.restarts.max_restarts:
                self._give_up(recent)
                return False
            delay = self.restarts.delay(recent)
            log.warning("restarting the %s process in %.3g s (death %s)", self.name, delay, recent)
            if self._stopping.wait(delay):
                return False
            try:
                process = self._start()
            except Exception as exc:
                log.error("the %s process did not start again: %s", self.name, exc)
                self._died(None)
                continue
            with self._lock:
                self._process = process
                self._count += 1
            log.warning("the %s process is running again (pid %s)", self.name, process.pid)
            return True
        return False

    def _give_up(self, deaths: int) -> None:
        with self._lock:
            self._gave_up = True
        window = self.restarts.window
        log.critical(
            "the %s process died %s times in %g s; giving up: nothing works the queued requests or "
            "sends messages until the server is restarted",
            self.name, deaths, window,
        )  # fmt: skip
        if self.on_give_up is not None:
            self.on_give_up()
