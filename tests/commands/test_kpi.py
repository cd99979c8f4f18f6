"""/kpi in the console: the headline KPIs of a period, the charts sent privately, the refusals (which
write nothing), in English and Chinese, on SQLite and PostgreSQL.

The store holds the hand-computed Monday of tests/kpi/scenario.py (five incidents in IT) and three
Customer Service incidents of the same morning; the clock is on Tuesday, 10:00 in Shanghai.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sqmsbot.clock import ManualClock
from sqmsbot.runtime import Runtime
from tests.commands import as_, english_leaks, has_cjk, say
from tests.conftest import Transcript
from tests.kpi.scenario import desk, one_day, utc

TUESDAY = utc("2026-11-24 02:00")
PNG = b"\x89PNG\r\n\x1a\n"
NOT_A_PERIOD = (
    "is not a period: today, yesterday, week, month, 2026-11, 2026-11-23 or 2026-11-01..2026-11-30."
)
USAGE = "Usage: /kpi [DEPARTMENT] [today|yesterday|week|month|YYYY-MM|FROM..TO]"
CHART_USAGE = "Usage: /kpi chart trend|pareto [DEPARTMENT] [PERIOD]"
SENT = "Your chart is on its way: I am sending it to you in a private message."


@pytest.fixture
def console(runtime: Runtime, clock: ManualClock, tmp_path: Path) -> Transcript:
    """`me` (admin, ops) and `li` (member, ops) at a console writing files under tmp_path."""
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        one_day(d)
        for category in ("machine", "machine", None):
            extra = {"category": category} if category else {}
            d.report(utc("2026-11-23 03:00"), priority="P3", service="hotline", **extra)
    clock.set(TUESDAY)
    settings = runtime.settings.model_copy(update={"files_dir": tmp_path / "files"})
    transcript = Transcript(dataclasses.replace(runtime, settings=settings))
    transcript(":as li member ops", ":as me")
    return transcript


def test_kpi_is_today_for_my_department_against_yesterday(console: Transcript) -> None:
    assert say(console, "/kpi").reply.splitlines() == [
        "KPIs · Customer Service · 2026-11-24 (Asia/Shanghai)",
        "Reported: 0 ▼ previous 3",
        "Resolved: 0 = previous 0",
        # the means are shown where [kpi_targets] sets them a target
        "Time to acknowledge, mean: — · target 0.50 h",
        "Time to acknowledge, median: —",
        "Time to acknowledge, p90: —",
        "Time to resolve, mean: — · target 8.00 h",
        "Time to resolve, median: —",
        "Time to resolve, p90: —",
        "SLA met: acknowledge: — · target 95.0%",
        "SLA met: first response: — · target 95.0%",
        "SLA met: resolve: — · target 95.0%",
        "First-contact resolution: — · target 80.0%",
        "Reopened: — · target 5.0%",
        "Open at the end: 3 = previous 3",
        "Open and past due: 0 = previous 0",
        "As of 2026-11-24 10:00 +08:00. /kpi chart trend|pareto draws the charts.",
    ]


def test_kpi_yesterday_and_another_department(console: Transcript) -> None:
    ops = say(console, "/kpi yesterday").reply
    assert ops.startswith("KPIs · Customer Service · 2026-11-23 (Asia/Shanghai)\nReported: 3 ▲ previous 0\n")
    # the hand-computed day (tests/kpi/test_engine.py ONE_DAY), with the previous day empty
    it = say(console, "/kpi it yesterday").reply.splitlines()
    assert it[0] == "KPIs · IT · 2026-11-23 (Asia/Shanghai)"
    assert it[1:16] == [
        "Reported: 5 ▲ previous 0",
        "Resolved: 3 ▲ previous 0",
        "Time to acknowledge, mean: 0.42 h · target 0.50 h ✅",  # (10 + 20 + 40 + 30) / 4 minutes
        "Time to acknowledge, median: 0.42 h",
        "Time to acknowledge, p90: 0.62 h",
        "Time to resolve, mean: 2.00 h · target 8.00 h ✅",  # (1 + 2 + 3) / 3 hours
        "Time to resolve, median: 2.00 h",
        "Time to resolve, p90: 2.80 h",
        "SLA met: acknowledge: 20.0% · target 95.0% ⚠️",
        "SLA met: first response: 40.0% · target 95.0% ⚠️",
        "SLA met: resolve: 60.0% · target 95.0% ⚠️",
        "First-contact resolution: 33.3% · target 80.0% ⚠️",
        "Reopened: 33.3% · target 5.0% ⚠️",
        "Open at the end: 2 ▲ previous 0",
        "Open and past due: 2 ▲ previous 0",
    ]
    # a department by its name in either language, and a day by its date
    assert say(console, "/kpi 信息技术部 2026-11-23").reply.splitlines()[1:3] == it[1:3]


def test_kpi_ops_for_a_month_and_a_range(console: Transcript) -> None:
    month = say(console, "/kpi ops 2026-11").reply.splitlines()
    assert month[:2] == ["KPIs · Customer Service · 2026-11 (Asia/Shanghai)", "Reported: 3 ▲ previous 0"]
    span = say(console, "/kpi ops 2026-11-20..2026-11-26").reply.splitlines()
    assert span[:2] == [
        "KPIs · Customer Service · 2026-11-20 … 2026-11-26 (Asia/Shanghai)",
        "Reported: 3 ▲ previous 0",
    ]


def _png_path(screen_text: str) -> Path:
    [path] = re.findall(r"📎 \w+\.png: (\S+)", screen_text)
    return Path(path)


def test_kpi_chart_pareto_is_sent_privately_as_a_png(
    console: Transcript, counts: Callable[[], dict[str, int]]
) -> None:
    screen = say(console, "/kpi chart pareto")
    assert screen.reply == SENT
    [note] = screen.to("@me")
    assert note.startswith("[@me] Customer Service: causes of incidents, 2026-10-26 … 2026-11-24")
    path = _png_path(screen.text)
    assert path.is_file() and path.read_bytes().startswith(PNG)
    trend = say(console, "/kpi chart trend it yesterday")
    assert trend.reply == SENT
    assert trend.to("@me")[0].startswith("[@me] IT: incidents and SLA attainment, 2026-11-23")
    assert _png_path(trend.text).read_bytes().startswith(PNG)
    # nothing to draw: one clear line, no image, nothing stored
    before = counts()
    empty = say(console, "/kpi chart trend finance")
    assert (
        empty.text == "Nothing to chart for Finance in 2026-10-26 … 2026-11-24: no incidents were reported."
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("line", "problem", "usage"),
    [
        (
            "/kpi nowhere",
            "There is no department “nowhere”. Departments: ops, logistics, it, finance, quality",
            USAGE,
        ),
        (
            "/kpi 2026-13",
            "“2026-13” " + NOT_A_PERIOD,
            USAGE,
        ),
        (
            "/kpi ops 2026-11-30..2026-11-01",
            "The period ends before it starts: 2026-11-30 … 2026-11-01.",
            USAGE,
        ),
        ("/kpi 2025-01-01..2026-12-31", "A period is at most 366 days long.", USAGE),
        (
            "/kpi 😀",
            "“😀” " + NOT_A_PERIOD,
            USAGE,
        ),
        ("/kpi " + "9" * 300, "“" + "9" * 39 + "…” is not a period", USAGE),
        ("/kpi ops today yesterday", "", USAGE),
        ("/kpi chart", "", CHART_USAGE),
        ("/kpi chart bars", "", CHART_USAGE),
        ("/kpi chart pareto ops 2026-02-30", "“2026-02-30” is not a period", CHART_USAGE),
    ],
)
def test_bad_input_is_refused_with_the_usage_and_writes_nothing(
    console: Transcript, counts: Callable[[], dict[str, int]], line: str, problem: str, usage: str
) -> None:
    before = counts()
    reply = say(console, line).text
    assert reply.startswith("⚠️ " + problem), reply
    assert reply.endswith(usage), reply
    assert counts() == before


def test_a_member_sees_their_own_department_only(
    console: Transcript, counts: Callable[[], dict[str, int]]
) -> None:
    before = counts()
    refused = as_(console, "li", "/kpi it yesterday").text
    assert refused.startswith(
        "⚠️ Another department's KPIs are for these roles: lead, manager, quality, admin."
    )
    assert say(console, "/kpi chart pareto it").text.startswith("⚠️ Another department's KPIs")
    assert counts() == before
    assert say(console, "/kpi yesterday").reply.startswith("KPIs · Customer Service · 2026-11-23")


def test_a_chinese_reader(console: Transcript) -> None:
    say(console, "/sq lang zh_CN")
    reply = say(console, "/kpi 昨天").reply
    assert reply.splitlines()[:2] == ["指标 · 客户服务部 · 2026-11-23（Asia/Shanghai）", "报告数：3 ▲ 上期 0"]
    assert english_leaks(reply, allowed=["Asia/Shanghai", "SLA", "P90", "kpi chart trend|pareto"]) == []
    screen = say(console, "/kpi chart 帕累托")
    assert screen.reply == "图表正在生成，我会通过私信发送给您。"
    assert has_cjk(screen.to("@me")[0]) and _png_path(screen.text).read_bytes().startswith(PNG)
    refused = say(console, "/kpi 2026-13").text
    assert refused.startswith("⚠️ “2026-13”不是一个时间段") and has_cjk(refused)
