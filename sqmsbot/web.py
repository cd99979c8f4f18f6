"""The ASGI app for HTTP mode (`sqmsbot serve`): POST /slack/events and GET /healthz.

Every Slack request is verified by Bolt (signing secret, 5-minute timestamp window) before any
listener runs: a forged or stale request gets 401 and writes nothing. Bolt's dispatch is blocking,
so it runs in the thread pool and the event loop keeps accepting requests while one is handled.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sqmsbot.outbox import OutboxWorker
from sqmsbot.platforms.slack.app import build_slack_runtime_parts
from sqmsbot.runtime import Runtime


def create_web_app(
    runtime: Runtime,
    *,
    app: App | None = None,
    worker: OutboxWorker | None = None,
    run_worker: bool = True,
) -> Starlette:
    """HTTP mode for `runtime` (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET); the outbox worker runs
    beside the server for as long as it is up unless `run_worker` is False (tests drive it)."""
    if app is None:
        if not runtime.settings.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is not set: HTTP mode cannot verify requests")
        parts = build_slack_runtime_parts(runtime)
        app, worker = parts.app, worker or parts.worker
    bolt = app

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        bolt_response = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if run_worker and worker is not None:
            thread = threading.Thread(
                target=worker.run_forever, args=(stop,), name="slack-outbox", daemon=True
            )
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=10)

    routes = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
