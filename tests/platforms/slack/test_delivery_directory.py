"""Outbound edge cases against the fake: transient failures become RetryLater, real refusals do not;
the directory caches users.info and maps Slack's locale onto our catalogs."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from sqmsbot.messages import Message
from sqmsbot.outbox import Delivery, RetryLater
from sqmsbot.platforms.slack.delivery import SlackDeliverer, make_client
from sqmsbot.platforms.slack.directory import SlackDirectory
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.fakes.slack_api import FakeSlack


def delivery(target: str = "C1", **kw: str | None) -> Delivery:
    return Delivery(
        id=1,
        dedupe_key="k",
        target_kind="channel",
        target=target,
        message=Message(text="hello"),
        update_remote_id=kw.get("update"),
        thread_remote_id=kw.get("thread"),
    )


def test_post_then_thread_then_edit(fake_slack: FakeSlack) -> None:
    deliverer = SlackDeliverer(make_client(fake_slack.token, fake_slack.api_url))
    card = deliverer.deliver(delivery())
    assert card is not None and card.startswith("C1:")
    deliverer.deliver(delivery(thread=card))
    assert deliverer.deliver(delivery(update=card)) == card
    ts = card.split(":")[1]
    assert len(fake_slack.thread("C1", ts)) == 2
    assert "edited" in fake_slack.messages("C1")[0]


def test_server_errors_and_unreachable_slack_are_retried_later(fake_slack: FakeSlack) -> None:
    deliverer = SlackDeliverer(make_client(fake_slack.token, fake_slack.api_url))
    fake_slack.fail_next("chat.postMessage", status=500, times=2)
    with pytest.raises(RetryLater):
        deliverer.deliver(delivery())
    gone = SlackDeliverer(make_client(fake_slack.token, "http://127.0.0.1:9/api/"))
    with pytest.raises(RetryLater):
        gone.deliver(delivery())


def test_a_real_refusal_is_not_retried_as_transient(fake_slack: FakeSlack) -> None:
    deliverer = SlackDeliverer(make_client(fake_slack.token, fake_slack.api_url))
    fake_slack.fail_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError):
        deliverer.deliver(delivery())


def test_directory_caches_and_maps_locale(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U3", name="zhang", real_name="张伟", tz="Asia/Shanghai", locale="zh-CN")
    directory = SlackDirectory(make_client(fake_slack.token, fake_slack.api_url))
    profile = directory.profile("U3")
    assert profile is not None
    assert (profile.display_name, profile.locale, profile.timezone) == ("zhang", "zh_CN", "Asia/Shanghai")
    assert directory.profile("U3") == profile
    assert directory.profile("U404") is None
    assert directory.profile("U404") is None
    assert [c.params["user"] for c in fake_slack.calls_to("users.info")] == ["U3", "U404"]
