"""Waking the inbound worker in another process without ever blocking the process that stores requests.

A multiprocessing Event is the obvious tool and the wrong one: its `set()` waits until every process
sleeping on it has woken up, so the event loop that sends acknowledgements would wait for the worker
process (which runs at a lower priority) to be scheduled. A pipe does not: the sender writes one byte
without blocking (a full pipe already holds plenty of wake-ups), the worker waits on the other end
with select and empties it before each round. The pipe doubles as the stop signal: when the server
closes its end, or dies, the worker reads end-of-file and stops.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import threading
from multiprocessing.connection import Connection

DRAIN = 65536


class WakeSender:
    """The storing side: `set()` is one non-blocking write; `close()` tells the worker to stop."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()  # a closed descriptor's number may be reused: never write to it
        os.set_blocking(connection.fileno(), False)

    def set(self) -> None:
        with self._lock, contextlib.suppress(BlockingIOError, BrokenPipeError, OSError):  # full, gone
            if not self._connection.closed:
                os.write(self._connection.fileno(), b"\0")

    def close(self) -> None:
        with self._lock:
            self._connection.close()


class WakeReceiver:
    """The worker's side, shaped like an Event for `InboundWorker.run_forever` (`clear`, `wait`);
    `closed` is set once the sender has gone."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._fd = connection.fileno()
        os.set_blocking(self._fd, False)
        self.closed = threading.Event()

    def clear(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while True:
                if not os.read(self._fd, DRAIN):
                    self.closed.set()
                    return

    def wait(self, timeout: float | None = None) -> bool:
        if self.closed.is_set():
            return True
        readable, _, _ = select.select([self._fd], [], [], timeout)
        if readable:
            self.clear()
        return bool(readable)


def wake_pipe() -> tuple[Connection, WakeSender]:
    """(the receiving end, to hand to the worker process and wrap in a WakeReceiver there; the sender)."""
    receiving, sending = multiprocessing.get_context("spawn").Pipe(duplex=False)
    return receiving, WakeSender(sending)
