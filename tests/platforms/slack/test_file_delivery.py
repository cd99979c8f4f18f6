"""A message's files reach Slack once, and show in its card, however often the delivery is retried.

The real outbox worker, built as the Slack adapter builds it, talks over HTTP with the real slack_sdk
client to the fake Slack, which serves the external-upload flow (files.getUploadURLExternal → the
upload URL → files.completeUploadExternal) and breaks on cue (`FakeSlack.inject`).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import select

from sqmsbot.clock import ManualClock
from sqmsbot.messages import File, Image, Message
from sqmsbot.models import Blob, MessageBlob, OutboxMessage
from sqmsbot.outbox import Channel, Notifier, OutboxWorker, RetryLater
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.delivery_errors import FILE_SETTLE, file_not_ready
from sqmsbot.platforms.slack.workers import outbox_worker
from sqmsbot.runtime import Runtime
from tests.fakes.fixtures import fake_slack_fixture  # noqa: F401  (registers ``fake_slack``)
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import assert_slack_payloads_valid
from tests.test_message_files import CSV, PNG

SLACK_EPOCH = datetime.fromtimestamp(1_700_000_000, UTC)
OPS = "C0000000OPS"


@pytest.fixture
def clock() -> ManualClock:
    """Just before the fake's first timestamp: the worker's look in the channel shares its timeline."""
    return ManualClock(SLACK_EPOCH - timedelta(minutes=1))


def worker(runtime: Runtime, slack: FakeSlack) -> OutboxWorker:
    settings = runtime.settings.model_copy(update={"slack_timeout": 2.0})
    return outbox_worker(
        dataclasses.replace(runtime, settings=settings), make_client(slack.token, slack.api_url)
    )


def card_with(runtime: Runtime, key: str, *, image: bool = True, file: bool = False) -> None:
    with runtime.db.transaction() as session:
        notify = Notifier(session, platforms=("slack",), now=runtime.clock.now())
        blocks: list[Image | File] = []
        if image:
            blocks.append(notify.attach_image(data=PNG, name="mttr.png", alt="MTTR, last 12 weeks"))
        if file:
            blocks.append(
                notify.attach_file(data=CSV, name="open.csv", content_type="text/csv", title="Open")
            )
        message = Message(text="Weekly KPIs", blocks=tuple(blocks))
        notify.to_channel(key=key, channel=Channel("slack", OPS), message=message)


def calls(slack: FakeSlack, method: str) -> int:
    return len(slack.calls_to(method))


def stored_blob(runtime: Runtime) -> bytes:
    with runtime.db.transaction() as session:
        return bytes(session.scalars(select(Blob.data)).one())


def test_a_png_is_uploaded_once_when_the_post_after_the_upload_is_retried(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card_with(runtime, "digest:ops:2026-W48")
    fake_slack.inject("chat.postMessage", "server_error")  # after the upload went through: 500 once
    sender = worker(runtime, fake_slack)

    assert sender.run_once() == 0
    with runtime.db.transaction() as session:
        waiting = session.scalars(select(OutboxMessage)).one()
        assert waiting.status == "pending" and waiting.attempt_started_at is not None  # maybe posted
        link = session.scalars(select(MessageBlob)).one()
        assert link.remote_id is not None and link.uploaded_at == clock.now()
    clock.advance(timedelta(minutes=1))
    assert sender.run_once() == 1

    assert calls(fake_slack, "files.getUploadURLExternal") == 1
    assert calls(fake_slack, "files.completeUploadExternal") == 1
    [upload] = fake_slack.uploads
    assert upload.completed and upload.content == stored_blob(runtime) == PNG
    assert upload.filename == "mttr.png" and upload.channels == []  # private until the card shows it
    assert calls(fake_slack, "chat.postMessage") == 2  # the refused one and the one that went out
    [posted] = fake_slack.messages(OPS)
    [image] = [b for b in posted["blocks"] if b["type"] == "image"]
    assert image["slack_file"] == {"id": upload.file_id}
    assert image["alt_text"] == "MTTR, last 12 weeks"
    assert_slack_payloads_valid(fake_slack)


def test_an_upload_that_failed_is_started_again_and_the_card_posted_once(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock
) -> None:
    card_with(runtime, "digest:1")
    fake_slack.inject("files.completeUploadExternal", "server_error")
    sender = worker(runtime, fake_slack)

    assert sender.run_once() == 0
    assert calls(fake_slack, "chat.postMessage") == 0  # no card without its chart
    with runtime.db.transaction() as session:
        waiting = session.scalars(select(OutboxMessage)).one()
        assert waiting.attempt_started_at is None  # a private upload posts nothing: no look needed
    clock.advance(timedelta(minutes=1))
    assert sender.run_once() == 1

    first, second = fake_slack.uploads
    assert not first.completed and second.completed and second.content == PNG
    assert calls(fake_slack, "conversations.history") == 0
    [posted] = fake_slack.messages(OPS)
    assert [b["slack_file"] for b in posted["blocks"] if b["type"] == "image"] == [{"id": second.file_id}]


def test_uploads_that_outlast_an_attempt_go_on_in_the_next_one_and_the_card_is_posted_once(
    runtime: Runtime, fake_slack: FakeSlack, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attempt stops uploading past its budget (inside the outbox lease): each file is uploaded
    once across the attempts, and the card goes out once, in an attempt that starts with them all."""
    from sqmsbot.platforms.slack import uploads

    monkeypatch.setattr(uploads, "UPLOAD_BUDGET_S", -1.0)  # every upload outlasts it
    card_with(runtime, "digest:1", image=True, file=True)
    sender = worker(runtime, fake_slack)
    for attempt in (1, 2):
        assert sender.run_once() == 0
        assert len(fake_slack.uploads) == attempt and calls(fake_slack, "chat.postMessage") == 0
        clock.advance(timedelta(minutes=10))  # past any back-off the worker gives a not-now
    assert sender.run_once() == 1  # both files held by Slack already: straight to the post
    assert len(fake_slack.uploads) == 2 and all(u.completed for u in fake_slack.uploads)
    assert calls(fake_slack, "chat.postMessage") == 1
    assert len(fake_slack.messages(OPS)) == 1


def test_an_export_is_uploaded_and_linked_from_the_card(runtime: Runtime, fake_slack: FakeSlack) -> None:
    card_with(runtime, "digest:1", image=False, file=True)
    assert worker(runtime, fake_slack).run_once() == 1
    [upload] = fake_slack.uploads
    assert upload.content == CSV and upload.title == "Open"
    [posted] = fake_slack.messages(OPS)
    [context] = [b for b in posted["blocks"] if b["type"] == "context"]
    assert (
        f"<{fake_slack.workspace.file_store.permalink_base}{upload.file_id}|Open>"
        in context["elements"][0]["text"]
    )
    assert_slack_payloads_valid(fake_slack)


def _refusal(errors: list[str]) -> SlackApiError:
    data = {"ok": False, "error": "invalid_blocks", "errors": errors}
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="chat.postMessage",
        req_args={},
        data=data,
        headers={},
        status_code=200,
    )
    return SlackApiError("invalid_blocks", response)  # type: ignore[no-untyped-call]


def test_a_card_refused_while_slack_still_processes_its_upload_is_tried_again() -> None:
    """Slack completes uploads asynchronously; an image block naming a file it has not finished is
    refused for a moment: a not-yet, not a dead row. Long after the upload it is a real refusal."""
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    processing = _refusal(["invalid slack file [json-pointer:/blocks/1/slack_file]"])
    again = file_not_ready(processing, uploaded=[now - timedelta(seconds=2)], now=now)
    assert isinstance(again, RetryLater) and not again.maybe_sent and again.retry_after
    assert file_not_ready(processing, uploaded=[now - FILE_SETTLE], now=now) is None
    other = _refusal(["must be more than 0 characters [json-pointer:/blocks/0/text]"])
    assert file_not_ready(other, uploaded=[now], now=now) is None
