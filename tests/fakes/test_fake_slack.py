"""Tests of the fake Slack Web API, driven through the real ``slack_sdk.WebClient`` over HTTP.

These pin down what other tests rely on: the fake answers like Slack, keeps state between calls,
refuses what Slack would refuse (and says so in ``violations``), and fails on demand the ways Slack
fails (429 with ``Retry-After``, 500, error codes) so the SDK's retry handlers can be exercised.
"""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from .fixtures import fake_slack_fixture, require_spec  # noqa: F401  (registers the ``fake_slack`` fixture)
from .slack_api import FakeSlack
from .slack_spec import SPEC_ENV_VAR

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
T = TypeVar("T")


def client_for(slack: FakeSlack, *, retry_handlers: list[RetryHandler] | None = None) -> WebClient:
    """A real WebClient aimed at the fake; no retry handlers unless a test asks for them."""
    return WebClient(token=slack.token, base_url=slack.api_url, retry_handlers=retry_handlers or [])


def error_of(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    """The Slack error code carried by a SlackApiError."""
    return str(exc.value.response["error"])


# ----- messages -------------------------------------------------------------------------------------


def test_post_message_returns_increasing_ts_and_keeps_history(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*P1* incident opened"}}]

    first = client.chat_postMessage(channel="C1", text="incident opened", blocks=blocks)
    second = client.chat_postMessage(channel="C1", text="SLA clock started")

    assert first["ok"] and first["channel"] == "C1"
    assert first["message"]["text"] == "incident opened"
    assert float(second["ts"]) > float(first["ts"])
    assert [m["text"] for m in fake_slack.messages("C1")] == ["incident opened", "SLA clock started"]
    history = client.conversations_history(channel="C1")
    assert [m["ts"] for m in history["messages"]] == [second["ts"], first["ts"]]  # newest first, as Slack
    recorded = fake_slack.calls_to("chat.postMessage")[0]
    assert recorded.params["blocks"] == blocks
    assert recorded.headers["authorization"] == f"Bearer {fake_slack.token}"


def test_concurrent_posts_get_unique_timestamps(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    timestamps: list[str] = []
    lock = threading.Lock()

    def post(worker: int) -> None:
        for n in range(5):
            ts = client.chat_postMessage(channel="C9", text=f"{worker}-{n}")["ts"]
            with lock:
                timestamps.append(ts)

    threads = [threading.Thread(target=post, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(timestamps)) == 30
    assert len(fake_slack.messages("C9")) == 30


def test_update_edits_the_message_and_unknown_ts_is_message_not_found(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    posted = client.chat_postMessage(channel="C1", text="status: open")

    updated = client.chat_update(channel="C1", ts=posted["ts"], text="status: resolved")

    assert updated["ts"] == posted["ts"]
    [message] = fake_slack.messages("C1")
    assert message["text"] == "status: resolved"
    assert "edited" in message
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel="C1", ts="1600000000.000001", text="nope")
    assert error_of(exc) == "message_not_found"


def test_thread_replies_stay_out_of_history_and_are_listed_by_replies(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    parent = client.chat_postMessage(channel="C1", text="INC-7 opened")
    reply = client.chat_postMessage(channel="C1", text="assigned to Li", thread_ts=parent["ts"])

    [top] = fake_slack.messages("C1")
    assert top["ts"] == parent["ts"]
    assert top["reply_count"] == 1
    replies = client.conversations_replies(channel="C1", ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["INC-7 opened", "assigned to Li"]
    assert replies[1]["thread_ts"] == parent["ts"] == reply["message"]["thread_ts"]


def test_reply_to_a_persons_message_seeded_by_the_test(fake_slack: FakeSlack) -> None:
    question = fake_slack.add_message("C2", "sla INC-7?", user="U1")

    client_for(fake_slack).chat_postMessage(channel="C2", text="4h left", thread_ts=question)

    assert [m["text"] for m in fake_slack.thread("C2", question)] == ["sla INC-7?", "4h left"]


def test_ephemeral_returns_message_ts_and_stays_out_of_history(fake_slack: FakeSlack) -> None:
    response = client_for(fake_slack).chat_postEphemeral(channel="C1", user="U1", text="only you")

    assert response["message_ts"]
    assert fake_slack.messages("C1") == []
    assert fake_slack.ephemerals[0]["user"] == "U1"


def test_post_to_a_user_lands_in_the_dm_that_conversations_open_names(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)

    dm = client.conversations_open(users="U42")["channel"]["id"]
    posted = client.chat_postMessage(channel="U42", text="your action item is due")

    assert dm == posted["channel"] == fake_slack.dm_channel("U42")
    assert fake_slack.messages(dm)[0]["text"] == "your action item is due"


# ----- users, auth, views ---------------------------------------------------------------------------


def test_users_info_reveals_locale_only_when_asked(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1", name="lilei", real_name="Li Lei", tz="Asia/Shanghai", locale="zh-CN")
    client = client_for(fake_slack)

    with_locale = client.users_info(user="U1", include_locale=True)["user"]
    without_locale = client.users_info(user="U1")["user"]

    assert with_locale["locale"] == "zh-CN"
    assert with_locale["real_name"] == "Li Lei"
    assert with_locale["tz"] == "Asia/Shanghai" and with_locale["tz_offset"] == 8 * 3600
    assert "locale" not in without_locale
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U404")
    assert error_of(exc) == "user_not_found"


def test_auth_test_names_team_and_bot(fake_slack: FakeSlack) -> None:
    response = client_for(fake_slack).auth_test()

    assert (response["team_id"], response["user_id"], response["bot_id"]) == ("T0FAKE", "U0BOT", "B0BOT")


def test_views_open_update_publish_and_expired_trigger(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "New incident"}, "blocks": []}

    opened = client.views_open(trigger_id="1.2.abc", view=modal)["view"]
    updated = client.views_update(view_id=opened["id"], view={**modal, "blocks": [{"type": "divider"}]})
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]

    assert updated["view"]["id"] == opened["id"]
    assert fake_slack.views[opened["id"]]["blocks"] == [{"type": "divider"}]
    assert home["id"] != opened["id"]
    fake_slack.expire_trigger("old.trigger")
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id="old.trigger", view=modal)
    assert error_of(exc) == "expired_trigger_id"
    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id="V404", view=modal)
    assert error_of(exc) == "not_found"


# ----- files ----------------------------------------------------------------------------------------


def test_files_upload_v2_runs_the_three_steps_and_keeps_the_bytes(fake_slack: FakeSlack) -> None:
    response = client_for(fake_slack).files_upload_v2(
        channel="C1", content=PNG_BYTES, filename="chart.png", title="MTTR", initial_comment="weekly"
    )

    [upload] = fake_slack.uploads
    assert upload.completed and upload.content == PNG_BYTES
    assert (upload.channel, upload.filename, upload.title) == ("C1", "chart.png", "MTTR")
    assert upload.initial_comment == "weekly"
    assert response["file"]["id"] == upload.file_id and response["file"]["size"] == len(PNG_BYTES)
    [get_url] = fake_slack.calls_to("files.getUploadURLExternal")
    assert get_url.response["upload_url"].startswith(fake_slack.base_url + "/upload/")
    assert get_url.params["length"] == str(len(PNG_BYTES))
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1


def test_upload_url_takes_multipart_too_and_flags_a_wrong_length(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    target = client.files_getUploadURLExternal(filename="a.csv", length=5)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na,b\n\r\n--XyZ--\r\n'
    )
    request = urllib.request.Request(
        target["upload_url"], data=body, headers={"Content-Type": "multipart/form-data; boundary=XyZ"}
    )

    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200

    assert fake_slack.uploads[0].content == b"a,b\n"
    assert "declared length 5, uploaded 4 bytes" in fake_slack.violations[0].reason
    fake_slack.violations.clear()


def test_completing_an_upload_that_never_got_bytes_is_file_not_found(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    file_id = client.files_getUploadURLExternal(filename="a.csv", length=3)["file_id"]

    with pytest.raises(SlackApiError) as exc:
        client.files_completeUploadExternal(files=[{"id": file_id, "title": "a"}], channel_id="C1")

    assert error_of(exc) == "file_not_found"


# ----- calls Slack would refuse ---------------------------------------------------------------------


def test_missing_required_argument_is_refused_and_recorded(fake_slack: FakeSlack) -> None:
    require_spec(fake_slack)
    client = client_for(fake_slack)

    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.postMessage", json={"text": "where to?"})

    assert error_of(exc) == "invalid_arguments"
    [violation] = fake_slack.violations
    assert violation.method == "chat.postMessage" and "channel" in violation.reason
    assert fake_slack.messages("") == []
    fake_slack.violations.clear()  # provoked on purpose; the fixture checks none are left


def test_hand_written_methods_are_checked_even_without_the_spec() -> None:
    with FakeSlack(spec_path="/nonexistent/spec.json") as slack:
        with pytest.raises(SlackApiError) as exc:
            client_for(slack).api_call("files.getUploadURLExternal", params={"filename": "a.png"})

        assert error_of(exc) == "invalid_arguments"
        assert "length" in slack.violations[0].reason


def test_unknown_method_is_refused_and_recorded(fake_slack: FakeSlack) -> None:
    require_spec(fake_slack)

    with pytest.raises(SlackApiError) as exc:
        client_for(fake_slack).api_call("chat.postMessages", json={"channel": "C1", "text": "typo"})

    assert error_of(exc) == "unknown_method"
    assert [v.method for v in fake_slack.violations] == ["chat.postMessages"]
    fake_slack.violations.clear()


def test_json_body_to_a_form_only_method_is_refused(fake_slack: FakeSlack) -> None:
    require_spec(fake_slack)
    fake_slack.add_user("U1")

    with pytest.raises(SlackApiError):
        client_for(fake_slack).api_call("users.info", json={"user": "U1"})

    assert "JSON" in fake_slack.violations[0].reason
    fake_slack.violations.clear()


def test_spec_method_without_state_answers_ok_after_validation(fake_slack: FakeSlack) -> None:
    require_spec(fake_slack)
    client = client_for(fake_slack)

    assert client.api_call("reminders.add", json={"text": "review SLA", "time": "in 5 minutes"})["ok"]
    with pytest.raises(SlackApiError):
        client.api_call("reminders.add", json={"text": "review SLA"})
    assert "time" in fake_slack.violations[0].reason
    fake_slack.violations.clear()


def test_without_the_spec_file_the_fake_still_serves(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, str(tmp_path / "absent.json"))

    with FakeSlack() as slack:
        response = client_for(slack).chat_postMessage(channel="C1", text="hi")

        assert not slack.spec_loaded
        assert response["ok"] and slack.violations == []
        assert "absent.json" in slack.spec.source


def test_get_with_query_string_is_read(fake_slack: FakeSlack) -> None:
    """slack_sdk always POSTs, but Slack (and other clients, e.g. curl in a runbook) also take GET."""
    fake_slack.add_user("U1", real_name="Han Meimei")
    request = urllib.request.Request(
        f"{fake_slack.api_url}users.info?user=U1",
        headers={"Authorization": f"Bearer {fake_slack.token}"},
    )

    with urllib.request.urlopen(request, timeout=5) as response:
        body = json.load(response)

    assert body["user"]["real_name"] == "Han Meimei"
    assert fake_slack.calls_to("users.info")[0].http_method == "GET"


def test_multipart_body_keeps_file_parts_as_bytes(fake_slack: FakeSlack) -> None:
    """slack_sdk sends multipart when given ``files=``; text parts are strings, file parts bytes."""
    files = {"file": io.BytesIO(PNG_BYTES)}

    client_for(fake_slack).api_call("files.upload", files=files, data={"channels": "C1", "filename": "a.png"})

    [call] = fake_slack.calls_to("files.upload")
    assert call.headers["content-type"].startswith("multipart/form-data")
    assert call.params["file"] == PNG_BYTES
    assert call.params["channels"] == "C1"


def test_assert_no_violations_lists_what_slack_would_refuse() -> None:
    with FakeSlack(spec_path="/nonexistent/spec.json") as slack:
        with pytest.raises(SlackApiError):
            client_for(slack).api_call("files.completeUploadExternal", params={})

        with pytest.raises(AssertionError, match=r"files\.completeUploadExternal: missing"):
            slack.assert_no_violations()


# ----- authentication -------------------------------------------------------------------------------


def test_wrong_token_is_invalid_auth_and_no_token_is_not_authed(fake_slack: FakeSlack) -> None:
    wrong = WebClient(token="xoxb-someone-else", base_url=fake_slack.api_url, retry_handlers=[])
    anonymous = WebClient(base_url=fake_slack.api_url, retry_handlers=[])

    with pytest.raises(SlackApiError) as exc:
        wrong.chat_postMessage(channel="C1", text="hi")
    assert error_of(exc) == "invalid_auth"
    with pytest.raises(SlackApiError) as exc:
        anonymous.auth_test()
    assert error_of(exc) == "not_authed"
    assert fake_slack.messages("C1") == []


# ----- failure injection ----------------------------------------------------------------------------


def test_rate_limit_reaches_the_client_with_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as exc:
        client_for(fake_slack).chat_postMessage(channel="C1", text="hi")

    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "7"
    assert error_of(exc) == "ratelimited"
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.injected and call.status == 429
    assert fake_slack.messages("C1") == []


def test_rate_limit_retry_handler_succeeds_after_the_injected_failure(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1, times=1)
    client = client_for(fake_slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])

    response = client.chat_postMessage(channel="C1", text="after the wait")

    assert response["ok"]
    calls = fake_slack.calls_to("chat.postMessage")
    assert [(c.status, c.injected) for c in calls] == [(429, True), (200, False)]
    assert [m["text"] for m in fake_slack.messages("C1")] == ["after the wait"]


def test_server_error_then_success_with_server_error_retry_handler(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("chat.update", status=500)
    posted = client_for(fake_slack).chat_postMessage(channel="C1", text="v1")
    quick = FixedValueRetryIntervalCalculator(fixed_internal=0.01)
    client = client_for(fake_slack, retry_handlers=[ServerErrorRetryHandler(interval_calculator=quick)])

    client.chat_update(channel="C1", ts=posted["ts"], text="v2")

    assert [c.status for c in fake_slack.calls_to("chat.update")] == [500, 200]
    assert fake_slack.messages("C1")[0]["text"] == "v2"


def test_injected_error_code_fails_the_given_times_then_serves(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("chat.postMessage", error="channel_not_found", times=2)
    client = client_for(fake_slack)

    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C404", text="hi")
        assert error_of(exc) == "channel_not_found"
    client.chat_postMessage(channel="C404", text="again")

    assert [c.injected for c in fake_slack.calls_to("chat.postMessage")] == [True, True, False]
    assert [m["text"] for m in fake_slack.messages("C404")] == ["again"]


def test_fail_next_needs_something_to_fail_with(fake_slack: FakeSlack) -> None:
    with pytest.raises(ValueError, match="non-200 status or an error code"):
        fake_slack.fail_next("chat.postMessage")


# ----- connection faults (inject) -------------------------------------------------------------------


def eventually(condition: Callable[[], T], *, timeout: float = 10.0) -> T:
    """Poll until ``condition`` returns something truthy (a safety deadline, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return value


def impatient_client(slack: FakeSlack) -> WebClient:
    """A WebClient that gives up after one second and never retries: it sees each fault as it is."""
    return WebClient(token=slack.token, base_url=slack.api_url, retry_handlers=[], timeout=1)


def test_accept_then_timeout_posts_although_the_client_times_out(fake_slack: FakeSlack) -> None:
    fake_slack.inject("chat.postMessage", "accept_then_timeout", delay=3)

    with pytest.raises(TimeoutError):
        impatient_client(fake_slack).chat_postMessage(channel="C1", text="INC-7 opened")

    assert [m["text"] for m in fake_slack.messages("C1")] == ["INC-7 opened"]
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.injected and call.ok  # Slack did post it; the answer just never reached the client


def test_slow_serves_the_call_after_the_delay(fake_slack: FakeSlack) -> None:
    fake_slack.inject("chat.postMessage", "slow", delay=3)
    fake_slack.inject("users.info", "slow", delay=0.05)
    fake_slack.add_user("U1", real_name="Li Lei")

    with pytest.raises(TimeoutError):  # the call is still being "worked on" when the client gives up
        impatient_client(fake_slack).chat_postMessage(channel="C1", text="late")
    patient = client_for(fake_slack)

    assert patient.users_info(user="U1")["user"]["real_name"] == "Li Lei"
    [late] = eventually(lambda: fake_slack.calls_to("chat.postMessage"))  # recorded once served
    assert late.injected and late.ok
    assert [m["text"] for m in fake_slack.messages("C1")] == ["late"]


def test_reset_before_serves_nothing_and_the_next_call_is_served(fake_slack: FakeSlack) -> None:
    fake_slack.inject("chat.postMessage", "reset_before")
    client = impatient_client(fake_slack)

    with pytest.raises(ConnectionResetError):
        client.chat_postMessage(channel="C1", text="lost")
    assert fake_slack.messages("C1") == []
    client.chat_postMessage(channel="C1", text="again")

    assert [m["text"] for m in fake_slack.messages("C1")] == ["again"]
    calls = fake_slack.calls_to("chat.postMessage")
    assert [(c.status, c.injected) for c in calls] == [(0, True), (200, False)]


def test_reset_after_posts_and_then_resets_the_connection(fake_slack: FakeSlack) -> None:
    fake_slack.inject("chat.postMessage", "reset_after", times=2)
    client = impatient_client(fake_slack)

    for text in ("first try", "second try"):
        with pytest.raises(ConnectionResetError):
            client.chat_postMessage(channel="C1", text=text)

    assert [m["text"] for m in fake_slack.messages("C1")] == ["first try", "second try"]
    assert [(c.ok, c.injected) for c in fake_slack.calls_to("chat.postMessage")] == [(True, True)] * 2


def test_injected_ratelimit_and_server_error_answer_without_serving(fake_slack: FakeSlack) -> None:
    fake_slack.inject("chat.postMessage", "ratelimit", retry_after=9)
    fake_slack.inject("chat.postMessage", "server_error")
    client = impatient_client(fake_slack)

    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C1", text="one")
    with pytest.raises(SlackApiError) as broken:
        client.chat_postMessage(channel="C1", text="two")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "9"
    assert error_of(limited) == "ratelimited"
    assert broken.value.response.status_code == 500
    assert fake_slack.messages("C1") == []
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429, 500]


def test_fail_next_and_inject_are_met_in_the_order_arranged(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("chat.postMessage", status=429)
    fake_slack.inject("chat.postMessage", "reset_after")
    client = impatient_client(fake_slack)

    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="a")
    with pytest.raises(ConnectionResetError):
        client.chat_postMessage(channel="C1", text="b")
    client.chat_postMessage(channel="C1", text="c")

    assert [m["text"] for m in fake_slack.messages("C1")] == ["b", "c"]
    assert [c.injected for c in fake_slack.calls_to("chat.postMessage")] == [True, True, False]


def test_a_call_slack_would_refuse_leaves_the_fault_for_the_next_one(fake_slack: FakeSlack) -> None:
    fake_slack.inject("chat.postMessage", "reset_before")
    client = impatient_client(fake_slack)
    stranger = WebClient(token="xoxb-someone-else", base_url=fake_slack.api_url, retry_handlers=[])

    with pytest.raises(SlackApiError) as exc:
        stranger.chat_postMessage(channel="C1", text="refused before any fault applies")

    assert error_of(exc) == "invalid_auth"
    with pytest.raises(ConnectionResetError):
        client.chat_postMessage(channel="C1", text="now it resets")
    assert fake_slack.messages("C1") == []


def test_inject_refuses_an_unknown_fault(fake_slack: FakeSlack) -> None:
    with pytest.raises(ValueError, match="unknown fault 'timeout'"):
        fake_slack.inject("chat.postMessage", "timeout")


# ----- history windows and message metadata ---------------------------------------------------------

CARD_METADATA = {"event_type": "sqms_outbox", "event_payload": {"key": "card:SQ-1"}}


def test_history_window_is_exclusive_unless_inclusive(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    a, b, c, d = (client.chat_postMessage(channel="C1", text=t)["ts"] for t in "abcd")

    def texts(**window: Any) -> list[str]:
        return [m["text"] for m in client.conversations_history(channel="C1", **window)["messages"]]

    assert texts(oldest=a) == ["d", "c", "b"]
    assert texts(oldest=a, latest=d) == ["c", "b"]
    assert texts(oldest=b, latest=c, inclusive=True) == ["c", "b"]
    assert texts(latest=b) == ["a"]
    assert texts(oldest=d) == []
    with pytest.raises(SlackApiError) as exc:
        client.conversations_history(channel="C1", oldest="yesterday")
    assert error_of(exc) == "invalid_ts_oldest"


def test_history_shows_metadata_only_when_asked_for_it(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    client.chat_postMessage(channel="C1", text="SQ-1 card", metadata=CARD_METADATA)
    client.chat_postMessage(channel="C1", text="plain")

    plain = client.conversations_history(channel="C1")["messages"]
    full = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]

    assert all("metadata" not in m for m in plain)
    assert [m.get("metadata") for m in full] == [None, CARD_METADATA]
    assert fake_slack.messages("C1")[0]["metadata"] == CARD_METADATA  # the test's view keeps it


def test_replies_keep_the_parent_and_take_oldest_and_metadata(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)
    parent = client.chat_postMessage(channel="C1", text="SQ-1 opened")["ts"]
    first = client.chat_postMessage(channel="C1", text="assigned", thread_ts=parent)["ts"]
    client.chat_postMessage(channel="C1", text="resolved", thread_ts=parent, metadata=CARD_METADATA)

    later = client.conversations_replies(channel="C1", ts=parent, oldest=first)["messages"]
    with_metadata = client.conversations_replies(
        channel="C1", ts=parent, oldest=first, include_all_metadata=True
    )["messages"]

    assert [m["text"] for m in later] == ["SQ-1 opened", "resolved"]
    assert "metadata" not in later[1]
    assert with_metadata[1]["metadata"] == CARD_METADATA


def test_metadata_of_the_wrong_shape_is_refused(fake_slack: FakeSlack) -> None:
    client = client_for(fake_slack)

    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", metadata={"event_type": "sqms_outbox"})

    assert error_of(exc) == "invalid_metadata_format"
    assert fake_slack.messages("C1") == []
