"""A worker process killed with SIGKILL: the server notices, /healthz says so, the worker comes back
and works what piled up; a worker that keeps dying is given up on loudly.

Before (issue 9): the server still answered 200, /healthz said ok, requests stayed pending and
nothing restarted the child.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqmsbot.runtime import Runtime
from sqmsbot.supervisor import Restarts
from sqmsbot.web import create_web_app
from sqmsbot.workers import Workers
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import OPS, SECRET, serving, signed_post, wait_for
from tests.reliability.probes import health, report_form


def on_fake_slack(runtime: Runtime, slack: FakeSlack) -> Runtime:
    """The test's runtime with Slack settings pointing at the fake: what the worker child is built from."""
    settings = runtime.settings.model_copy(
        update={
            "slack_bot_token": slack.token,
            "slack_signing_secret": SECRET,
            "slack_api_url": slack.api_url,
        }
    )
    return dataclasses.replace(runtime, settings=settings, directories={})


@contextmanager
def server(
    runtime: Runtime, slack: FakeSlack, restarts: Restarts, on_give_up: threading.Event | None = None
) -> Iterator[tuple[str, Workers]]:
    live = on_fake_slack(runtime, slack)
    slack.add_user("U1", name="li", locale="en-US")
    workers = Workers(live, "process", restarts=restarts, on_give_up=on_give_up.set if on_give_up else None)
    with serving(create_web_app(live, workers=workers)) as url:
        yield url, workers


def kill(workers: Workers) -> int:
    process = workers.process
    assert process is not None and process.pid is not None
    os.kill(process.pid, signal.SIGKILL)  # reaped by the supervisor, as in production
    return process.pid


def test_a_killed_worker_shows_in_healthz_and_its_requests_wait(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    with server(runtime, fake_slack, Restarts(first=3600, cap=3600)) as (
        url,
        workers,
    ):  # no restart in this test
        assert health(url)[0] == 200
        kill(workers)
        status, body = wait_for(
            lambda: (answer := health(url))[1]["worker"]["last_exit_code"] is not None and answer,
            timeout=60,
        )
        assert status == 503
        assert body["problems"] == ["worker not running"]
        assert body["worker"]["last_exit_code"] == -signal.SIGKILL
        # Requests are still acknowledged (stored), and wait for a worker: they are counted.
        assert signed_post(url, report_form("Line down"), "application/x-www-form-urlencoded").status == 200
        status, body = health(url)
        assert body["inbound"]["oldest_due_seconds"] is not None
        assert fake_slack.messages(OPS) == []


def test_a_killed_worker_is_restarted_and_works_what_piled_up(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    with server(runtime, fake_slack, Restarts(first=0.05)) as (url, workers):
        first = kill(workers)
        signed_post(url, report_form("Line down"), "application/x-www-form-urlencoded")
        [card] = wait_for(lambda: fake_slack.messages(OPS), timeout=60)  # by the restarted worker
        assert "SQ-1 · Line down" in card["blocks"][0]["text"]["text"]
        status, body = health(url)
        assert status == 200, body
        assert body["worker"]["alive"] is True and body["worker"]["restarts"] == 1
        assert body["worker"]["pid"] not in (None, first)
        # The new worker is woken by new requests too (its own wake pipe), not only by its poll.
        signed_post(url, report_form("Second"), "application/x-www-form-urlencoded")
        wait_for(lambda: len(fake_slack.messages(OPS)) == 2, timeout=60)


def test_a_worker_that_keeps_dying_is_given_up_on_loudly(runtime: Runtime, fake_slack: FakeSlack) -> None:
    gave_up = threading.Event()
    with server(runtime, fake_slack, Restarts(first=0.01, max_restarts=1), gave_up) as (url, workers):
        kill(workers)
        wait_for(lambda: health(url)[1]["worker"]["restarts"] == 1, timeout=60)
        kill(workers)
        assert gave_up.wait(60)
        status, body = health(url)
        assert status == 503
        assert body["worker"]["gave_up"] is True and body["problems"] == ["worker gave up"]


def test_stopping_while_a_restart_is_under_way_leaves_no_worker_running(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    """The server stops just as a dead worker is being replaced: the replacement is stopped too,
    not left working the queues (and running the scheduler) behind a server that has gone."""
    live = on_fake_slack(runtime, fake_slack)
    workers = Workers(live, "process", restarts=Restarts(first=0.0))
    workers.start()
    kill(workers)
    wait_for(lambda: workers.status()["last_exit_code"] is not None, timeout=60)  # a restart is under way
    workers.stop()
    assert [p for p in multiprocessing.active_children() if p.name == "sqmsbot-workers"] == []
