"""/sla and the clock lines on cards and in `/incident show`, typed into the console in both languages."""

from __future__ import annotations

from datetime import timedelta

from sqmsbot.clock import ManualClock
from sqmsbot.i18n import catalog
from tests.commands import as_, english_leaks, has_cjk, say
from tests.conftest import Transcript

PEOPLE = (":as li member ops", ":as wang lead ops", ":as me")


def _story(transcript: Transcript, clock: ManualClock) -> None:
    """Reported Monday 09:00 as P3, waited on the customer 10:00 → Tuesday 10:00, then made P2."""
    transcript(*PEOPLE)
    as_(transcript, "me", '/incident report P3 store "Queue too long"')
    clock.advance(timedelta(hours=1))
    as_(transcript, "li", '/incident wait SQ-1 "Which store?"')
    clock.advance(timedelta(hours=24))
    as_(transcript, "li", "/incident resume SQ-1")
    as_(transcript, "wang", '/incident priority SQ-1 P2 "Customer is waiting in the store"')


def test_sla_lists_the_commitments_in_english(transcript: Transcript) -> None:
    shown = as_(transcript, "me", "/sla").reply
    lines = shown.splitlines()
    assert lines[0] == "Our service commitments (in business time, unless 24×7)"
    assert "P1 · All services · Acknowledge 15m · First response 30m · Resolve 4h · 24×7" in lines
    assert (
        "P3 · All services · Acknowledge 2h · First response 4h · Resolve 3 working days · business hours"
        in lines
    )
    assert (  # one day reads as one, not "1 working day(s)"
        "P2 · All services · Acknowledge 30m · First response 1h · Resolve 1 working day · business hours"
        in lines
    )
    assert (
        "P2 · Service hotline · Acknowledge 10m · First response 30m · Resolve 4h · business hours" in lines
    )
    assert "P1 · All services: A personal apology from the service manager and a 100 CNY credit." in lines
    assert say(transcript, "/sla list").reply == shown


def test_sla_lists_the_commitments_in_chinese(transcript: Transcript) -> None:
    transcript(":as li member ops")
    as_(transcript, "li", "/sq lang zh_CN")
    shown = say(transcript, "/sla").reply
    assert "P1 · 所有服务 · 受理 15分钟 · 首次响应 30分钟 · 解决 4小时 · 全天候（24×7）" in shown
    assert "P2 · 服务热线 · 受理 10分钟 · 首次响应 30分钟 · 解决 4小时 · 工作时间" in shown
    assert "P3 · 所有服务：书面致歉并说明延误原因。" in shown
    assert english_leaks(shown) == [], shown


def test_sla_explains_one_incidents_clocks(transcript: Transcript, clock: ManualClock) -> None:
    _story(transcript, clock)
    shown = as_(transcript, "li", "/sla SQ-1").reply
    assert shown.splitlines() == [
        "SQ-1 · P2 · service commitments",
        "✅ Acknowledge: met · met 2026-11-23 10:00 +08:00",
        "    clock started 2026-11-23 09:00 +08:00",
        "✅ First response: met · met 2026-11-23 10:00 +08:00",
        "    clock started 2026-11-23 09:00 +08:00",
        # Business time: Tuesday 10:00 to 18:00 less the lunch hour (not the 8 wall-clock hours).
        "⏳ Resolve: running · due 2026-11-24 18:00 +08:00 · 7h of business time left",
        "    clock started 2026-11-23 09:00 +08:00",
        "Clocks stopped (waiting on the customer, or resolved until reopened):",
        "    2026-11-23 10:00 +08:00 → 2026-11-24 10:00 +08:00",
        "If we miss: A call-back from a team lead and a 50 CNY credit.",
    ]
    assert say(transcript, "/sla incident sq-1").reply == shown


def test_sla_explains_in_chinese_and_in_the_readers_time_zone(
    transcript: Transcript, clock: ManualClock
) -> None:
    _story(transcript, clock)
    as_(transcript, "li", "/sq lang zh_CN")
    shown = say(transcript, "/sla SQ-1").reply
    assert "⏳ 解决：计时中 · 截止 2026-11-24 18:00 +08:00 · 剩余工作时间 7小时" in shown
    assert "    2026-11-23 10:00 +08:00 → 2026-11-24 10:00 +08:00" in shown
    assert "未达承诺时：由组长回电致歉，并赠送 50 元抵用金。" in shown
    assert english_leaks(shown) == [], shown
    assert not any(sentence in shown for sentence in catalog("en").values() if len(sentence) > 12)


def test_the_card_and_show_carry_the_clocks_and_the_timeline_the_moves(
    transcript: Transcript, clock: ManualClock
) -> None:
    transcript(*PEOPLE)
    reported = as_(transcript, "me", '/incident report P3 store "Queue too long"')
    card = "\n".join(reported.to("#ops"))  # the ops channel reads Chinese
    assert "⏳ 受理：计时中 · 截止 2026-11-23 11:00 +08:00 · 剩余工作时间 2小时" in card
    # Three working days are 24 business hours, not the 2 days 9 hours of wall clock to Wednesday 18:00.
    assert "⏳ 解决：计时中 · 截止 2026-11-25 18:00 +08:00 · 剩余工作时间 24小时" in card
    clock.advance(timedelta(hours=1))
    as_(transcript, "li", '/incident wait SQ-1 "Which store?"')
    clock.advance(timedelta(hours=24))
    shown = say(transcript, "/incident show SQ-1").reply
    assert "  ⏸ Resolve: paused · 23h of business time left" in shown
    as_(transcript, "li", "/incident resume SQ-1")
    as_(transcript, "wang", '/incident priority SQ-1 P2 "Customer is waiting in the store"')
    clock.advance(timedelta(hours=9))  # Tuesday 19:00: an hour past the new due time
    shown = as_(transcript, "li", "/incident show SQ-1").reply
    assert "  🔴 Resolve: breached · due 2026-11-24 18:00 +08:00 · 1h overdue" in shown
    timeline = shown[shown.index("Timeline") :].splitlines()
    assert timeline[4:] == [
        "2026-11-23 10:00 +08:00 · SLA clock · Resolve due: 2026-11-25 18:00 +08:00 → paused"
        " (waiting on the customer)",
        # Within one minute in the order it happened: each move right after the change that made it.
        "2026-11-24 10:00 +08:00 · li · resumed work",
        "2026-11-24 10:00 +08:00 · SLA clock · Resolve due: paused → 2026-11-26 18:00 +08:00 (work resumed)",
        "2026-11-24 10:00 +08:00 · wang · changed the priority: P3 → P2 — Customer is waiting in the store",
        "2026-11-24 10:00 +08:00 · SLA clock · Resolve due: 2026-11-26 18:00 +08:00 → 2026-11-24 18:00 +08:00"
        " (priority changed)",
    ]
    as_(transcript, "wang", "/sq lang zh_CN")
    chinese = say(transcript, "/incident show SQ-1").reply
    assert "解决截止时间：2026-11-26 18:00 +08:00 → 2026-11-24 18:00 +08:00（优先级调整）" in chinese
    assert "🔴 解决：已超时 · 截止 2026-11-24 18:00 +08:00 · 已超时 1小时" in chinese
    assert has_cjk(chinese)


def test_sla_for_an_unknown_incident_says_so(transcript: Transcript) -> None:
    transcript(":as me")
    shown = say(transcript, "/sla SQ-99").reply
    assert "There is no incident number 99." in shown
    assert "There is no page" not in shown
    assert "/sla has no “nonsense”." in say(transcript, "/sla nonsense").reply
