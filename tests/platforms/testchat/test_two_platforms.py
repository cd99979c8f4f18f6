"""Two platforms in one bot, enabled by the Settings alone: Slack, and `testchat`, an adapter that
lives only in the tests. `create_web_app` mounts both adapters' routes and its supervised worker
process builds both adapters' workers from the Settings — no line of `sqmsbot/` names testchat.

A command typed on one platform notifies a department whose channel is on the other: where a card
goes is the department's platform (`Department.home`), never the platform the command came from.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from sqmsbot.clock import SystemClock
from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.runtime import Runtime
from sqmsbot.web import create_web_app
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import OPS, SECRET, serving, signed_post, wait_for
from tests.platforms.testchat.adapter import FACTORY, SINK_ENV, read_sink

FIELD_CHANNEL = "#field-logistics"


def two_platform_org(tmp_path: Path) -> Path:
    """The example organisation, with Logistics on testchat only (Customer Service stays on Slack)."""
    text = EXAMPLE_ORG_FILE.read_text(encoding="utf-8")
    logistics = 'key = "logistics"\n'
    assert logistics in text
    text = text.replace(logistics, logistics + f'channels = {{ testchat = "{FIELD_CHANNEL}" }}\n', 1)
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    return path


def type_on_testchat(url: str, *, user: str, channel: str, text: str, key: str) -> dict[str, Any]:
    body = json.dumps({"user": user, "channel": channel, "text": text, "key": key}).encode()
    request = urllib.request.Request(
        url + "/testchat/commands", body, {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


@pytest.fixture
def two_platforms(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Runtime, Path]:
    sink = tmp_path / "testchat.jsonl"
    monkeypatch.setenv(SINK_ENV, str(sink))  # the worker process inherits it
    org_file = two_platform_org(tmp_path)
    settings = runtime.settings.model_copy(
        update={
            "slack_bot_token": fake_slack.token,
            "slack_signing_secret": SECRET,
            "slack_api_url": fake_slack.api_url,
            "config": org_file,
            "platforms_setting": f"slack, testchat={FACTORY}",
        }
    )
    live = dataclasses.replace(
        runtime, settings=settings, org=load_org_config(org_file), clock=SystemClock(), directories={}
    )
    fake_slack.add_user("U1", name="li", locale="en-US")
    return live, sink


def test_a_command_on_one_platform_posts_the_card_where_the_department_is(
    two_platforms: tuple[Runtime, Path], fake_slack: FakeSlack
) -> None:
    live, sink = two_platforms
    assert live.platforms == ("slack", "testchat")
    with serving(create_web_app(live)) as url:  # both adapters' routes; their workers in the child
        # Typed on testchat, about the hotline: Customer Service's card goes to its Slack channel.
        ack = type_on_testchat(
            url, user="ann", channel=FIELD_CHANNEL, text='incident report P2 hotline "Till jammed"', key="1"
        )
        assert ack == {"ok": True}
        [card] = wait_for(lambda: fake_slack.messages(OPS), timeout=30)
        assert "SQ-1 · Till jammed" in card["blocks"][0]["text"]["text"]
        # Its reporter is on testchat: Slack shows the name, never a mention of a Slack user "ann".
        shown_on_slack = json.dumps(card["blocks"], ensure_ascii=False)
        assert "@ann" in shown_on_slack and "<@ann" not in shown_on_slack
        [reply] = wait_for(lambda: [r for r in read_sink(sink) if r["kind"] == "reply"], timeout=30)
        assert reply["user"] == "ann" and "Reported SQ-1." in reply["text"]

        # Typed on Slack, about home delivery: Logistics' card goes to its testchat channel.
        slash = {
            "team_id": "T0FAKE",
            "channel_id": OPS,
            "user_id": "U1",
            "user_name": "li",
            "command": "/incident",
            "text": 'report P2 delivery "Parcel left in the rain"',
            "trigger_id": "t-two",
        }
        answer = signed_post(url, urlencode(slash), "application/x-www-form-urlencoded")
        assert answer.status == 200
        cards = wait_for(
            lambda: [r for r in read_sink(sink) if r["kind"] == "channel" and r["target"] == FIELD_CHANNEL],
            timeout=30,
        )
        assert cards[0]["text"].startswith(
            "SQ-2 · P2 · 新建 · Parcel left in the rain"
        )  # Logistics reads zh_CN
        assert "物流部" in cards[0]["text"]
        assert "@li" in cards[0]["text"] and "<@" not in cards[0]["text"]  # the Slack reporter, by name
        assert "Reported SQ-2." in wait_for(lambda: fake_slack.ephemerals, timeout=30)[0]["text"]
    # Each card went once, to one platform: nothing of SQ-2 on Slack, nothing of SQ-1 on testchat.
    assert all("SQ-2" not in str(m) for m in fake_slack.messages(OPS))
    assert all("SQ-1" not in r["text"] for r in read_sink(sink) if r["kind"] == "channel")


def test_an_unknown_platform_stops_start_up_with_its_name(runtime: Runtime) -> None:
    from sqmsbot.platforms.registry import UnknownPlatform, load_adapters

    settings = runtime.settings.model_copy(update={"platforms_setting": "slack, teams"})
    with pytest.raises(UnknownPlatform, match="teams"):
        load_adapters(settings)
