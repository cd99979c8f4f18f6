"""Two managers deciding the same draft at once: one decision stands, the other is told whose
(issue 8 §1: the workflow mechanism and its compare-and-set carry over to accountability records)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

import commands
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.db import Database
from sqmsbot.domain import accountability, incidents
from sqmsbot.models import AccountabilityEvent, AccountabilityRecord, IncidentTarget, Person
from sqmsbot.runtime import Runtime
from tests.conftest import Transcript


def _line(who: str, text: str) -> CommandRequest:
    return CommandRequest(platform="console", channel="#ops", user_id=who, text=text)


def test_the_second_of_two_decisions_is_refused_naming_the_first(
    transcript: Transcript, runtime: Runtime
) -> None:
    transcript(":as li member ops", ":as zhao manager ops", ":as qian manager ops", ":as li")
    transcript('/incident report hotline "Queue too long"', "/incident assign SQ-1")
    with runtime.db.transaction() as session:  # the first response is missed: the watch drafts a record
        incident = incidents.get(session, number=1)
        due = session.scalar(select(IncidentTarget.due_at).where(IncidentTarget.target == "first_response"))
        assert due is not None
        drafted = accountability.draft_for_breach(
            session, incident=incident, target="first_response", now=due + timedelta(minutes=1)
        )
        assert (
            drafted is not None
            and session.scalar(select(Person.display_name).where(Person.id == drafted.subject_id)) == "li"
        )
    other = dataclasses.replace(runtime, db=Database(runtime.db.url))
    raced: list[str] = []

    def first_manager_wins(session: Session, instance: object) -> None:
        if isinstance(instance, AccountabilityRecord) and session.bind is not other.db.engine and not raced:
            raced.append("running")
            line = _line("zhao", '/account confirm AR-1 "Nobody answered for two hours"')
            raced[0] = commands.dispatch(line, runtime=other).text

    event.listen(Session, "loaded_as_persistent", first_manager_wins)
    try:
        reply = commands.dispatch(
            _line("qian", '/account dismiss AR-1 "The queue tool was down"'), runtime=runtime
        ).text
    finally:
        event.remove(Session, "loaded_as_persistent", first_manager_wins)
        other.db.dispose()

    assert raced[0].startswith("✅ AR-1 confirmed."), raced
    assert reply.startswith("⚠️ AR-1 has already been decided"), reply
    assert "zhao confirmed it a moment ago." in reply
    with runtime.db.transaction() as session:
        steps = list(session.scalars(select(AccountabilityEvent.to_status).order_by(AccountabilityEvent.id)))
        status = session.scalar(select(AccountabilityRecord.status))
    assert steps.count("dismissed") == 0 and steps.count("confirmed") == 1 and status == "confirmed"
