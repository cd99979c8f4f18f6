"""Slack as an adapter (`sqmsbot.platforms.adapter`): everything the generic runtime needs from it.

One object per process, made from the Settings: the Web API client it shares between the directory,
the inbound handler and (through a client of its own with no SDK retries) the outbox deliverer;
`POST /slack/events` for HTTP mode and Socket Mode as its connection. Which of the two a deployment
uses is the serving layer's choice (`sqmsbot serve`: HTTP; `sqmsbot run`: Socket Mode when an app
token is set).
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sqmsbot.config import Settings
from sqmsbot.inbound import InboundHandler, Wake
from sqmsbot.outbox import Deliverer
from sqmsbot.platforms.adapter import Connection, MissingCredentials, Transport
from sqmsbot.platforms.http_gate import StoreGate
from sqmsbot.platforms.slack.app import create_bolt_app
from sqmsbot.platforms.slack.delivery import SlackDeliverer, make_client, outbox_client
from sqmsbot.platforms.slack.directory import SlackDirectory
from sqmsbot.platforms.slack.edge import admit
from sqmsbot.platforms.slack.inbound import SlackInboundHandler
from sqmsbot.platforms.slack.name import PLATFORM
from sqmsbot.platforms.slack.socket import SocketModeConnection
from sqmsbot.runtime import Runtime

EVENTS_PATH = "/slack/events"


class SlackAdapter:
    """`client`: a Web API client to use instead of one from the Settings (tests point it at the fake
    Slack); `bolt`: a Bolt app already built on it (tests that set its signing secret themselves);
    `verify_token`: check the token with auth.test when the Bolt app is built (start-up fails on a
    wrong one rather than at the first request)."""

    name = PLATFORM

    def __init__(
        self,
        settings: Settings,
        *,
        client: WebClient | None = None,
        bolt: App | None = None,
        verify_token: bool = True,
    ) -> None:
        if client is None and not (
            settings.slack_bot_token and (settings.slack_app_token or settings.slack_signing_secret)
        ):
            what = "SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
            raise MissingCredentials(PLATFORM, what)
        self.settings = settings
        self._client = client
        self._bolt = bolt
        self.verify_token = verify_token

    @property
    def transport(self) -> Transport:
        """Socket Mode when an app token is set, else HTTP (`SLACK_SIGNING_SECRET`)."""
        return "connection" if self.settings.slack_app_token else "http"

    @property
    def client(self) -> WebClient:
        if self._client is None:
            if not self.settings.slack_bot_token:
                raise ValueError("SLACK_BOT_TOKEN is not set")
            self._client = make_client(self.settings.slack_bot_token, self.settings.slack_api_url)
        return self._client

    def attach(self, runtime: Runtime) -> None:
        runtime.directories.setdefault(PLATFORM, SlackDirectory(self.client))

    def inbound_handler(self, runtime: Runtime) -> InboundHandler:
        return SlackInboundHandler(runtime, self.client)

    def deliverer(self, runtime: Runtime) -> Deliverer:
        """On a client of its own: no SDK retries or sleeps (the outbox worker reschedules instead,
        and looks before it re-sends a post whose outcome is unknown)."""
        client = outbox_client(self.client, timeout=self.settings.slack_timeout)
        return SlackDeliverer(client, locale=runtime.org.default_locale, clock=runtime.clock)

    def bolt(self, runtime: Runtime, *, wake: Wake | None) -> App:
        """The Bolt app every listener is registered on (built once, for routes or Socket Mode)."""
        if self._bolt is None:
            self._bolt = create_bolt_app(
                runtime, client=self.client, verify_token=self.verify_token, wake=wake
            )
        return self._bolt

    def routes(self, runtime: Runtime, *, wake: Wake | None, gate: StoreGate) -> Sequence[BaseRoute]:
        """`POST /slack/events`: checked at the edge (size, signature, shape), then Bolt's listeners
        store the request through the gate and acknowledge."""
        if self._bolt is None and not self.settings.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is not set: HTTP mode cannot verify requests")
        bolt = self.bolt(runtime, wake=wake)
        settings = self.settings

        async def slack_events(request: Request) -> Response:
            if isinstance(body := await admit(request, settings, bolt), Response):
                return body  # refused unread or unparsed: too large, unsigned, malformed (see `edge`)
            return await gate.answer(
                lambda: to_starlette_response(bolt.dispatch(to_bolt_request(request, body)))
            )

        return [Route(EVENTS_PATH, slack_events, methods=["POST"])]

    def connection(self, runtime: Runtime, *, wake: Wake | None) -> Connection | None:
        """Socket Mode, when an app token is set (the bot dials out: no public URL needed)."""
        token = self.settings.slack_app_token
        if not token:
            return None
        return SocketModeConnection(self.bolt(runtime, wake=wake), self.client, token)
