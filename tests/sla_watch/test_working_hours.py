"""Private SLA messages keep to a person's working hours (issue 8 §3.6), and `/sq quiet` sets them.

A P1 (24×7 in the example organisation) reported on Monday 2026-11-23 at 22:00 Shanghai and assigned to
li: her warnings wait for Tuesday 09:00 — as one message, the night's latest state — while the P1's
breaches reach her (and the escalations reach wang) at once. The department channel is not held.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from sqmsbot.config import EXAMPLE_ORG_FILE, load_org_config
from sqmsbot.domain import working_hours
from sqmsbot.errors import UsageError
from sqmsbot.models import Person
from sqmsbot.runtime import Runtime
from tests.commands import as_, say
from tests.conftest import Transcript

SH = ZoneInfo("Asia/Shanghai")
ORG = load_org_config(EXAMPLE_ORG_FILE)
NIGHT = (
    ":as li member ops",
    ":as wang lead ops",
    ":as me",
    ":clock 2026-11-23T22:00",
    '/incident report P1 store "Card terminal down"',
    ":as wang",
    "/incident assign SQ-1 @li",
    ":as me",
)


def heading(entry: str) -> str:
    """`Resolve: commitment missed` out of `[@li] 🔴 SQ-1 · Resolve: commitment missed\n  …`."""
    return entry.splitlines()[0].split(" · ", 1)[1]


def sh(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def person(hours: str | None, department: str | None = "ops", timezone: str | None = None) -> Person:
    return Person(
        platform="console",
        platform_user_id="x",
        display_name="x",
        role="member",
        department=department,
        timezone=timezone,
        working_hours=hours,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("hours", "now", "expected"),
    [
        (None, "2026-11-23T10:00", "2026-11-23T10:00"),  # inside: now
        (None, "2026-11-23T12:30", "2026-11-23T13:00"),  # the calendar's lunch hour
        (None, "2026-11-23T22:00", "2026-11-24T09:00"),  # the night: the next morning
        (None, "2026-11-28T10:00", "2026-11-30T09:00"),  # Saturday: Monday
        (None, "2026-09-30T19:00", "2026-10-08T09:00"),  # the National Day week off (CN holidays)
        ("09:00-18:00", "2026-11-23T12:30", "2026-11-23T12:30"),  # their own day has no lunch break
        ("09:00-18:00", "2026-11-28T10:00", "2026-11-30T09:00"),  # still the calendar's working days
        ("20:00-23:00", "2026-11-23T22:00", "2026-11-23T22:00"),  # an evening shift
        (working_hours.ALWAYS, "2026-11-28T03:00", "2026-11-28T03:00"),  # /sq quiet off
    ],
)
def test_when_a_private_message_may_reach_someone(hours: str | None, now: str, expected: str) -> None:
    assert working_hours.deliver_at(ORG, person=person(hours), now=sh(now)) == sh(expected)


def test_own_hours_are_in_the_persons_time_zone() -> None:
    london = person("09:00-17:00", timezone="Europe/London")
    # 17:00 in Shanghai is 09:00 in London: her day has just begun.
    assert working_hours.deliver_at(ORG, person=london, now=sh("2026-11-23T17:00")) == sh("2026-11-23T17:00")
    assert working_hours.deliver_at(ORG, person=london, now=sh("2026-11-23T10:00")) == sh("2026-11-23T17:00")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("09:00-18:00", "09:00-18:00"),
        ("9:00 - 18:00", "09:00-18:00"),
        ("13:00-18:00，9:00-12:00", "09:00-12:00,13:00-18:00"),
    ],
)
def test_working_hours_are_written_the_way_people_write_them(typed: str, stored: str) -> None:
    assert working_hours.parse(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "18:00-09:00", "25:00-26:00", "9-18", "09:00-12:00,11:00-13:00", "a,b,c"]
)
def test_what_are_not_working_hours(typed: str) -> None:
    with pytest.raises(UsageError):
        working_hours.parse(typed)


def test_sq_quiet_shows_and_sets_the_hours(transcript: Transcript, runtime: Runtime) -> None:
    transcript(":as li member ops")
    shown = say(transcript, "/sq quiet").reply
    assert shown.splitlines()[0] == (
        "Your working hours: 09:00-12:00, 13:00-18:00 (Asia/Shanghai) on working days — the business"
        " calendar of Customer Service. Set your own with /sq quiet 09:00-18:00."
    )
    assert "a P1's breach and escalations reach you at once" in shown
    assert say(transcript, "/sq quiet 9:00-18:00").reply.startswith(
        "Your working hours: 09:00-18:00 (Asia/Shanghai) on working days — your own setting."
    )
    refused = say(transcript, "/sq quiet 18:00-09:00").reply
    assert "“18:00-09:00” are not working hours" in refused
    assert _stored(runtime, "li") == "09:00-18:00"  # a refused command changes nothing
    assert say(transcript, "/sq quiet off").reply.startswith("Private SLA messages reach you at any time")
    assert _stored(runtime, "li") == working_hours.ALWAYS
    assert say(transcript, "/sq quiet default").reply.startswith(
        "Your working hours: 09:00-12:00, 13:00-18:00"
    )
    assert _stored(runtime, "li") is None
    say(transcript, "/sq lang zh_CN")
    assert say(transcript, "/sq 免打扰").reply.startswith(
        "你的工作时间：工作日 09:00-12:00, 13:00-18:00（Asia/Shanghai）"
    )


def _stored(runtime: Runtime, name: str) -> str | None:
    with runtime.db.transaction() as session:
        return session.scalar(select(Person.working_hours).where(Person.platform_user_id == name))


def test_warnings_wait_for_the_morning_and_a_p1_breach_does_not(transcript: Transcript) -> None:
    transcript(*NIGHT)
    night = say(transcript, ":clock 2026-11-23T23:00")
    li = night.to("@li")
    assert [heading(entry) for entry in li] == [  # the two breaches, nothing else
        "Acknowledge: commitment missed",
        "First response: commitment missed",
    ]
    assert any("⚠️ SQ-1 · 受理：承诺时限已用去 50%" in e for e in night.to("#ops"))  # the channel is not held
    assert len(night.to("@wang")) == 2  # escalations to the lead do not wait either

    morning = say(transcript, ":clock 2026-11-24T09:00")
    held = morning.to("@li")  # what reached her between 23:00 and 09:00
    # The night's warnings arrive once, at the start of her day, as the latest of them.
    warned = [heading(entry) for entry in held if "⚠️" in entry.splitlines()[0]]
    assert warned == ["Resolve: 90% of the committed time is used up"]
    assert "Held for your working hours; as of 2026-11-24 01:37 +08:00." in morning.text
    breaches = [entry for entry in held if "🔴" in entry.splitlines()[0]]
    assert [heading(entry) for entry in breaches] == ["Resolve: commitment missed"]  # at 02:01, not held
    assert "Held for your working hours" not in breaches[0]


def test_with_quiet_hours_off_warnings_come_at_night(transcript: Transcript) -> None:
    transcript(":as li member ops", "/sq quiet off", *NIGHT)
    night = say(transcript, ":clock 2026-11-23T23:00")
    assert any(line.startswith("[@li] ⚠️ SQ-1 · Acknowledge: 50%") for line in night.to("@li"))
    assert "Held for your working hours" not in night.text
    assert as_(transcript, "li", "/sq quiet").reply.startswith("Private SLA messages reach you at any time")
