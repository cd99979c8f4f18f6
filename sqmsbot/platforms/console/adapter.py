"""The console as an adapter like the others: its platform name, its deliverer, no routes.

A person at the console types straight into the dispatcher (`repl.Console`),
so nothing is stored in the inbound queue; what it delivers is printed. `sqmsbot run` opens the
console when it is the only platform served; beside others it is a place notifications can go.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute

from sqmsbot.config import Settings
from sqmsbot.inbound import InboundHandler, Wake
from sqmsbot.outbox import Deliverer
from sqmsbot.platforms.adapter import Connection, Transport
from sqmsbot.platforms.console.delivery import ConsoleDeliverer
from sqmsbot.platforms.console.name import PLATFORM
from sqmsbot.platforms.http_gate import StoreGate
from sqmsbot.runtime import Runtime


class ConsoleAdapter:
    name = PLATFORM
    transport: Transport = "none"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def attach(self, runtime: Runtime) -> None:
        """No directory: people exist on the console once they have spoken (`Runtime.directory`)."""

    def inbound_handler(self, runtime: Runtime) -> InboundHandler | None:
        return None

    def deliverer(self, runtime: Runtime) -> Deliverer:
        return ConsoleDeliverer(print, runtime.org, files_dir=self.settings.files_dir)

    def routes(self, runtime: Runtime, *, wake: Wake | None, gate: StoreGate) -> Sequence[BaseRoute]:
        return ()

    def connection(self, runtime: Runtime, *, wake: Wake | None) -> Connection | None:
        return None
