"""The one ASGI app for HTTP mode (`sqmsbot serve`): every served platform's routes, and GET /healthz.

Each adapter mounts its own endpoints (`/slack/events`, …; `sqmsbot.platforms.adapter`) and checks
its own requests there (Slack: size, signature within its 5-minute window, shape — a forged or stale
request gets 401 and writes nothing). Whatever a listener stores goes through the shared
`StoreGate`: committed off the event loop with the other requests of this turn, then acknowledged,
or refused with 503 when the store cannot take it within `ack_deadline` — the loop goes on answering
everything else, `/healthz` included (see `sqmsbot.health`). The work behind the acknowledgements
runs in the worker process, started, supervised and stopped with the app (`sqmsbot.workers`); a
platform that brings its requests over a connection of its own (Socket Mode) can have it opened and
closed with the app too (`connections=True`, what `sqmsbot run` asks for).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sqmsbot.health import HealthCheck
from sqmsbot.platforms.adapter import Adapter, Connection
from sqmsbot.platforms.http_gate import StoreGate
from sqmsbot.platforms.registry import load_adapters
from sqmsbot.runtime import Runtime
from sqmsbot.workers import WorkerMode, Workers

log = logging.getLogger(__name__)


class NoHttpPlatform(ValueError):
    """None of the served platforms takes its requests over HTTP here (nothing for `serve` to do)."""


def create_web_app(
    runtime: Runtime,
    *,
    adapters: list[Adapter] | None = None,
    workers: WorkerMode | Workers | None = "process",
    scheduler: bool = False,
    connections: bool = False,
    on_give_up: Callable[[], None] | None = None,
) -> Starlette:
    """HTTP mode for every platform the runtime serves (or the `adapters` given).

    `workers`: where the inbound and outbox workers run while the app is up — `"process"` (a
    supervised child process, the default), `"thread"` (on the given adapters), a `Workers` the
    caller built, or None (the caller drives them). `scheduler`: run the scheduled jobs with the
    workers (`sqmsbot serve` does). `connections`: a platform that has a connection of its own uses
    it instead of routes. `on_give_up`: called when the worker process keeps dying.
    """
    adapters = adapters if adapters is not None else load_adapters(runtime.settings)
    runner: Workers | None = workers if isinstance(workers, Workers) else None
    if isinstance(workers, str):
        runner = Workers(runtime, workers, adapters=adapters, scheduler=scheduler, on_give_up=on_give_up)
    wake = runner.wake if runner is not None else None
    gate = StoreGate(deadline=runtime.settings.ack_deadline)
    health = HealthCheck(runtime)
    routes: list[BaseRoute] = []
    opened: list[Connection] = []
    for adapter in adapters:
        connection = adapter.connection(runtime, wake=wake) if connections else None
        if connection is not None:
            opened.append(connection)
        else:
            routes.extend(adapter.routes(runtime, wake=wake, gate=gate))
        adapter.attach(runtime)
    if not routes and not opened:
        names = ", ".join(adapter.name for adapter in adapters)
        raise NoHttpPlatform(
            f"no served platform ({names}) takes requests over HTTP: Slack needs SLACK_BOT_TOKEN and "
            "SLACK_SIGNING_SECRET"
        )

    async def healthz(request: Request) -> Response:
        healthy, body = await health.report(runner.status() if runner is not None else None)
        return JSONResponse(body, status_code=200 if healthy else 503)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if runner is not None:
            await asyncio.to_thread(runner.start)
        for connection in opened:
            await asyncio.to_thread(connection.start)
        try:
            yield
        finally:
            for connection in opened:
                await asyncio.to_thread(connection.close)
            if runner is not None:
                await asyncio.to_thread(runner.stop)
            gate.close()
            health.close()

    return Starlette(routes=[*routes, Route("/healthz", healthz, methods=["GET"])], lifespan=lifespan)
