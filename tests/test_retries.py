"""A platform that delivers the same request twice (Slack retries after 3 s, Lark re-sends events) must
not report the incident twice, post two cards, or answer differently."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

import commands
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.models import Incident, IncidentEvent, OutboxMessage, ProcessedRequest
from sqmsbot.runtime import Runtime

REPORT = '/incident report P2 billing "Customer charged twice" cust=C-1042'


def _request(text: str, key: str | None, user: str = "me") -> CommandRequest:
    return CommandRequest(platform="console", channel="#ops", user_id=user, text=text, request_key=key)


def _count(runtime: Runtime, column: InstrumentedAttribute[Any]) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(select(func.count(column))) or 0


def test_the_same_request_three_times_is_one_incident_one_card_one_answer(runtime: Runtime) -> None:
    replies = [commands.dispatch(_request(REPORT, "slack:T1:trigger-42"), runtime=runtime) for _ in range(3)]
    assert "Reported SQ-1." in replies[0].text
    assert replies[1].text == replies[0].text == replies[2].text
    assert replies[1].messages == replies[0].messages  # the card and its buttons too
    assert _count(runtime, Incident.id) == 1
    assert _count(runtime, IncidentEvent.id) == 1
    with runtime.db.transaction() as session:
        cards = session.scalars(select(OutboxMessage.target)).all()
    assert cards == ["#finance"]
    assert _count(runtime, ProcessedRequest.key) == 1


def test_two_different_keys_are_two_incidents(runtime: Runtime) -> None:
    first = commands.dispatch(_request(REPORT, "lark:evt-1"), runtime=runtime)
    second = commands.dispatch(_request(REPORT, "lark:evt-2"), runtime=runtime)
    assert "Reported SQ-1." in first.text
    assert "Reported SQ-2." in second.text
    assert _count(runtime, Incident.id) == 2
    assert _count(runtime, OutboxMessage.id) == 2


def test_a_retried_change_is_not_applied_twice(runtime: Runtime) -> None:
    """A retried `note` adds one note; a retried refusal stays a refusal and records nothing."""
    commands.dispatch(_request(REPORT, "r-1"), runtime=runtime)
    for _ in range(2):
        noted = commands.dispatch(_request('/incident note SQ-1 "called back"', "r-2"), runtime=runtime)
        assert "Note added to SQ-1." in noted.text
    assert _count(runtime, IncidentEvent.id) == 2
    for _ in range(2):
        refused = commands.dispatch(_request("/incident close SQ-1", "r-3"), runtime=runtime)
        assert not refused.messages[0].ok
    assert _count(runtime, ProcessedRequest.key) == 2
    assert _count(runtime, IncidentEvent.id) == 2


def test_without_a_key_each_request_is_new(runtime: Runtime) -> None:
    for _ in range(2):
        commands.dispatch(_request(REPORT, None), runtime=runtime)
    assert _count(runtime, Incident.id) == 2


def test_the_same_request_arriving_twice_at_once_is_answered_once(runtime: Runtime) -> None:
    """Retries can overlap the first delivery: the loser of the race gets the winner's answer."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(
            pool.map(
                lambda _: commands.dispatch(_request(REPORT, "slack:T1:race"), runtime=runtime), range(4)
            )
        )
    assert {r.text for r in replies} == {replies[0].text}
    assert "Reported SQ-" in replies[0].text
    assert _count(runtime, Incident.id) == 1
    assert _count(runtime, OutboxMessage.id) == 1


def test_a_new_persons_first_commands_at_once_all_succeed(runtime: Runtime) -> None:
    """Both requests create the same new person; the one that loses that race is run again, not refused."""

    def first_commands(user: str) -> list[str]:
        with ThreadPoolExecutor(max_workers=4) as pool:
            requests = [_request(REPORT, f"{user}:{n}", user=user) for n in range(4)]
            return [r.text for r in pool.map(lambda req: commands.dispatch(req, runtime=runtime), requests)]

    for round_ in range(3):
        texts = first_commands(f"newcomer-{round_}")
        assert all("Reported SQ-" in text for text in texts), texts
    assert _count(runtime, Incident.id) == 12
