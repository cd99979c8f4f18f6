"""Properties of one commitment clock, over random pauses: what a customer is promised always holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sqmsbot.calendar import business_time_between
from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.domain.sla_clock import BREACH, schedule, stops
from sqmsbot.models import IncidentEvent

ORG = load_org_config(EXAMPLE_ORG_FILE)
OFFICE = ORG.sla.calendar("cn-business").calendar
START = datetime(2026, 2, 10, 1, 0, tzinfo=UTC)  # the week before the 2026 Spring Festival
KINDS = ("waiting", "resumed", "resolved", "reopened", "note", "acknowledged")


def _events(steps: list[tuple[str, int]]) -> list[IncidentEvent]:
    at, found = START, []
    for kind, minutes in steps:
        at += timedelta(minutes=minutes)
        found.append(IncidentEvent(kind=kind, at=at))
    return found


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 3 * 24 * 60)), max_size=8))
def test_stops_are_ordered_and_apart_and_only_the_last_may_be_open(steps: list[tuple[str, int]]) -> None:
    found = stops(_events(steps))
    for index, (begin, end) in enumerate(found):
        assert end is None or begin <= end
        assert end is not None or index == len(found) - 1
        if index:
            previous_end = found[index - 1][1]
            assert previous_end is not None and previous_end <= begin


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6 * 24 * 60), st.integers(1, 3 * 24 * 60)), max_size=3),
    st.integers(1, 5 * 8 * 60),
)
def test_the_due_time_is_exactly_the_target_in_business_time_with_pauses_left_out(
    pauses: list[tuple[int, int]], target_minutes: int
) -> None:
    stopped = sorted(
        (START + timedelta(minutes=begin), START + timedelta(minutes=begin + length))
        for begin, length in pauses
    )
    target = timedelta(minutes=target_minutes)
    warn, escalations = [0.5, 0.75, 0.9], [("lead", timedelta(0)), ("manager", timedelta(hours=2))]
    planned = schedule(
        OFFICE, started_at=START, target=target, warn=warn, escalations=escalations, stopped=stopped
    )
    assert planned.due_at is not None
    assert business_time_between(OFFICE, start=START, end=planned.due_at, pauses=stopped) == target
    unpaused = schedule(OFFICE, started_at=START, target=target, warn=warn, escalations=[], stopped=[])
    assert unpaused.due_at is not None and planned.due_at >= unpaused.due_at  # a pause never hurries us
    instants = [planned.checkpoints[f"warn:{f:g}"] for f in warn] + [planned.checkpoints[BREACH]]
    assert instants == sorted(instants)
    assert planned.checkpoints["escalate:0:lead"] == planned.due_at
    assert planned.checkpoints["escalate:1:manager"] > planned.due_at


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 5 * 24 * 60), st.integers(1, 3 * 8 * 60))
def test_while_stopped_only_what_happened_before_the_stop_has_an_instant(
    stop_at: int, target_minutes: int
) -> None:
    began = START + timedelta(minutes=stop_at)
    planned = schedule(
        OFFICE,
        started_at=START,
        target=timedelta(minutes=target_minutes),
        warn=[0.5],
        escalations=[("lead", timedelta(0))],
        stopped=[(began, None)],
    )
    assert all(at <= began for at in planned.checkpoints.values())
    assert (planned.due_at is None) == (BREACH not in planned.checkpoints)
