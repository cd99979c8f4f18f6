"""The ASGI app for HTTP mode (`sqmsbot serve`): POST /slack/events and GET /healthz.

Every Slack request is verified (signing secret, 5-minute timestamp window) before any listener
runs: a forged or stale request gets 401 and writes nothing.

Bolt's dispatch runs on the event loop itself, as Bolt's own Starlette adapter does: our listeners
only check the request and hand its row for the inbound queue over (modals are opened on a small
pool of their own). Storing the rows is the one thing that waits on something outside the process,
so it runs on a thread of its own (`inbound.batch`): the rows of the requests that arrive while a
commit is under way are committed together, and only then are their requests answered — nothing is
acknowledged unstored. A store that cannot take a request within `ack_deadline` gets it refused with
503 (Slack retries events; a person sees an error rather than a spinner), and the loop goes on
answering everything else, `/healthz` included (see `sqmsbot.health`). The work behind the
acknowledgements runs in the worker process, started, supervised and stopped with the app (see
`sqmsbot.platforms.slack.workers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sqmsbot.health import HealthCheck
from sqmsbot.inbound.batch import GroupCommit
from sqmsbot.inbound.store import collecting
from sqmsbot.outage import Outage
from sqmsbot.platforms.slack.app import build_slack_runtime_parts
from sqmsbot.platforms.slack.edge import admit
from sqmsbot.platforms.slack.workers import WorkerMode, Workers
from sqmsbot.runtime import Runtime

log = logging.getLogger(__name__)


def create_web_app(
    runtime: Runtime,
    *,
    app: App | None = None,
    workers: WorkerMode | Workers | None = "process",
    scheduler: bool = False,
    on_give_up: Callable[[], None] | None = None,
) -> Starlette:
    """HTTP mode for `runtime` (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET).

    `workers`: where the inbound and outbox workers run while the app is up — `"process"` (a
    supervised child process, the default), `"thread"`, a `Workers` the caller built (whose `wake`
    the given `app`'s queue calls), or None (the caller drives them). An `app` given without
    `Workers` is served as is. `scheduler`: run the scheduled jobs with the workers (`sqmsbot
    serve` does). `on_give_up`: called when the worker process keeps dying and is given up on.
    """
    runner: Workers | None = workers if isinstance(workers, Workers) else None
    if app is None:
        if not runtime.settings.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is not set: HTTP mode cannot verify requests")
        if isinstance(workers, str):
            runner = Workers(runtime, workers, scheduler=scheduler, on_give_up=on_give_up)
        app = build_slack_runtime_parts(runtime, wake=runner.wake if runner else None).app
    bolt = app
    group = GroupCommit(deadline=runtime.settings.ack_deadline)
    health = HealthCheck(runtime)
    store_errors = Outage(log, "storing Slack requests (answering 503 meanwhile)")

    async def slack_events(request: Request) -> Response:
        if isinstance(body := await admit(request, runtime.settings, bolt), Response):
            return body  # refused unread or unparsed: too large, unsigned, malformed (see `edge`)
        with collecting() as rows:
            response = bolt.dispatch(to_bolt_request(request, body))
        if rows:
            try:
                await group.store(rows)
            except Exception as exc:  # not stored (in time), so refused: Slack retries or says so
                store_errors.failed(exc)
                return Response(status_code=503, headers={"Retry-After": "1"})
            store_errors.cleared()
        return to_starlette_response(response)

    async def healthz(request: Request) -> Response:
        healthy, body = await health.report(runner.status() if runner is not None else None)
        return JSONResponse(body, status_code=200 if healthy else 503)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if runner is not None:
            await asyncio.to_thread(runner.start)
        try:
            yield
        finally:
            if runner is not None:
                await asyncio.to_thread(runner.stop)
            group.close()
            health.close()

    routes = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
