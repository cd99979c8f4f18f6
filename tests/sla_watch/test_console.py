"""Issue 4, acceptance 2: in the console sandbox, moving the clock shows the SLA warnings, the breach and
the escalations as they fall due — each once, to the channel in its language and to the people in theirs.

The hotline's P2 (example organisation) resolves within 4 business hours: warnings at 11:00 (50 %),
12:00 (75 %) and 13:36 (90 %, after the lunch hour), the breach at 14:00 with the lead told at once and
the manager an hour later — each told by the first tick after its instant. Customer Service's channel
reads Chinese; li, wang and zhao read English. li's 75 % warning falls in the lunch hour of her
working day (the business calendar) and waits for 13:00; the breach alert in the channel says whom it
escalated to, so the channel gets one message for it.
"""

from __future__ import annotations

from sqmsbot.i18n import Translator
from tests.conftest import Transcript

ZH = Translator("zh_CN")

SETUP = (
    ":as li member ops",
    ":as wang lead ops",
    ":as zhao manager ops",
    ":as me",
    '/incident report P2 hotline "Customer waited 40 minutes"',
    ":as li",
    "/incident ack SQ-1",
    "/incident assign SQ-1",
    '/incident note SQ-1 "Called the customer back"',
    ":as me",
)
ALERTS = [
    # (what the screen shows, the channel's thread / the channel / a DM)
    "[#ops ↳] ⚠️ SQ-1 · 解决：承诺时限已用去 50%",
    "[@li] ⚠️ SQ-1 · Resolve: 50% of the committed time is used up",
    "[#ops ↳] ⚠️ SQ-1 · 解决：承诺时限已用去 75%",
    "[@li] ⚠️ SQ-1 · Resolve: 75% of the committed time is used up",  # at 13:00, after lunch
    "[#ops ↳] ⚠️ SQ-1 · 解决：承诺时限已用去 90%",
    "[@li] ⚠️ SQ-1 · Resolve: 90% of the committed time is used up",
    "[#ops] 🔴 SQ-1 · 解决：未能兑现服务承诺",
    "[@li] 🔴 SQ-1 · Resolve: commitment missed",
    "[@wang] ⏫ SQ-1 · Resolve: commitment missed — escalated to you (lead)",
    f"[#ops ↳] ⏫ SQ-1 · 解决：已升级给{ZH('role.manager')}：@zhao",
    "[@zhao] ⏫ SQ-1 · Resolve: commitment missed — escalated to you (manager)",
]


def test_moving_the_console_clock_shows_each_warning_breach_and_escalation_once(
    transcript: Transcript,
) -> None:
    transcript(*SETUP)
    quiet = transcript(":clock +90m")  # 10:30: a quarter of the time used, nothing to say yet
    assert "SQ-1 ·" not in quiet.split("\n", 1)[1]
    morning = transcript(":clock +2h")  # 12:30
    rest = transcript(":clock +1d")  # Tuesday 12:30: everything after
    later = transcript(":clock +1h")
    screen = morning + "\n" + rest + "\n" + later
    lines = screen.splitlines()
    for alert in ALERTS:
        assert sum(line.startswith(alert) for line in lines) == 1, alert
    assert [a for a in ALERTS if a in morning] == [ALERTS[0], ALERTS[1], ALERTS[2]]
    assert "Held for your working hours; as of 2026-11-23 12:01 +08:00." in rest  # li's, after lunch
    assert f"  ⏫ SQ-1 · 解决：已升级给{ZH('role.lead')}：@wang" in rest  # inside the breach alert
    assert "SQ-1" not in later
    assert "✗" not in screen  # no job period failed
    # What to do, and the buttons to do it with, in each reader's language.
    assert "对客户承诺的补救：由热线经理回电致歉，并赠送 50 元抵用金。" in rest
    assert "Promised to the customer: A call-back from the hotline manager and a 50 CNY credit." in rest
    assert "[我来处理: /incident assign SQ-1]  [解决: /incident resolve SQ-1]" in rest
    assert "[Take it: /incident assign SQ-1]  [Resolve: /incident resolve SQ-1]" in rest
    assert "[#ops] ✎ SQ-1 · P2" in rest  # the card now shows the breach
    # The breach drafted an accountability record for li, once, listed privately for li's manager.
    drafts = transcript(":as zhao", "/account")
    assert drafts.count("AR-1") == 1 and "AR-2" not in drafts
    assert "AR-1 · draft · about li · Resolve commitment missed on SQ-1" in drafts
    assert "[#" not in drafts  # private: nothing went to a channel
