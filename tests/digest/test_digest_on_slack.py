"""The morning digest on Slack: the real digest job writes the post (its chart stored with the
outbox row), and the real outbox worker, as the Slack adapter builds it, uploads the chart once over
HTTP with slack_sdk to the fake Slack and posts the digest in the department's channel with the
image in its blocks, all valid Block Kit."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import jobs
from sqmsbot.clock import ManualClock
from sqmsbot.domain import incidents
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.workers import outbox_worker
from sqmsbot.runtime import Runtime
from sqmsbot.scheduling import run_due
from tests.conftest import START, served_on
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.fakes.slack_api import FakeSlack
from tests.kpi.scenario import desk, utc
from tests.platforms.slack.harness import assert_slack_payloads_valid

OPS = "C0000000OPS"  # Customer Service's Slack channel in the example organisation


def test_the_digest_reaches_the_slack_channel_with_its_chart_uploaded_once(
    runtime: Runtime, clock: ManualClock, fake_slack: FakeSlack
) -> None:
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        agent = d.person("agent", "ops")
        for hour in range(1, 7):  # six hotline calls on Monday (Customer Service owns the hotline)
            incident = d.report(
                utc(f"2026-11-23 0{hour}:00"), priority="P3", service="hotline", category="man"
            )
            incidents.acknowledge(session, incident=incident, actor=agent, now=utc(f"2026-11-23 0{hour}:10"))
    slack = served_on(runtime, "slack")
    run_due(slack, START, utc("2026-11-24 00:31"), registry={"digest": jobs.registry()["digest"]})
    settings = slack.settings.model_copy(update={"slack_timeout": 2.0})
    sender = outbox_worker(
        dataclasses.replace(slack, settings=settings), make_client(fake_slack.token, fake_slack.api_url)
    )
    clock.advance(timedelta(seconds=1))
    sent = sender.run_once()
    assert sent >= 1
    [upload] = fake_slack.uploads
    assert (
        upload.completed
        and upload.filename == "digest-ops.png"
        and (upload.content or b"").startswith(b"\x89PNG")
    )
    [posted] = fake_slack.messages(OPS)
    assert posted["text"].startswith("☀️ 晨间简报 · 客户服务部 · 2026-11-23")  # the department reads Chinese
    assert "报告数：6" in posted["text"]
    [image] = [b for b in posted["blocks"] if b["type"] == "image"]
    assert image["slack_file"] == {"id": upload.file_id}
    assert image["alt_text"] == "客户服务部：截至 2026-11-23 的最近 30 天"
    assert [b["type"] for b in posted["blocks"]][:2] == ["header", "section"]
    assert_slack_payloads_valid(fake_slack)
