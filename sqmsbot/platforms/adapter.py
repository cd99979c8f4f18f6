"""What a chat platform is to the rest of the bot: one object per platform package (DESIGN §2–§3).

An adapter is everything platform-specific in one place: the people directory it resolves users
with, the inbound handler the inbound worker gives its stored requests to, the deliverer the outbox
worker sends its messages with, and how requests reach it — HTTP routes mounted in the one ASGI app
(`sqmsbot.web`) or a long connection it dials itself (Slack's Socket Mode, Lark's event stream).
The rest is generic and shared: `sqmsbot.workers` runs every enabled adapter's inbound and outbox
workers (in the supervised worker process, or on threads), `sqmsbot.serving` starts the HTTP server
and the connections. Settings choose the adapters (`SQMS_PLATFORMS`, `sqmsbot.platforms.registry`);
adding a platform is adding a package, never editing another one.

Every method may return None (or no routes): the console delivers but stores no requests (a person
types straight into the dispatcher), and a platform may serve HTTP or a connection but not both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from sqmsbot.inbound import InboundHandler, Wake
    from sqmsbot.outbox import Deliverer
    from sqmsbot.platforms.http_gate import StoreGate
    from sqmsbot.runtime import Runtime


Transport = Literal["http", "connection", "none"]


class MissingCredentials(ValueError):
    """A platform is to be served but its credentials are not set (`what`: the variables it needs)."""

    def __init__(self, platform: str, what: str) -> None:
        super().__init__(f"{platform}: {what} not set")
        self.platform = platform
        self.what = what


class Connection(Protocol):
    """A connection the adapter keeps to its platform (requests arrive over it, not over HTTP)."""

    def start(self) -> None:
        """Connect (and keep reconnecting) on threads of its own; return once connected."""
        ...

    def close(self) -> None: ...


class Adapter(Protocol):
    """One chat platform. Built from the Settings (`Factory`), once per process that uses it."""

    name: str  # the `platform` of its people, requests and outbox rows
    # How its requests reach this deployment under `sqmsbot run`: its HTTP routes, a connection it
    # dials itself, or neither (the console: typed in the foreground).
    transport: Transport

    def attach(self, runtime: Runtime) -> None:
        """Make the platform known to the runtime: its people directory (`runtime.directories`)."""
        ...

    def inbound_handler(self, runtime: Runtime) -> InboundHandler | None:
        """What works this platform's stored requests, in the worker (None: it stores none)."""
        ...

    def deliverer(self, runtime: Runtime) -> Deliverer | None:
        """What sends this platform's outbox rows (None: nothing is delivered here)."""
        ...

    def routes(self, runtime: Runtime, *, wake: Wake | None, gate: StoreGate) -> Sequence[BaseRoute]:
        """Its HTTP endpoints, under `/<name>/…`; a request they store goes through `gate`, and
        `wake` tells the workers it is there. None wanted (a connection instead): no routes."""
        ...

    def connection(self, runtime: Runtime, *, wake: Wake | None) -> Connection | None:
        """The long connection that brings its requests, when it uses one instead of routes."""
        ...
