"""The ASGI app for HTTP mode (`sqmsbot serve`): POST /slack/events and GET /healthz.

Every Slack request is verified by Bolt (signing secret, 5-minute timestamp window) before any
listener runs: a forged or stale request gets 401 and writes nothing.

Bolt's dispatch runs on the event loop itself, as Bolt's own Starlette adapter does: our listeners
only check the request and hand its row for the inbound queue over (modals are opened on a small
pool of their own), so there is nothing slow to keep off the loop, and a hop through a thread pool
would cost more than the work. The rows of one turn of the loop are committed together
(`inbound.batch`) and only then are their requests answered: nothing is acknowledged unstored. The
work behind the acknowledgements runs in the worker process, started and stopped with the app (see
`sqmsbot.platforms.slack.workers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sqmsbot.inbound.batch import GroupCommit
from sqmsbot.inbound.store import collecting
from sqmsbot.platforms.slack.app import build_slack_runtime_parts
from sqmsbot.platforms.slack.workers import WorkerMode, Workers
from sqmsbot.runtime import Runtime

log = logging.getLogger(__name__)


def create_web_app(
    runtime: Runtime, *, app: App | None = None, workers: WorkerMode | Workers | None = "process"
) -> Starlette:
    """HTTP mode for `runtime` (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET).

    `workers`: where the inbound and outbox workers run while the app is up — `"process"` (a child
    process, the default), `"thread"`, a `Workers` the caller built (whose `wake` the given `app`'s
    queue calls), or None (the caller drives them). An `app` given without `Workers` is served as is.
    """
    runner: Workers | None = workers if isinstance(workers, Workers) else None
    if app is None:
        if not runtime.settings.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is not set: HTTP mode cannot verify requests")
        if isinstance(workers, str):
            runner = Workers(runtime, workers)
        app = build_slack_runtime_parts(runtime, wake=runner.wake if runner else None).app
    bolt = app
    group = GroupCommit()

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        with collecting() as rows:
            response = bolt.dispatch(to_bolt_request(request, body))
        if rows:
            try:
                await group.store(rows)
            except Exception:  # not stored, so not acknowledged: Slack shows an error or retries
                log.exception("could not store a Slack request")
                return Response(status_code=500)
        return to_starlette_response(response)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if runner is not None:
            await asyncio.to_thread(runner.start)
        try:
            yield
        finally:
            if runner is not None:
                await asyncio.to_thread(runner.stop)

    routes = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
