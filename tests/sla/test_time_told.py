"""How the clocks speak of time (issue 8 §3.3–3.5), typed into the console as people would.

- A target met at its due minute is met, and the breach alert comes only after the due instant.
- Time left is business time where the target counts in business time (the 1-working-day target).
- Within one minute the timeline reads in the order things happened: a due-time move right after
  the change that caused it, never after "closed it".

Billing's P2 (Finance, example organisation) is the default P2: acknowledge 30m, resolve 1 working day
(8 business hours: 09:00–12:00, 13:00–18:00). Finance's channel reads English.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqmsbot.clock import ManualClock
from tests.commands import as_, say
from tests.conftest import Transcript

PEOPLE = (":as zhao member finance", ":as me")


def test_acknowledged_at_the_due_minute_is_met_and_no_breach_is_announced(transcript: Transcript) -> None:
    transcript(*PEOPLE)
    as_(transcript, "me", '/incident report P2 billing "Charged twice"')  # 09:00: acknowledge by 09:30
    ticks = say(transcript, ":clock 2026-11-23T09:30")
    assert "commitment missed" not in ticks.text  # the 09:30 tick does not call it missed
    as_(transcript, "zhao", "/incident ack SQ-1")  # at 09:30
    shown = say(transcript, "/sla SQ-1").reply
    assert "✅ Acknowledge: met · met 2026-11-23 09:30 +08:00" in shown
    assert "met late" not in shown
    later = say(transcript, ":clock +1h")
    assert "Acknowledge: commitment missed" not in later.text


def test_a_minute_late_is_missed_and_told_the_minute_after(transcript: Transcript) -> None:
    transcript(*PEOPLE)
    as_(transcript, "me", '/incident report P2 billing "Charged twice"')
    say(transcript, ":clock 2026-11-23T09:30")
    missed = say(transcript, ":clock +1m")  # 09:31: the due instant has passed
    assert "[#finance] 🔴 SQ-1 · Acknowledge: commitment missed" in missed.text
    assert "Acknowledge: due 2026-11-23 09:30 +08:00 · missed just now" in missed.text
    as_(transcript, "zhao", "/incident ack SQ-1")
    assert "🔴 Acknowledge: breached · due 2026-11-23 09:30 +08:00 · met late, 2026-11-23 09:31 +08:00" in (
        say(transcript, "/sla SQ-1").reply
    )


def test_time_left_on_a_working_day_target_is_business_time(
    transcript: Transcript, clock: ManualClock
) -> None:
    transcript(*PEOPLE)
    clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))  # Monday 14:00
    as_(transcript, "me", '/incident report P2 billing "Charged twice"')
    clock.advance(timedelta(hours=5))  # 19:00: 19 wall-clock hours to Tuesday 14:00, 4 working ones
    shown = say(transcript, "/sla SQ-1").reply
    assert "⏳ Resolve: running · due 2026-11-24 14:00 +08:00 · 4h of business time left" in shown
    assert "19h" not in shown
    # A 24×7 target speaks wall-clock time.
    as_(transcript, "me", '/incident report P1 billing "Nobody can pay"')
    assert "⏳ Resolve: running · due 2026-11-23 23:00 +08:00 · 4h left" in say(transcript, "/sla SQ-2").reply


def test_within_a_minute_the_timeline_follows_what_happened(transcript: Transcript) -> None:
    transcript(*PEOPLE)
    as_(transcript, "me", '/incident report P2 billing "Charged twice"')
    for line in (
        "/incident ack SQ-1",
        '/incident wait SQ-1 "Which card?"',
        "/incident resume SQ-1",
        '/incident resolve SQ-1 "Refunded"',
        "/incident close SQ-1",
    ):
        as_(transcript, "zhao", line)  # all at 09:00
    shown = say(transcript, "/incident show SQ-1").reply
    timeline = [line.split(" · ", 1)[1] for line in shown[shown.index("Timeline") :].splitlines()[1:]]
    assert timeline == [
        "me · reported it",
        "zhao · acknowledged it",
        "zhao · set it waiting on the customer — Which card?",
        "SLA clock · Resolve due: 2026-11-23 18:00 +08:00 → paused (waiting on the customer)",
        "zhao · resumed work",
        "SLA clock · Resolve due: paused → 2026-11-23 18:00 +08:00 (work resumed)",
        "zhao · resolved it — Refunded",
        "zhao · closed it",  # last: nothing moved after it
    ]
