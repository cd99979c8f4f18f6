"""How `sqmsbot run` and `sqmsbot serve` start every served platform, whichever they are.

HTTP (`serve_http`): uvicorn with the one ASGI app (`sqmsbot.web`), whose lifespan starts the
supervised worker process — every adapter's inbound and outbox workers, and the scheduled jobs —
and, for `run`, the connections of platforms that dial out (Socket Mode). Connections only
(`serve_connections`): no HTTP server is needed, just the workers and the connections. Either way,
when the worker process keeps dying it is given up on: the server stops and the caller exits with 1,
so that whatever supervises the bot sees it fail instead of a bot that acknowledges and does nothing.
"""

from __future__ import annotations

import threading

from sqmsbot.platforms.adapter import Adapter
from sqmsbot.runtime import Runtime
from sqmsbot.supervisor import GaveUp
from sqmsbot.workers import Workers


def serve_http(
    runtime: Runtime, adapters: list[Adapter], *, host: str, port: int, connections: bool = False
) -> None:
    """Serve until stopped; GaveUp when the worker process kept dying."""
    import uvicorn

    from sqmsbot.web import create_web_app

    gave_up = threading.Event()
    server: uvicorn.Server | None = None

    def give_up() -> None:
        gave_up.set()
        if server is not None:
            server.should_exit = True  # uvicorn's own graceful shutdown, without a signal to re-raise

    web = create_web_app(
        runtime, adapters=adapters, scheduler=True, connections=connections, on_give_up=give_up
    )
    level = runtime.settings.log_level.lower()
    server = uvicorn.Server(uvicorn.Config(web, host=host, port=port, log_level=level))
    server.run()
    if gave_up.is_set():
        raise GaveUp("the worker process kept dying")


def serve_connections(runtime: Runtime, adapters: list[Adapter]) -> None:
    """Every adapter's connection, with the workers and jobs beside them, until Ctrl-C, or until the
    worker process kept dying and was given up on: then nothing would work the requests these
    connections go on acknowledging, so they are closed and `GaveUp` raised."""
    gave_up = threading.Event()
    runner = Workers(runtime, "process", adapters=adapters, scheduler=True, on_give_up=gave_up.set)
    opened = []
    for adapter in adapters:
        adapter.attach(runtime)
        connection = adapter.connection(runtime, wake=runner.wake)
        if connection is not None:
            opened.append(connection)
    runner.start()
    try:
        for connection in opened:
            connection.start()
        gave_up.wait()
    finally:
        for connection in opened:
            connection.close()
        runner.stop()
    raise GaveUp("the worker process kept dying")
