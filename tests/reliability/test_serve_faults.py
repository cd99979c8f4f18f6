"""Process faults against a real `sqmsbot serve`: its worker process killed with SIGKILL, and the
scheduled jobs that HTTP mode used to lack (SQLite and PostgreSQL).

Before (issue 9): after `kill -9` of the worker the server answered 200, /healthz said ok and
nothing restarted the worker; `sqmsbot serve` started no scheduler, so a due SLA threshold stayed
unfired on every replica.
"""

from __future__ import annotations

import dataclasses
import os
import signal
from datetime import timedelta
from typing import Any

import commands
from sqmsbot.clock import ManualClock, SystemClock
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.config import Settings, load_org_config
from sqmsbot.db import Database
from sqmsbot.i18n import Translator
from sqmsbot.runtime import Runtime
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import OPS, SECRET, wait_for
from tests.reliability.probes import FORM, health, report_form
from tests.reliability.serve_process import ServeProcess, signed


def serve(store_url: str, slack: FakeSlack) -> ServeProcess:
    slack.add_user("U1", name="li", locale="en-US")
    return ServeProcess(
        database_url=store_url, slack_api_url=slack.api_url, token=slack.token, signing_secret=SECRET
    )


def test_serve_restarts_its_killed_worker_and_healthz_tells(store_url: str, fake_slack: FakeSlack) -> None:
    with serve(store_url, fake_slack) as server:
        server.wait_ready()
        status, body = health(server.url)
        assert status == 200 and body["worker"]["alive"], body
        [worker] = server.worker_pids()
        os.kill(worker, signal.SIGKILL)
        status, body = wait_for(
            lambda: (h := health(server.url))[1]["worker"]["restarts"] == 1 and h, timeout=60
        )
        assert status == 200 and body["worker"]["pid"] != worker, body
        assert signed(server.url, report_form("After the kill"), FORM, SECRET)[0] == 200
        [card] = wait_for(lambda: fake_slack.messages(OPS), timeout=60)
        assert "SQ-1 · After the kill" in card["blocks"][0]["text"]["text"]
        assert "the worker process died (exit code -9)" in server.log_text()


def test_serve_gives_up_on_a_worker_that_keeps_dying_and_exits_with_1(
    store_url: str, fake_slack: FakeSlack
) -> None:
    """With SQMS_WORKER_RESTART_LIMIT=0 the first death is one too many: CRITICAL in the log, and the
    server stops with exit code 1 (not by a re-raised SIGTERM, which systemd would call a clean stop)."""
    server = serve(store_url, fake_slack)
    server.extra_env["SQMS_WORKER_RESTART_LIMIT"] = "0"
    with server:
        server.wait_ready()
        [worker] = server.worker_pids()
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: server.returncode is not None, timeout=120)
        assert server.returncode == 1, server.log_tail()
        assert "CRITICAL sqmsbot.supervisor: the worker process died 1 times" in server.log_text()


def test_an_sla_breach_is_announced_under_serve(store_url: str, fake_slack: FakeSlack) -> None:
    """A P1 (15 minutes to acknowledge, round the clock) reported 20 minutes ago and never touched:
    the server's own scheduler announces the missed commitment — with no `sqmsbot scheduler` beside it."""
    settings = Settings(database_url=store_url)
    db = Database(store_url)
    then = ManualClock(SystemClock().now() - timedelta(minutes=20))
    past = Runtime(settings=settings, org=load_org_config(settings.org_file), db=db, clock=then)
    request = CommandRequest(
        platform="slack",
        channel=OPS,
        user_id="U1",
        text='incident report P1 hotline "Line down"',
        request_key="k1",
    )
    reply = commands.dispatch(request, runtime=dataclasses.replace(past))
    assert "SQ-1" in " ".join(m.text or "" for m in reply.messages)
    db.dispose()
    # In the channel's language (the department's), whichever that is.
    missed = tuple(
        Translator(locale)(
            "sla_alert.breach", ref="SQ-1", target=Translator(locale)("sla.target.acknowledge")
        )
        for locale in ("en", "zh_CN")
    )
    with serve(store_url, fake_slack) as server:
        server.wait_ready()
        breach = _waited(
            server,
            lambda: [
                m
                for channel in fake_slack.workspace.channels
                for m in fake_slack.messages(channel) + _replies(fake_slack, channel)
                if str(m.get("text", "")).startswith(missed)
            ],
        )
        assert breach


def _waited(server: ServeProcess, condition: Any) -> Any:
    try:
        return wait_for(condition, timeout=120)
    except AssertionError as error:
        raise AssertionError(server.log_text()[-6000:]) from error


def _replies(slack: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [r for m in slack.messages(channel) for r in slack.thread(channel, m["ts"])[1:]]
