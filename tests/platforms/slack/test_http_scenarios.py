"""Scenario tests in HTTP mode: signed requests over real HTTP to uvicorn, Bolt, the real WebClient
talking to the fake Slack, and the outbox worker delivering with a manual clock."""

from __future__ import annotations

import time
import urllib.request
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from sqmsbot.clock import ManualClock
from sqmsbot.models import Incident
from tests.conftest import table_counts
from tests.platforms.slack.harness import OPS, SlackBot, wait_for

REPORT = 'report P2 hotline "Customer charged twice" cust=C-1042'


def incidents(bot: SlackBot) -> list[Incident]:
    with bot.runtime.db.transaction() as session:
        found = list(session.scalars(select(Incident).order_by(Incident.id)).unique())
        for incident in found:
            _ = incident.assignee, incident.status
        session.expunge_all()
        return found


def incident_count(bot: SlackBot) -> int:
    with bot.runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Verb → the command line its button carries (labels are in the channel's language)."""
    return {
        e["value"].split()[1]: e["value"]
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def block_text(message: dict[str, Any]) -> str:
    parts: list[str] = []
    for block in message.get("blocks", []):
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [f["text"] for f in block.get("fields", [])]
        parts += [e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(parts)


def report_and_deliver(bot: SlackBot, user: str = "U1") -> dict[str, Any]:
    before = len(bot.sink.received)
    assert bot.slash(REPORT, user=user).status == 200
    wait_for(lambda: len(bot.sink.received) > before)
    assert bot.deliver() >= 1
    return bot.slack.messages(OPS)[-1]


def test_slash_command_replies_privately_and_posts_the_card(bot: SlackBot) -> None:
    started = time.monotonic()
    answer = bot.slash(REPORT)
    assert answer.status == 200
    assert time.monotonic() - started < 3  # acknowledged well within Slack's window

    reply = wait_for(lambda: bot.sink.received)[0]
    assert reply["response_type"] == "ephemeral"
    assert "Reported SQ-1." in reply["text"]
    assert bot.slack.messages(OPS) == []  # the card goes out through the outbox, not inline

    assert bot.deliver() == 1
    [card] = bot.slack.messages(OPS)
    assert card["blocks"][0]["type"] == "header"
    assert "SQ-1 · Customer charged twice" in card["blocks"][0]["text"]["text"]
    assert "<@U1>" in block_text(card)  # the reporter is a real Slack mention
    assert "incident ack SQ-1" in buttons(card).values()
    [person] = incidents(bot)[0:1]
    assert person.reporter_id is not None


def test_people_come_from_users_info_and_chinese_locale_answers_in_chinese(bot: SlackBot) -> None:
    bot.slash(REPORT, user="U3")
    reply = wait_for(lambda: bot.sink.received)[0]
    assert "已上报 SQ-1。" in reply["text"]
    info = bot.slack.calls_to("users.info")
    assert [c.params["user"] for c in info] == ["U3"]  # asked once, then cached


def test_bare_incident_opens_the_report_modal_before_any_database_work(bot: SlackBot) -> None:
    before = table_counts(bot.runtime)
    assert bot.slash("").status == 200
    [view] = wait_for(bot.opened_views)
    assert table_counts(bot.runtime) == before  # nothing stored: the modal did not wait on the store
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert list(blocks) == [
        "priority",
        "service",
        "category",
        "source",
        "customer_ref",
        "title",
        "description",
    ]
    assert blocks["priority"]["element"]["initial_option"]["value"] == "P3"
    assert blocks["description"]["element"]["multiline"] is True

    values: dict[str, dict[str, Any]] = {
        "priority": {"value": {"type": "static_select", "selected_option": {"value": "P2"}}},
        "service": {"value": {"type": "static_select", "selected_option": {"value": "hotline"}}},
        "customer_ref": {"value": {"type": "plain_text_input", "value": "C 1042 has spaces"}},
        "title": {"value": {"type": "plain_text_input", "value": 'Charged "twice" & <angry>'}},
    }
    refused = bot.submit(view, values)
    assert refused.status == 200
    body = refused.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["customer_ref"]
    assert "customer ref" in body["errors"]["customer_ref"]
    assert table_counts(bot.runtime) == before

    values["customer_ref"] = {"value": {"type": "plain_text_input", "value": "C-1042"}}
    accepted = bot.submit(view, values)
    assert (accepted.status, accepted.body) == (200, "")
    ephemeral = wait_for(lambda: bot.slack.ephemerals)[0]
    assert ephemeral["channel"] == OPS and ephemeral["user"] == "U1"
    assert "Reported SQ-1." in ephemeral["text"]
    [incident] = incidents(bot)
    assert incident.title == 'Charged "twice" & <angry>'
    assert (incident.priority, incident.customer_ref) == ("P2", "C-1042")
    bot.deliver()
    card = bot.slack.messages(OPS)[0]
    assert "<angry>" in card["blocks"][0]["text"]["text"]  # plain_text: shown as typed, never parsed
    assert "&amp;" in card["text"] and "<angry>" not in card["text"]  # fallback text is escaped


def test_button_press_updates_the_card_in_place_and_threads_the_timeline(bot: SlackBot) -> None:
    bot.person("U2", role="lead")
    card = report_and_deliver(bot)
    before = len(bot.sink.received)
    answer = bot.press(buttons(card)["ack"], user="U2", message_ts=card["ts"])
    assert answer.status == 200
    reply = wait_for(lambda: bot.sink.received[before:])[0]
    assert "SQ-1 acknowledged." in reply["text"]
    assert reply["response_type"] == "ephemeral"

    assert bot.deliver() == 2  # the thread line and the edited card
    [edited] = bot.slack.messages(OPS)
    assert edited["ts"] == card["ts"] and "edited" in edited
    assert "已受理" in block_text(edited)  # the ops channel reads Chinese (its department locale)
    assert "ack" not in buttons(edited)  # the next steps moved on
    thread = bot.slack.thread(OPS, card["ts"])
    assert len(thread) == 2 and "受理了事件" in thread[1]["text"]
    [update] = bot.slack.calls_to("chat.update")
    assert update.params["ts"] == card["ts"]


def test_resolve_button_asks_for_the_note_and_first_contact_then_resolves(bot: SlackBot) -> None:
    bot.person("U2", role="lead")
    card = report_and_deliver(bot)
    bot.press(buttons(card)["resolve"], user="U2", message_ts=card["ts"])
    [view] = wait_for(bot.opened_views)
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"]}
    assert kinds == {"note": "plain_text_input", "fcr": "checkboxes"}
    values: dict[str, dict[str, Any]] = {
        "note": {"value": {"type": "plain_text_input", "value": "Refunded the double charge"}},
        "fcr": {"value": {"type": "checkboxes", "selected_options": [{"value": "true"}]}},
    }
    assert bot.submit(view, values, user="U2").body == ""
    wait_for(lambda: bot.slack.ephemerals)
    [incident] = incidents(bot)
    assert incident.status == "resolved" and incident.first_contact_resolution
    bot.deliver()
    assert "已解决" in block_text(bot.slack.messages(OPS)[0])


def test_assign_button_opens_a_user_picker_preset_to_the_presser(bot: SlackBot) -> None:
    bot.person("U2", role="lead")
    bot.person("U3")
    card = report_and_deliver(bot)
    bot.press(buttons(card)["assign"], user="U2", message_ts=card["ts"])
    [view] = wait_for(bot.opened_views)
    [block] = view["blocks"]
    assert block["element"]["type"] == "users_select" and block["element"]["initial_user"] == "U2"
    values = {"person": {"value": {"type": "users_select", "selected_user": "U3"}}}
    bot.submit(view, values, user="U2")
    wait_for(lambda: incidents(bot)[0].assignee is not None)
    assert incidents(bot)[0].assignee.platform_user_id == "U3"  # type: ignore[union-attr]


def test_the_same_slash_command_retried_three_times_makes_one_incident_and_one_card(bot: SlackBot) -> None:
    for retry in (None, 1, 2, 3):
        assert bot.slash(REPORT, trigger_id="trig-same", retry_num=retry).status == 200
    replies = wait_for(lambda: bot.sink.received)
    time.sleep(0.2)  # a second reply, had a retry been queued, would be here by now
    assert [r["text"].splitlines()[0] for r in replies] == ["✅ Reported SQ-1."]  # retries are not queued
    assert incident_count(bot) == 1
    bot.deliver()
    assert len(bot.slack.messages(OPS)) == 1


def test_slack_rate_limiting_for_a_while_delays_the_card_but_delivers_it_once(bot: SlackBot) -> None:
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    bot.slack.fail_next("chat.postMessage", status=429, retry_after=1, times=3)
    bot.slash(REPORT)
    wait_for(lambda: bot.sink.received)
    assert bot.worker.run_once() == 0  # 429, retried once by the SDK, 429 again: back to the outbox
    assert bot.slack.messages(OPS) == []
    assert bot.worker.run_once() == 0  # not due yet: Retry-After and back-off are honoured
    delivered = 0
    for _ in range(5):
        clock.advance(timedelta(minutes=1))
        delivered += bot.worker.run_once()
    assert delivered == 1
    assert len(bot.slack.messages(OPS)) == 1
    statuses = [c.status for c in bot.slack.calls_to("chat.postMessage")]
    assert statuses == [429, 429, 429, 200]


def test_forged_or_stale_requests_get_401_and_write_nothing(bot: SlackBot) -> None:
    before = table_counts(bot.runtime)
    assert bot.slash(REPORT, secret="not-the-signing-secret").status == 401
    assert bot.slash(REPORT, timestamp=int(time.time()) - 6 * 60).status == 401
    time.sleep(0.2)  # a listener, had one started, would have replied by now
    assert table_counts(bot.runtime) == before
    assert bot.sink.received == [] and bot.slack.calls == []


def test_errors_reach_the_person_with_usage(bot: SlackBot) -> None:
    bot.slash("frobnicate SQ-1")
    reply = wait_for(lambda: bot.sink.received)[0]
    assert reply["response_type"] == "ephemeral"
    assert "frobnicate" in reply["text"] and "/incident" in reply["text"]


def test_app_home_shows_my_open_incidents_and_my_departments(bot: SlackBot) -> None:
    bot.person("U1")
    report_and_deliver(bot)
    event = {"type": "app_home_opened", "user": "U1", "channel": "D0000U1", "tab": "home"}
    assert bot.event(event, event_id="Ev1").status == 200
    publish = wait_for(lambda: bot.slack.calls_to("views.publish"))[0]
    assert publish.params["user_id"] == "U1"
    view = publish.params["view"]
    assert view["type"] == "home"
    assert block_text(view).count("SQ-1") == 2  # mine, and my department's
    assert bot.event(event, event_id="Ev1", retry_num=1).status == 200  # Slack's retry of the same event
    assert bot.event(event, event_id="Ev2").status == 200  # the next time the tab is opened
    wait_for(lambda: len(bot.slack.calls_to("views.publish")) == 2)
    time.sleep(0.2)
    assert len(bot.slack.calls_to("views.publish")) == 2  # the retry was already held: not queued again


def test_healthz(bot: SlackBot) -> None:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200


def test_an_expired_trigger_is_explained_to_the_person_not_swallowed(bot: SlackBot) -> None:
    bot.slack.expire_trigger("trig-late")
    bot.slash("", trigger_id="trig-late")
    reply = wait_for(lambda: bot.sink.received)[0]
    assert "expired_trigger_id" in reply["text"] and "/incident report" in reply["text"]
    time.sleep(0.2)
    assert len(bot.sink.received) == 1  # told once, not once per attempt


def test_a_malformed_submission_closes_the_modal_and_tells_the_person(bot: SlackBot) -> None:
    view = {"id": "V1", "type": "modal", "callback_id": "sqms:form", "private_metadata": "{not json"}
    answer = bot.submit(view, {})
    assert (answer.status, answer.body) == (200, "")
    [dm] = wait_for(lambda: bot.slack.messages(bot.slack.dm_channel("U1")))
    assert "E-" in dm["text"]


def test_a_button_whose_modal_cannot_open_does_not_run_half_asked(bot: SlackBot) -> None:
    bot.person("U2", role="lead")
    card = report_and_deliver(bot)
    before = len(bot.sink.received)
    bot.slack.expire_trigger("trig-expired")
    payload_trigger = "trig-expired"
    answer = bot.press(buttons(card)["assign"], user="U2", message_ts=card["ts"], trigger_id=payload_trigger)
    assert answer.status == 200
    reply = wait_for(lambda: bot.sink.received[before:])[0]
    assert "expired_trigger_id" in reply["text"]
    assert incidents(bot)[0].assignee is None


def test_text_people_type_cannot_ping_or_link_when_the_bot_repeats_it(bot: SlackBot) -> None:
    """Slack hands over mentions, @here and links as markup; in a title or note they are plain text."""
    line = 'report P2 hotline "Ask <@U2|wang> <!here> see <https://evil.example/x|our portal>"'
    assert bot.slash(line).status == 200
    wait_for(lambda: bot.sink.received)
    assert bot.deliver() == 1
    [card] = bot.slack.messages(OPS)
    text = card["text"] + "\n" + block_text(card)
    assert "Ask @wang @here see https://evil.example/x" in text
    for markup in ("<@U2", "<!here", "<https://", "&lt;!here"):
        assert markup not in text, markup
    assert "<@U1>" in block_text(card)  # the reporter, whom the bot names itself, is still a mention
