"""The loser of a race is told what won, and writes nothing (issue 8 §1), shown deterministically.

Two replicas (two runtimes with engines of their own) take the same step on SQ-1. The second one
reads the incident first; right then, before it writes, the first one's whole command commits. The
second one's write then finds the row's version moved on, everything it did is rolled back, and it
decides again against the new state: the workflow refuses, naming who closed it.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import event, select
from sqlalchemy.orm import Session

import commands
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.db import Database
from sqmsbot.models import Incident, IncidentEvent, OutboxMessage
from sqmsbot.runtime import Runtime
from tests.conftest import Transcript


def _line(who: str, text: str) -> CommandRequest:
    return CommandRequest(platform="console", channel="#ops", user_id=who, text=text)


def test_the_second_of_two_closes_is_refused_with_who_closed_it(
    transcript: Transcript, runtime: Runtime
) -> None:
    transcript(":as wu member ops", ":as xu member ops", ":as wu")
    transcript('/incident report hotline "Refund missing"', '/incident resolve SQ-1 "Refunded"')
    other = dataclasses.replace(runtime, db=Database(runtime.db.url))
    raced = []

    def first_replica_wins(session: Session, instance: object) -> None:
        if isinstance(instance, Incident) and session.bind is not other.db.engine and not raced:
            raced.append("running")  # the first replica's own loads do not start another race
            raced[0] = commands.dispatch(_line("wu", "/incident close SQ-1"), runtime=other).text

    event.listen(Session, "loaded_as_persistent", first_replica_wins)
    try:
        reply = commands.dispatch(_line("xu", "/incident close SQ-1"), runtime=runtime).text
    finally:
        event.remove(Session, "loaded_as_persistent", first_replica_wins)
        other.db.dispose()

    assert raced and raced[0].startswith("✅ SQ-1 closed.")
    assert reply.startswith("⚠️ It is closed"), reply
    assert "wu closed it a moment ago." in reply
    with runtime.db.transaction() as session:
        kinds = list(session.scalars(select(IncidentEvent.kind).order_by(IncidentEvent.id)))
        closes = session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("%:event:%"))
        )
        actors = {e.actor.display_name for e in session.scalars(select(IncidentEvent)) if e.kind == "closed"}
        lines = list(closes)
    assert kinds.count("closed") == 1 and actors == {"wu"}
    assert len(lines) == len(set(lines))  # one thread line per event: the loser queued none
