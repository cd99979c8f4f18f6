"""Where the work after the acknowledgement runs: every enabled platform's inbound and outbox workers.

Generic over the adapters (`sqmsbot.platforms.adapter`): each one brings an inbound handler and a
deliverer, and gets an inbound worker and an outbox worker of its own here, whatever the platform.

`"process"` (what `sqmsbot serve` and `sqmsbot run` use): they run in a child process started with
the "spawn" context, which builds its own Runtime and adapters from the Settings. The server process then only
verifies, stores and acknowledges; the command work (dispatch, the store, replies, cards) no longer
shares its GIL with the event loop that sends acknowledgements. The child runs at a lower CPU
priority for the same reason: on a busy machine acknowledgements (3 s limit) come before work that
has already been promised. A stored request wakes the child through a pipe (`inbound/wake.py`), so a
reply does not wait for a poll; the pipe closing (the server stopping, or dying) stops the child.

`"thread"`: the same workers on threads of the calling process, sharing its Runtime (tests, with a
manual clock; a one-process deployment that prefers it).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Literal

from apscheduler.schedulers.base import BaseScheduler

from sqmsbot.config import Settings
from sqmsbot.inbound import Signal
from sqmsbot.inbound.wake import WakeReceiver, WakeSender, wake_pipe
from sqmsbot.platforms.adapter import Adapter
from sqmsbot.platforms.registry import load_adapters
from sqmsbot.runtime import Runtime
from sqmsbot.supervisor import Restarts, Supervisor
from sqmsbot.work import inbound_worker, outbox_worker

log = logging.getLogger(__name__)
WorkerMode = Literal["process", "thread"]
CHILD_NICENESS = 10
STOP_TIMEOUT_S = 15.0
START_TIMEOUT_S = 60.0


class Workers:
    """The workers of one server, started and stopped with it (`start()` / `stop()`).

    `adapters`: the platforms whose workers run here in thread mode (default: the Settings'; the
    worker process always builds its own from the Settings). `wake` is what the server's inbound
    queue calls after storing a request. `outbox=False` leaves the outbox to the caller (tests
    deliver step by step with a manual clock). `scheduler=True` runs the scheduled jobs beside them
    (`sqmsbot serve`: claims keep replicas from running a period twice). In process mode the child
    is supervised: restarted when it dies, given up on loudly (`on_give_up`).
    """

    def __init__(
        self,
        runtime: Runtime,
        mode: WorkerMode,
        *,
        adapters: list[Adapter] | None = None,
        outbox: bool = True,
        scheduler: bool = False,
        restarts: Restarts | None = None,
        on_give_up: Callable[[], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.mode = mode
        self.adapters = adapters
        self.outbox = outbox
        self.scheduler = scheduler
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._scheduler: BaseScheduler | None = None
        self._event = threading.Event()  # thread mode's wake-up
        self._sender: WakeSender | None = None
        settings = runtime.settings
        restarts = restarts or Restarts(
            max_restarts=settings.worker_restart_limit, window=settings.worker_restart_window
        )
        self._supervisor = Supervisor(
            self._start_child, name="worker", restarts=restarts, on_give_up=on_give_up
        )

    def wake(self) -> None:
        """Tell the workers a request was stored: one byte down the current child's pipe, or an event."""
        if self.mode == "process":
            sender = self._sender
            if sender is not None:
                sender.set()
        else:
            self._event.set()

    @property
    def process(self) -> BaseProcess | None:
        return self._supervisor.process

    def status(self) -> dict[str, object]:
        """What /healthz says about the workers."""
        if self.mode == "process":
            return {"mode": "process", **self._supervisor.status().as_json()}
        alive = bool(self._threads) and all(thread.is_alive() for thread in self._threads)
        return {"mode": "thread", "alive": alive}

    def start(self) -> None:
        """Start the workers; in process mode, return once the child is ready (its imports, store and
        client done), so that a child that cannot start stops the server's start-up instead."""
        if self.mode == "process":
            self._supervisor.start()
            return
        adapters = self.adapters if self.adapters is not None else load_adapters(self.runtime.settings)
        for adapter in adapters:
            adapter.attach(self.runtime)
        self._threads = _start_threads(self.runtime, adapters, self._stop, self._event, outbox=self.outbox)
        if self.scheduler:
            from sqmsbot.scheduling import start_scheduler

            self._scheduler = start_scheduler(self.runtime)

    def _start_child(self) -> BaseProcess:
        """One worker process, ready; its wake pipe replaces the last child's."""
        context = multiprocessing.get_context("spawn")
        receiving, sender = wake_pipe()
        ready, child_ready = context.Pipe(duplex=False)
        args = (self.runtime.settings, receiving, child_ready, self.outbox, self.scheduler)
        process = context.Process(target=run_child, args=args, name="sqmsbot-workers")
        process.start()
        receiving.close()  # the child has its own copies
        child_ready.close()
        try:
            try:
                started = ready.poll(START_TIMEOUT_S) and ready.recv()
            except EOFError as exc:
                raise RuntimeError("the worker process failed to start (see its log)") from exc
            if not started:
                raise RuntimeError(f"the worker process did not start in {START_TIMEOUT_S:g} s")
        except BaseException:
            sender.close()
            process.kill()
            process.join(5)
            raise
        finally:
            ready.close()
        old, self._sender = self._sender, sender
        if old is not None:
            old.close()
        return process

    def stop(self) -> None:
        self._stop.set()
        self._event.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        for thread in self._threads:
            thread.join(timeout=STOP_TIMEOUT_S)
        if self.mode != "process":
            return
        process = self._supervisor.stop()  # once no restart is under way: this is the last child
        if self._sender is not None:
            self._sender.close()  # the worker reads end-of-file: it finishes its round and stops
        if process is not None:
            process.join(timeout=STOP_TIMEOUT_S)
            if process.is_alive():
                log.warning("the worker process did not stop in %s s; terminating it", STOP_TIMEOUT_S)
                process.terminate()
                process.join(timeout=5)


def _start_threads(
    runtime: Runtime, adapters: list[Adapter], stop: threading.Event, wake: Signal, *, outbox: bool
) -> list[threading.Thread]:
    """An inbound and an outbox worker thread per adapter that has a handler, a deliverer."""
    threads = []
    for adapter in adapters:
        handler = adapter.inbound_handler(runtime)
        if handler is not None:
            inbound = inbound_worker(runtime, handler)
            threads.append(
                threading.Thread(
                    target=inbound.run_forever,
                    args=(stop,),
                    kwargs={"wake": wake},
                    name=f"{adapter.name}-inbound",
                    daemon=True,
                )
            )
        deliverer = adapter.deliverer(runtime) if outbox else None
        if deliverer is not None:
            worker = outbox_worker(runtime, deliverer)
            threads.append(
                threading.Thread(
                    target=worker.run_forever, args=(stop,), name=f"{adapter.name}-outbox", daemon=True
                )
            )
    for thread in threads:
        thread.start()
    return threads


def run_child(
    settings: Settings, receiving: Connection, ready: Connection, outbox: bool, scheduler: bool = False
) -> None:
    """The worker process: its own Runtime and adapters (and the scheduler when asked), until the
    server closes the wake pipe (or dies, which closes it too)."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        os.nice(CHILD_NICENESS)
    except OSError:  # not allowed here: run at the same priority
        log.info("could not lower the worker process's priority")
    runtime = Runtime.from_settings(settings)
    adapters = load_adapters(settings)
    for adapter in adapters:
        adapter.attach(runtime)
    wake = WakeReceiver(receiving)
    threads = _start_threads(runtime, adapters, wake.closed, wake, outbox=outbox)
    jobs = None
    if scheduler:
        from sqmsbot.scheduling import start_scheduler

        jobs = start_scheduler(runtime)
    ready.send(True)
    ready.close()
    wake.closed.wait()
    if jobs is not None:
        jobs.shutdown(wait=True)
    for thread in threads:
        thread.join(timeout=STOP_TIMEOUT_S)
    runtime.db.dispose()
