"""Issue 8 §3, acceptance: one P1 nobody handles, over a working day in the console — what reaches whom.

Monday 2026-11-23 09:00 Shanghai: a P1 on the mobile app (IT: chen member, wang lead, zhao manager;
qiu in quality). The P1 policy is 24×7: acknowledge 15m, first response 30m, resolve 4h, warnings at
50/75/90 %, escalation to the lead at the breach, the manager 30 minutes and quality an hour after.
The clock then moves to 18:00 in half-hour steps with nobody acting.

Before this change the unassigned P1 sent 36 SLA messages (18 thread lines, wang 6: "falls to you as
head of IT" and "escalated to you (lead)" for each breach) and, assigned to chen, 45 and three
accountability drafts. Now: one message per reader and event, warnings minutes apart folded, one draft.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from sqmsbot.models import AccountabilityRecord
from sqmsbot.runtime import Runtime
from tests.conftest import Transcript

PEOPLE = (
    ":as chen member it",
    ":as wang lead it",
    ":as zhao manager it",
    ":as qiu quality quality",
    ":as me",
    '/incident report P1 app "Payments fail in the app"',
)
ASSIGN = (":as wang", "/incident assign SQ-1 @chen", ":as me")
DAY = (":clock +30m",) * 18  # 09:00 → 18:00
WHO = re.compile(r"^\[([#@][^\] ]+)( ↳)?\]( ✎)?")

UNASSIGNED = {"[#it]": 3, "[#it] ✎": 3, "[#it ↳]": 11, "[@wang]": 3, "[@zhao]": 3, "[@qiu]": 3}
ASSIGNED = {"[#it]": 3, "[#it] ✎": 3, "[#it ↳]": 11, "[@chen]": 7, "[@wang]": 3, "[@zhao]": 3, "[@qiu]": 3}


def _seen(screen: str) -> Counter[str]:
    """Messages on the screen per channel / person: `[#it]` top level, `[#it ↳]` thread, `✎` edits."""
    return Counter(m.group(0) for line in screen.splitlines() if (m := WHO.match(line)))


def _drafts(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(select(func.count(AccountabilityRecord.id))) or 0


@pytest.mark.parametrize(("setup", "expected", "drafts"), [((), UNASSIGNED, 0), (ASSIGN, ASSIGNED, 1)])
def test_one_unhandled_p1_over_a_working_day(
    transcript: Transcript,
    runtime: Runtime,
    setup: tuple[str, ...],
    expected: dict[str, int],
    drafts: int,
) -> None:
    transcript(*PEOPLE, *setup)
    steps = [transcript(step) for step in DAY]
    day = "\n".join(steps)
    assert dict(_seen(day)) == expected
    assert _drafts(runtime) == drafts
    assert "✗" not in day  # no job period failed

    # A breach is told the minute after its due instant: acknowledge (09:15) and first response
    # (09:30) are both missed, but only the first is said by 09:30.
    assert "🔴 SQ-1 · Acknowledge: commitment missed" in steps[0]
    assert "🔴 SQ-1 · First response: commitment missed" in steps[1]
    # The acknowledge warnings at 09:08, 09:12 and 09:14 are one thread line: the first, which shows
    # every clock with its time left.
    assert "[#it ↳] ⚠️ SQ-1 · Acknowledge: 50%" in steps[0]
    assert "Acknowledge: 75%" not in day and "Acknowledge: 90%" not in day
    # First response's 50 % is in the 09:16 breach alert (the same minute), its 75 % (09:23) folded into
    # that alert; its 90 % (09:28) is more than FOLD_WINDOW after it: a line of its own.
    assert "⚠️ First response: 50% of the committed time is used up" in steps[0]
    assert "First response: 75%" not in day
    assert "[#it ↳] ⚠️ SQ-1 · First response: 90%" in steps[0]
    # One message per breach for the lead, whichever way it falls to him.
    lead = [line for line in day.splitlines() if line.startswith("[@wang]")]
    assert [line.split(" · ")[1] for line in lead] == [
        "Acknowledge: commitment missed" + ("" if not setup else " — escalated to you (lead)"),
        "First response: commitment missed" + ("" if not setup else " — escalated to you (lead)"),
        "Resolve: commitment missed" + ("" if not setup else " — escalated to you (lead)"),
    ]


def test_the_assigned_p1_leaves_one_draft_listing_every_missed_commitment(transcript: Transcript) -> None:
    transcript(*PEOPLE, *ASSIGN, *DAY)
    listed = transcript(":as zhao", "/account")
    assert (
        "AR-1 · draft · about chen · Acknowledge, First response, Resolve commitments missed on SQ-1"
        in listed
    )
    assert "AR-2" not in listed
    assert "also missed: First response, added by the SLA watch at 2026-11-23 09:31 +08:00" in listed
    assert "also missed: Resolve, added by the SLA watch at 2026-11-23 13:01 +08:00" in listed
