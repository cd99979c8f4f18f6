"""Hostile and odd bodies at /slack/events (issue 9, item 6 and the Low items).

Each test reproduces a finding against the real HTTP stack (uvicorn, the edge, Bolt, the fake Slack)
and keeps it fixed: bodies over the limit are refused unread (413), the signature is checked before
anything is parsed (401), malformed or oddly shaped bodies are a 400 that stores nothing, no log
line at any level carries a body, a token or a response_url, an over-long slash command is answered
in its acknowledgement without being stored, and the Slack profile cache stays bounded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import http.client
import json
import logging
import select
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from slack_bolt import BoltRequest

from sqmsbot.platforms.slack.app import create_bolt_app
from sqmsbot.platforms.slack.delivery import make_client
from sqmsbot.platforms.slack.directory import SlackDirectory
from sqmsbot.platforms.slack.safe_log import scrub
from sqmsbot.runtime import Runtime
from tests.conftest import table_counts
from tests.fakes.slack_api import FakeSlack
from tests.platforms.slack.harness import OPS, SECRET, TEAM, SlackBot, running_bot, signed_post, wait_for

FORM = "application/x-www-form-urlencoded"
LIMIT = 1_000_000  # Settings.max_body_bytes' default
LEGACY_TOKEN = "vErIfY-legacy-tok-9f3c"
TEXT = "Zebra umbrella seventy-seven"


@pytest.fixture
def bot(runtime: Runtime, fake_slack: FakeSlack) -> Iterator[SlackBot]:
    fake_slack.add_user("U1", name="li", real_name="Li Lei", locale="en-US")
    fake_slack.add_user("U3", name="zhang", real_name="张伟", locale="zh-CN")
    with running_bot(runtime, fake_slack) as running:
        yield running


def stored(bot: SlackBot) -> dict[str, int]:
    """The tables holding rows: empty means nothing was queued, no person made, nothing written."""
    return {name: n for name, n in table_counts(bot.runtime).items() if n}


def sign(body: bytes, *, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """A POST with exactly these bytes and headers (urllib would encode or complete them)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("POST", "/slack/events", body=body, headers={"Content-Type": FORM, **headers})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def status_line(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def stream(url: str, head: str, chunks: Iterator[bytes]) -> tuple[int, int]:
    """Send `head`, then the chunks until the server answers; the status and the bytes sent."""
    parts = urlsplit(url)
    sent = 0
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        sock.sendall(head.encode())
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # answered: stop sending
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        return status_line(sock), sent


def slash_form(bot: SlackBot, text: str, **extra: str) -> str:
    return urlencode(
        {
            "token": LEGACY_TOKEN,
            "team_id": TEAM,
            "channel_id": OPS,
            "user_id": "U1",
            "user_name": "li",
            "command": "/incident",
            "text": text,
            "response_url": bot.response_url,
            "trigger_id": f"trig-{time.monotonic_ns()}",
            **extra,
        }
    )


# ----- 1. a body size limit before anything reads the body ------------------------------------------


def test_a_content_length_over_the_limit_is_refused_unread(bot: SlackBot) -> None:
    """Before: an unsigned 100 MB POST was read whole (113 → 727 MB) and logged (100 MB)."""
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 100000000\r\n\r\n"
    )
    status, sent = stream(bot.url, head, iter([b"x" * 65536] * 1600))
    assert status == 413
    assert sent < 100_000_000  # answered before the body was sent, let alone read
    assert stored(bot) == {}


def test_a_chunked_body_is_cut_off_at_the_limit(bot: SlackBot) -> None:
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"x" * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    status, sent = stream(bot.url, head, iter([chunk] * 1600))  # up to 100 MB, streamed
    assert status == 413
    assert sent < 100_000_000
    assert stored(bot) == {}


def test_a_signed_body_just_under_the_limit_still_gets_through(bot: SlackBot) -> None:
    room = LIMIT - len(slash_form(bot, "help ", trigger_id="t-limit").encode())
    body = slash_form(bot, "help " + "x" * room, trigger_id="t-limit").encode()
    assert len(body) == LIMIT
    status, _ = post(bot.url, body, sign(body))
    assert status == 200
    [reply] = wait_for(lambda: bot.sink.received)  # past the door, refused by its length
    assert "at most 12000 characters" in str(reply["text"])


# ----- 2. the signature first, then parsing: 401 / 400, never a 500 ---------------------------------


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"text=\xff\xfe", {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00"}),
        (b"payload=notjson", {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00"}),
        (b"command=%2Fincident", {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}),
        (b"command=%2Fincident", {"X-Slack-Signature": "v0=00"}),
        (b"command=%2Fincident", {"X-Slack-Request-Timestamp": "¹²³", "X-Slack-Signature": "v0=00"}),
        (b"command=%2Fincident", {}),
    ],
    ids=["non-utf8", "payload-notjson", "non-numeric-ts", "no-ts", "superscript-ts", "no-headers"],
)
def test_an_unsigned_body_is_401_before_it_is_parsed(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, body: bytes, headers: dict[str, str]
) -> None:
    """Before: non-UTF-8 bytes, `payload=notjson` or a timestamp of `abc` gave 500 with a traceback."""
    caplog.set_level(logging.DEBUG)
    status, _ = post(bot.url, body, headers)
    assert status == 401
    assert not [r for r in caplog.records if r.exc_info or r.exc_text]
    assert len([r for r in caplog.records if r.name.startswith(("sqmsbot", "slack"))]) <= 1
    assert stored(bot) == {}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"text=\xff\xfe&command=%2Fincident", FORM),
        (b"payload=notjson", FORM),
        (b"payload=%5B1%2C2%5D", FORM),  # payload=[1,2]
        (b"payload=%22text%22", FORM),  # payload="text"
        (b"[1, 2]", "application/json"),
        (b"{not json", "application/json"),
        (b"just words", FORM),
        (b"text=%FF", FORM),
        (b"", FORM),
    ],
    ids=[
        "non-utf8",
        "payload-notjson",
        "payload-list",
        "payload-string",
        "json-list",
        "bad-json",
        "no-form",
        "bad-escape",
        "empty",
    ],
)
def test_a_signed_malformed_body_is_400(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.DEBUG)
    status, _ = post(bot.url, body, {"Content-Type": content_type, **sign(body)})
    assert status == 400
    assert not [r for r in caplog.records if r.exc_info or r.exc_text]
    assert stored(bot) == {}


def test_slacks_unsigned_ssl_check_is_answered_200_and_stores_nothing(bot: SlackBot) -> None:
    """Slack checks a slash command URL's certificate with an unsigned `ssl_check=1` POST."""
    request = urllib.request.Request(
        bot.url + "/slack/events", b"ssl_check=1&token=" + LEGACY_TOKEN.encode(), {"Content-Type": FORM}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200
    assert stored(bot) == {}
    # Anything else unsigned is still refused, however it is dressed.
    assert post_unsigned(bot, "ssl_check=1&command=%2Fincident&text=report") == 401


def post_unsigned(bot: SlackBot, body: str) -> int:
    request = urllib.request.Request(bot.url + "/slack/events", body.encode(), {"Content-Type": FORM})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_slacks_url_verification_challenge_still_works(bot: SlackBot) -> None:
    body = json.dumps({"token": LEGACY_TOKEN, "challenge": "3eZbrw1aB", "type": "url_verification"})
    answer = signed_post(bot.url, body, "application/json")
    assert answer.status == 200
    assert "3eZbrw1aB" in answer.body


def test_stale_and_forged_requests_are_401(bot: SlackBot) -> None:
    body = slash_form(bot, f'report P2 hotline "{TEXT}"')
    assert signed_post(bot.url, body, FORM, timestamp=int(time.time()) - 301).status == 401
    assert signed_post(bot.url, body, FORM, timestamp=int(time.time()) + 301).status == 401
    assert signed_post(bot.url, body, FORM, secret="forged").status == 401
    assert stored(bot) == {}


# ----- 3. no body, token or response_url in any log line at any level ------------------------------


def test_no_log_line_carries_a_body_a_token_or_a_response_url(
    bot: SlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: a stale but genuine request logged `token=`, the response_url and the text at INFO,
    and slack_sdk logged every call's parameters and every response_url post at DEBUG."""
    caplog.set_level(logging.DEBUG)
    line = f'report P2 hotline "{TEXT}"'
    stale = signed_post(bot.url, slash_form(bot, line), FORM, timestamp=int(time.time()) - 600)
    forged = signed_post(bot.url, slash_form(bot, line), FORM, secret="forged")
    good = signed_post(bot.url, slash_form(bot, line), FORM)
    assert (stale.status, forged.status, good.status) == (401, 401, 200)
    reply = wait_for(lambda: bot.sink.received)[0]  # the reply went to the response_url
    assert "Reported SQ-1." in reply["text"]
    assert bot.deliver() == 1  # the card, with the title in it, through chat.postMessage
    assert TEXT in json.dumps(bot.slack.messages(OPS))

    secrets = {
        "bot token": bot.slack.token,
        "legacy token": LEGACY_TOKEN,
        "response_url": bot.response_url,
        "response_url path": urlsplit(bot.response_url).path + " ",
        "the person's text": TEXT,
        "the person's text, form-encoded": urlencode({"t": TEXT})[2:],
    }
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    assert len(caplog.records) > 10  # DEBUG really was on: Bolt and slack_sdk had things to say
    for record in caplog.records:
        shown = record.getMessage() + "\n" + formatter.format(record)
        for what, secret in secrets.items():
            assert secret not in shown, f"{what} in a {record.levelname} line of {record.name}: {shown[:300]}"


def test_scrub_cuts_bodies_tokens_and_response_urls_but_keeps_api_methods() -> None:
    hook = "https://hooks.slack.com/commands/T0/123/abcSECRET"
    assert scrub(f"Sending a request - url: {hook}, body: {{'text': 'hi'}}") == (
        "Sending a request - url: https://hooks.slack.com/…, body: …"
    )
    assert scrub("url: https://slack.com/api/chat.postMessage, query_params: {'a': 1}") == (
        "url: https://slack.com/api/chat.postMessage, query_params: …"
    )
    assert "xoxb" not in scrub("Authorization: Bearer xoxb-1-2-3")
    assert scrub("Going to retry: POST " + hook) == "Going to retry: POST https://hooks.slack.com/…"
    assert scrub("got token=abc&team_id=T1&text=secret words") == "got … words"
    assert scrub("the token: tok-42 was used") == "the token: … was used"


# ----- 4. signed but odd payloads: 400, nothing stored ----------------------------------------------


def action(value: str = "incident list") -> dict[str, Any]:
    return {"type": "button", "action_id": "sqms:cmd:0", "block_id": "b1", "value": value, "action_ts": "1"}


def block_actions(**fields: Any) -> dict[str, Any]:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "U1"},
        "channel": {"id": OPS},
        "container": {"type": "message", "channel_id": OPS},
        "trigger_id": "trig-odd",
        "actions": [action()],
    }
    return {**payload, **fields}


ODD_PAYLOADS: dict[str, dict[str, Any]] = {
    "actions as a string": block_actions(actions="incident list"),
    "actions of strings": block_actions(actions=["incident list"]),
    "action without an action_id": block_actions(actions=[{"value": "incident list"}]),
    "action value a number": block_actions(actions=[{**action(), "value": 7}]),
    "user as a string": block_actions(user="U1"),
    "user as a number": block_actions(user=7),
    "channel as a list": block_actions(channel=[OPS]),
    "container as a string": block_actions(container="message"),
    "user id of 65 characters": block_actions(user={"id": "U" + "X" * 64}),
    "view without a type": {
        "type": "view_submission",
        "user": {"id": "U1"},
        "view": {"id": "V1", "callback_id": "sqms:form", "private_metadata": "{}", "state": {"values": {}}},
    },
    "view as a string": {"type": "view_submission", "user": {"id": "U1"}, "view": "sqms:form"},
    "view state values a list": {
        "type": "view_submission",
        "user": {"id": "U1"},
        "view": {"type": "modal", "callback_id": "sqms:form", "state": {"values": [1]}},
    },
    "no type": {"user": {"id": "U1"}, "actions": [action()]},
}


@pytest.mark.parametrize("payload", ODD_PAYLOADS.values(), ids=ODD_PAYLOADS.keys())
def test_a_signed_odd_interaction_is_400_and_stores_nothing(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, payload: dict[str, Any]
) -> None:
    """Before: 500 with a traceback (a string where an object belongs)."""
    caplog.set_level(logging.INFO)
    assert bot.interact(payload).status == 400
    assert not [r for r in caplog.records if r.exc_info or r.exc_text]
    assert stored(bot) == {}


ODD_SLASHES: dict[str, dict[str, str]] = {
    "user id of 65 characters": {"user_id": "U" + "X" * 64},
    "no user id": {"user_id": ""},
    "channel id with a space": {"channel_id": "C1 C2"},
    "team id of 65 characters": {"team_id": "T" + "X" * 64},
    "command without a slash": {"command": "incident"},
}


@pytest.mark.parametrize("fields", ODD_SLASHES.values(), ids=ODD_SLASHES.keys())
def test_a_signed_odd_slash_command_is_400_and_stores_nothing(bot: SlackBot, fields: dict[str, str]) -> None:
    """Before: a user id over 64 characters was a DataError on PostgreSQL (after the ack)."""
    assert signed_post(bot.url, slash_form(bot, "incident list", **fields), FORM).status == 400
    assert stored(bot) == {}


def event(event: dict[str, Any]) -> str:
    body = {"team_id": TEAM, "type": "event_callback", "event_id": "Ev0ODD", "event": event}
    return json.dumps(body)


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "app_home_opened", "tab": "home"},
        {"type": "app_home_opened", "tab": "home", "user": None},
        {"type": "app_home_opened", "tab": "home", "user": ["U1"]},
        {"type": "app_home_opened", "tab": "home", "user": "U" + "X" * 64},
        {"tab": "home", "user": "U1"},
    ],
    ids=["no-user", "null-user", "user-list", "long-user", "no-type"],
)
def test_an_odd_event_is_400_and_creates_no_person(bot: SlackBot, payload: dict[str, Any]) -> None:
    """Before: app_home_opened without a user created a person named "None"."""
    assert signed_post(bot.url, event(payload), "application/json").status == 400
    assert stored(bot) == {}  # a request is stored before it is answered: none was, none will be


def test_a_proper_home_tab_still_opens(bot: SlackBot) -> None:
    answer = signed_post(
        bot.url, event({"type": "app_home_opened", "tab": "home", "user": "U1"}), "application/json"
    )
    assert answer.status == 200
    wait_for(lambda: bot.slack.calls_to("views.publish"))


def test_socket_mode_ignores_an_odd_payload_and_stores_nothing(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    """The same check as a Bolt global middleware: in Socket Mode the envelope is acknowledged
    (Slack would only deliver it again) and nothing is stored."""
    app = create_bolt_app(runtime, client=make_client(fake_slack.token, fake_slack.api_url))
    for payload in (block_actions(actions=["incident list"]), block_actions(user={"id": "U" + "X" * 64})):
        response = app.dispatch(BoltRequest(mode="socket_mode", body=payload))
        assert response.status == 200
    home = json.loads(event({"type": "app_home_opened", "tab": "home"}))
    assert app.dispatch(BoltRequest(mode="socket_mode", body=home)).status == 200
    assert {name: n for name, n in table_counts(runtime).items() if n} == {}


# ----- 5. an over-long slash command is refused before it is stored ---------------------------------


@pytest.mark.parametrize(
    ("user", "expected"), [("U1", "at most 12000 characters"), ("U3", "12000")], ids=["en", "zh_CN"]
)
def test_a_slash_command_over_12000_characters_is_answered_at_once_and_not_stored(
    bot: SlackBot, user: str, expected: str
) -> None:
    """Before: a signed 5 MB slash command was stored for two days before the length check. Now it
    is refused on the spot, through its response_url (the person's language may need users.info,
    which never runs on the event loop)."""
    answer = bot.slash("report P2 hotline " + "x" * 13_000, user=user)
    assert answer.status == 200
    [reply] = wait_for(lambda: bot.sink.received)
    text = str(reply["text"])  # an ephemeral: Slack shows it to the person alone
    assert expected in text
    assert "/incident report" in text  # with the usage, as the dispatcher answers
    if user == "U3":
        assert "⚠️" in text and "characters" not in text  # in the person's language
    assert stored(bot) == {}


def test_a_five_megabyte_slash_command_is_413(bot: SlackBot) -> None:
    body = slash_form(bot, "report P2 hotline " + "x" * 5_000_000).encode()
    headers = "".join(f"{k}: {v}\r\n" for k, v in sign(body).items())
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n{headers}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    status, _ = stream(bot.url, head, (body[i : i + 65536] for i in range(0, len(body), 65536)))
    assert status == 413
    assert stored(bot) == {}


# ----- 6. the Slack profile cache is bounded, with a TTL --------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_profile_cache_keeps_its_bound_over_many_ids(fake_slack: FakeSlack) -> None:
    """Before: every user id ever mentioned stayed in the cache for good."""
    for i in range(30):
        fake_slack.add_user(f"U{i:03d}", name=f"p{i}")
    directory = SlackDirectory(make_client(fake_slack.token, fake_slack.api_url), max_entries=25)
    for i in range(60):  # 30 people Slack knows, 30 it does not (cached as unknown)
        directory.profile(f"U{i:03d}")
        assert directory.cached <= 25
    assert directory.cached == 25
    calls = len(fake_slack.calls_to("users.info"))
    assert directory.profile("U059") is None  # the most recent stay
    assert directory.profile("U000") is not None  # the oldest left: asked again
    assert len(fake_slack.calls_to("users.info")) == calls + 1


def test_a_recently_asked_profile_is_the_last_to_leave(fake_slack: FakeSlack) -> None:
    for user in ("UA", "UB", "UC", "UD"):
        fake_slack.add_user(user)
    directory = SlackDirectory(make_client(fake_slack.token, fake_slack.api_url), max_entries=3)
    for user in ("UA", "UB", "UC", "UA", "UD"):  # UA asked again, so UB is the one to go
        directory.profile(user)
    asked = [c.params["user"] for c in fake_slack.calls_to("users.info")]
    directory.profile("UA")
    directory.profile("UB")
    assert [c.params["user"] for c in fake_slack.calls_to("users.info")] == [*asked, "UB"]


def test_a_changed_profile_shows_after_the_ttl(fake_slack: FakeSlack) -> None:
    clock = Clock()
    fake_slack.add_user("U1", name="li")
    directory = SlackDirectory(
        make_client(fake_slack.token, fake_slack.api_url), ttl=3600, missing_ttl=60, monotonic=clock
    )
    assert (profile := directory.profile("U1")) is not None and profile.display_name == "li"
    assert directory.profile("U9") is None  # not in Slack (yet)
    fake_slack.add_user("U1", name="li-lei")
    fake_slack.add_user("U9", name="newcomer")
    clock.now += 59
    assert (profile := directory.profile("U1")) is not None and profile.display_name == "li"  # cached
    assert directory.profile("U9") is None
    clock.now += 2  # an unknown user is asked for again after a minute
    assert (profile := directory.profile("U9")) is not None and profile.display_name == "newcomer"
    assert (profile := directory.profile("U1")) is not None and profile.display_name == "li"
    clock.now += 3600  # and a known one after the hour
    assert (profile := directory.profile("U1")) is not None and profile.display_name == "li-lei"


def test_the_edge_uses_the_settings_limit(runtime: Runtime, fake_slack: FakeSlack) -> None:
    """`max_body_bytes` from the settings, not a constant: a smaller limit refuses a smaller body."""
    fake_slack.add_user("U1", name="li", locale="en-US")
    small = dataclasses.replace(
        runtime, settings=runtime.settings.model_copy(update={"max_body_bytes": 2048})
    )
    with running_bot(small, fake_slack) as bot:
        assert bot.slash("help").status == 200
        assert bot.slash("report P2 hotline " + "x" * 3000).status == 413
