"""Slack's inbound and outbox workers on a given client, as tests and benchmarks build them.

The bot itself builds them generically from the adapter (`sqmsbot.workers`); these are the same
workers for a caller that drives them step by step against a Slack of its own (the fake).
"""

from __future__ import annotations

from slack_sdk import WebClient

from sqmsbot.inbound import InboundWorker
from sqmsbot.outbox import OutboxWorker
from sqmsbot.platforms.slack.adapter import SlackAdapter
from sqmsbot.runtime import Runtime
from sqmsbot.work import inbound_worker as _inbound_worker
from sqmsbot.work import outbox_worker as _outbox_worker


def inbound_worker(runtime: Runtime, client: WebClient) -> InboundWorker:
    return _inbound_worker(runtime, SlackAdapter(runtime.settings, client=client).inbound_handler(runtime))


def outbox_worker(runtime: Runtime, client: WebClient) -> OutboxWorker:
    return _outbox_worker(runtime, SlackAdapter(runtime.settings, client=client).deliverer(runtime))
