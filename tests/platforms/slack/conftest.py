"""A bot on the fake Slack for each scenario test, with three people Slack knows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sqmsbot.runtime import Runtime
from tests.conftest import served_on
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import SlackBot, assert_all_payloads_valid, running_bot


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """The shared runtime, serving Slack: cards and alerts go to the departments' Slack channels."""
    return served_on(runtime, "slack")


@pytest.fixture
def bot(runtime: Runtime, fake_slack: FakeSlack) -> Iterator[SlackBot]:
    fake_slack.add_user("U1", name="li", real_name="Li Lei", tz="Asia/Shanghai", locale="en-US")
    fake_slack.add_user("U2", name="wang", real_name="Wang Fang", tz="Asia/Shanghai", locale="en-US")
    fake_slack.add_user("U3", name="zhang", real_name="张伟", tz="Asia/Shanghai", locale="zh-CN")
    with running_bot(runtime, fake_slack) as running:
        yield running
        assert_all_payloads_valid(running)
