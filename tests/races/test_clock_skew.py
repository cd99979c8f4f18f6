"""A request whose clock was read before another process's change committed (found by the process
race test: a reopen dated a moment before the resolve it undoes raised "pause ends before it starts").

Two processes' `now` are read when each request starts, so a reopen that loads SQ-1 just after a
resolve committed elsewhere may carry an earlier instant than the resolve. The timeline must still
run forwards: the reopen is dated no earlier than the last change, and the SLA clocks work.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import commands
from sqmsbot.clock import ManualClock
from sqmsbot.cmd.request import CommandRequest
from sqmsbot.models import IncidentEvent
from sqmsbot.runtime import Runtime
from tests.conftest import Transcript


def test_a_reopen_read_a_moment_before_the_resolve_it_undoes_still_works(
    transcript: Transcript, runtime: Runtime
) -> None:
    transcript(":as wu member ops", '/incident report hotline "Refund missing"')
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(minutes=10))
    assert "✅" in transcript('/incident resolve SQ-1 "Refunded"')
    runtime.clock.set(runtime.clock.now() - timedelta(milliseconds=30))  # the other process's clock
    request = CommandRequest(
        platform="console", channel="#ops", user_id="wu", text='/incident reopen SQ-1 "no"'
    )
    assert commands.dispatch(request, runtime=runtime).text.startswith("✅")
    with runtime.db.transaction() as session:
        events = session.scalars(select(IncidentEvent).order_by(IncidentEvent.id)).all()
        times = [(e.kind, e.at) for e in events]
    assert [kind for kind, _ in times][-2:] == ["resolved", "reopened"]
    assert times[-1][1] >= times[-2][1]  # never dated before the change it follows
    assert "SQ-1" in transcript("/sla SQ-1")  # the clocks compute (they raised before)
