"""`sqmsbot serve` as the CLI builds it: settings only, the inbound and outbox workers running in the
worker process the app starts and stops (the "spawn" child builds its own runtime from the settings)."""

from __future__ import annotations

import dataclasses
import threading
import urllib.request
from urllib.parse import urlencode

import pytest

from sqmsbot.runtime import Runtime
from sqmsbot.web import create_web_app
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import (
    OPS,
    SECRET,
    assert_slack_payloads_valid,
    serving,
    signed_post,
    wait_for,
)


def test_serve_answers_a_signed_report_and_its_worker_posts_the_card(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    settings = runtime.settings.model_copy(
        update={
            "slack_bot_token": fake_slack.token,
            "slack_signing_secret": SECRET,
            "slack_api_url": fake_slack.api_url,
        }
    )
    live = dataclasses.replace(runtime, settings=settings, directories={})
    fake_slack.add_user("U1", name="li", locale="en-US")
    with serving(create_web_app(live)) as url:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as health:
            assert health.status == 200
        body = urlencode(
            {
                "team_id": "T0FAKE",
                "channel_id": OPS,
                "user_id": "U1",
                "user_name": "li",
                "command": "/incident",
                "text": 'report P1 hotline "Line down"',
                "trigger_id": "t-serve",
            }
        )
        answer = signed_post(url, body, "application/x-www-form-urlencoded")
        assert answer.status == 200
        [card] = wait_for(lambda: fake_slack.messages(OPS), timeout=30)  # by the app's worker process
        assert "SQ-1 · Line down" in card["blocks"][0]["text"]["text"]
        assert "Reported SQ-1." in wait_for(lambda: fake_slack.ephemerals)[0]["text"]
        workers_here = [t.name for t in threading.enumerate() if t.name in ("slack-inbound", "slack-outbox")]
        assert workers_here == []  # the work ran in the worker process, not beside the event loop
        assert signed_post(url, body, "application/x-www-form-urlencoded", secret="forged").status == 401
    assert_slack_payloads_valid(fake_slack)


def test_serve_refuses_to_start_without_a_signing_secret(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        create_web_app(runtime)
