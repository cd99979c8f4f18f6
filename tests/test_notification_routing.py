"""Where notifications go when a deployment serves several platforms (DESIGN §5, issue 10).

One rule, in `notifications/audience.py` and `notifications/incidents.card_channel`: a department's
new card goes to its home channel among the served platforms; every later line and edit goes where
its card is, even after the served platforms changed; a person hears on their own platform; the
console sandbox never posts in a real platform's channels.
"""

from __future__ import annotations

from sqlalchemy import select

import commands
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.models import OutboxMessage
from sqmsbot.runtime import Runtime
from tests.conftest import Transcript, served_on


def rows(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.db.transaction() as session:
        found = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
    return found


def typed(runtime: Runtime, text: str) -> str:
    request = CommandRequest(platform="console", channel="#ops", user_id="me", text=text)
    return commands.dispatch(request, runtime=runtime).text


def test_a_follow_up_goes_where_the_card_is_after_the_served_platforms_changed(runtime: Runtime) -> None:
    before = served_on(runtime, "console")
    assert "Reported SQ-1." in Transcript(before)('incident report P2 hotline "Till jammed"')
    [card] = [r for r in rows(runtime) if ":card:" in r.dedupe_key]
    assert (card.platform, card.target, card.dedupe_key) == ("console", "#ops", "incident:1:card:console:ops")

    # Slack is served now, first: a new card in Customer Service would go to its Slack channel …
    after = served_on(runtime, "slack", "console")
    assert "SQ-1" in typed(after, 'incident note SQ-1 "called the customer back"')
    later = [r for r in rows(runtime) if r.id > card.id]
    assert later, "the note is told in the card's thread"
    # … but SQ-1's card is on the console: its thread line and its edit go there, under that card.
    assert {(r.platform, r.target) for r in later} == {("console", "#ops")}
    assert {r.payload.get("thread_of") or r.payload.get("update_of") for r in later} == {card.dedupe_key}


def test_the_console_sandbox_never_posts_in_a_served_platforms_channels(runtime: Runtime) -> None:
    on_slack = served_on(runtime, "slack")  # Slack tokens in the environment of `sqmsbot console`
    assert "Reported SQ-1." in Transcript(on_slack)('incident report P2 hotline "Till jammed"')
    assert {r.platform for r in rows(runtime)} == {"console"}
