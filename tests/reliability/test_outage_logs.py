"""A store that is down is logged once per change of state — down, still down each minute, back —
not with a traceback every round.

Before (issue 9): a database outage logged a full traceback every second from each loop (37 in 10 s).
"""

from __future__ import annotations

import dataclasses
import logging
import threading

import pytest

from sqmsbot.db import Database
from sqmsbot.inbound import InboundWorker
from sqmsbot.outage import Outage
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.inbound import SlackInboundHandler
from sqmsbot.runtime import Runtime
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import wait_for
from tests.reliability.tcp_proxy import TcpProxy


class Seconds:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_down_still_down_and_back_are_one_line_each(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("tests.outage")
    clock = Seconds()
    outage = Outage(log, "the round", now=clock)
    caplog.set_level(logging.INFO, logger="tests.outage")
    for second in range(37):  # a retry every second for 37 s: the first one says so
        clock.now = float(second)
        outage.failed(ConnectionRefusedError("connection refused\nhint: is the server up?"))
    clock.now = 61.0
    outage.failed(ConnectionRefusedError("connection refused"))  # a minute on: a reminder
    clock.now = 62.0
    outage.failed(ConnectionRefusedError("connection refused"))
    clock.now = 70.0
    outage.cleared()
    outage.cleared()  # working is news once
    assert [r.getMessage() for r in caplog.records] == [
        "the round failed: ConnectionRefusedError: connection refused",
        "the round still failing after 61 s (38 failures): ConnectionRefusedError: connection refused",
        "the round works again after 70 s (39 failures)",
    ]
    assert all(r.exc_info is None for r in caplog.records)  # no tracebacks at INFO and above


def test_the_inbound_worker_logs_an_outage_of_its_store_once(
    runtime: Runtime, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    if not runtime.db.is_postgresql:
        pytest.skip("the outage is a TCP proxy refusing connections to PostgreSQL")
    from sqlalchemy.engine import make_url

    target = make_url(runtime.db.url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        db = Database(proxy.url_for(runtime.db.url))
        behind = dataclasses.replace(runtime, db=db)
        worker = InboundWorker(
            db, SlackInboundHandler(behind, make_client(fake_slack.token, fake_slack.api_url)), runtime.clock
        )
        stop = threading.Event()
        caplog.set_level(logging.INFO, logger="sqmsbot.inbound.worker")
        thread = threading.Thread(target=worker.run_forever, args=(stop,), kwargs={"interval": 0.01})
        proxy.refuse()
        thread.start()
        try:
            wait_for(lambda: worker.outage.failures >= 30, timeout=60)  # thirty rounds failed
            proxy.heal()
            wait_for(lambda: not worker.outage.down, timeout=60)  # and one worked again
        finally:
            stop.set()
            thread.join(30)
            db.dispose()
    lines = [r.getMessage() for r in caplog.records if r.name == "sqmsbot.inbound.worker"]
    assert len(lines) == 2, lines
    assert lines[0].startswith("the inbound worker's round failed: OperationalError")
    assert lines[1].startswith("the inbound worker's round works again after")
