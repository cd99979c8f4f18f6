"""/kpi volume in the console: recording a service's day, replacing it, the error rate it makes in
/kpi, who may, and every kind of bad input refused with the usage and nothing written — in English
and Chinese, on SQLite and PostgreSQL.

The clock is Tuesday 2026-11-24, 10:00 in Shanghai; two incidents were reported against the hotline
on Monday.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sqmsbot.clock import ManualClock
from sqmsbot.runtime import Runtime
from tests.commands import as_, english_leaks, has_cjk, say
from tests.conftest import Transcript
from tests.kpi.scenario import desk, utc

TUESDAY = utc("2026-11-24 02:00")
USAGE = "Usage: /kpi volume SERVICE YYYY-MM-DD VOLUME [ERRORS]"
BAD_COUNT = "must be a whole number from 0 to 1,000,000,000, not"
NOT_COUNTED = "errors not counted, so the incidents reported against it that day count instead"


@pytest.fixture
def console(runtime: Runtime, clock: ManualClock) -> Transcript:
    """`wang` leads Customer Service (hotline, store), `zhao` Finance (billing), `lin` is quality,
    `li` a member of Customer Service."""
    with runtime.db.transaction() as session:
        d = desk(session, runtime.org)
        for _ in range(2):
            d.report(utc("2026-11-23 03:00"), priority="P3", service="hotline")
    clock.set(TUESDAY)
    transcript = Transcript(runtime)
    transcript(":as li member ops", ":as zhao lead finance", ":as lin quality quality", ":as wang lead ops")
    return transcript


def test_recording_a_day_replacing_it_and_the_error_rate_it_makes(console: Transcript) -> None:
    assert say(console, "/kpi volume hotline 2026-11-23 1250 15").reply == (
        "✅ Recorded for Service hotline on 2026-11-23: volume 1250, errors 15 (1.20%)."
    )
    # by its name in Chinese, "yesterday" in Shanghai, without an error count: replaced
    assert say(console, "/kpi volume 服务热线 yesterday 1,300").reply == (
        f"✅ Recorded for Service hotline on 2026-11-23: volume 1300; {NOT_COUNTED}. "
        "It replaces what was recorded before: volume 1250, errors 15 (1.20%)."
    )
    assert say(console, "/kpi volume hotline 2026-11-23 1300").reply == (
        "Service hotline on 2026-11-23 already has these figures: "
        f"volume 1300; {NOT_COUNTED}. Nothing changed."
    )
    # Monday's two hotline incidents are its errors: 2 / 1300 = 0.15 %; the store has no volume
    lines = say(console, "/kpi yesterday").reply.splitlines()
    assert "Error rate: 0.15%" in lines
    assert not any(line.startswith(("Satisfied", "Satisfaction")) for line in lines)  # no feedback: no line
    assert lines.index("Error rate: 0.15%") == lines.index("Reopened: — · target 5.0%") + 1
    # today's line shows it beside the day before
    say(console, "/kpi volume hotline today 400 6")
    assert "Error rate: 1.50% ▲ previous 0.15%" in say(console, "/kpi").reply.splitlines()


def test_a_department_with_one_service_names_it_and_quality_records_anywhere(console: Transcript) -> None:
    assert as_(console, "zhao", "/kpi volume finance 2026-11-24 90 2").reply == (
        "✅ Recorded for Billing on 2026-11-24: volume 90, errors 2 (2.22%)."
    )
    assert as_(console, "lin", "/kpi volume 门店柜台 2026-11-23 0").reply == (
        f"✅ Recorded for Store counter on 2026-11-23: volume 0; {NOT_COUNTED}."
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("/kpi volume", "Missing SERVICE."),
        ("/kpi volume hotline", "Missing YYYY-MM-DD."),
        ("/kpi volume hotline 2026-11-23", "Missing VOLUME."),
        ("/kpi volume hotline 2026-11-23 -5", f"The volume {BAD_COUNT} “-5”."),
        ("/kpi volume hotline 2026-11-23 abc", f"The volume {BAD_COUNT} “abc”."),
        ("/kpi volume hotline 2026-11-23 😀", f"The volume {BAD_COUNT} “😀”."),
        ("/kpi volume hotline 2026-11-23 12.5", f"The volume {BAD_COUNT} “12.5”."),
        ("/kpi volume hotline 2026-11-23 99999999999", f"The volume {BAD_COUNT} “99999999999”."),
        ("/kpi volume hotline 2026-11-23 " + "9" * 300, "The volume is too long (at most 200 characters)."),
        ("/kpi volume hotline 2026-11-23 10 -1", f"The error count {BAD_COUNT} “-1”."),
        ("/kpi volume hotline 2026-11-23 10 20", "There cannot be more errors (20) than deliveries (10)."),
        (
            "/kpi volume hotline 2026-11-25 10",
            "2026-11-25 has not begun yet (today is 2026-11-24 there): record a day once it has started.",
        ),
        (
            "/kpi volume hotline 2026-02-30 10",
            "“2026-02-30” is not a day: write it like 2026-11-23 (or today, yesterday).",
        ),
        ("/kpi volume hotline 23/11/2026 10", "“23/11/2026” is not a day"),
        ("/kpi volume hotline 明天 10", "“明天” is not a day"),
        (
            "/kpi volume nowhere 2026-11-23 10",
            "There is no service “nowhere”. Services: hotline, store, delivery, app, billing",
        ),
        ("/kpi volume 热线 2026-11-23 10", "There is no service “热线”."),
        (
            "/kpi volume '; DROP TABLE service_volumes;--' 2026-11-23 1",
            "There is no service “; DROP TABLE service_volumes;--”.",
        ),
        (
            "/kpi volume ops 2026-11-23 10",
            "Customer Service owns several services (hotline, store): name the one you mean.",
        ),
        ("/kpi volume hotline 2026-11-23 10 1 extra", "I did not expect “extra” here."),
        (
            "/kpi volume billing 2026-11-23 10",
            "Volumes of the services of Finance are recorded by its leads, managers and admins, or by the "
            "quality team.",
        ),
    ],
)
def test_bad_input_is_refused_with_the_usage_and_writes_nothing(
    console: Transcript, counts: Callable[[], dict[str, int]], line: str, problem: str
) -> None:
    before = counts()
    reply = say(console, line).text
    assert reply.startswith("⚠️ " + problem), reply
    assert reply.endswith(USAGE), reply
    assert counts() == before


def test_a_member_may_not_record_their_own_departments_volume(
    console: Transcript, counts: Callable[[], dict[str, int]]
) -> None:
    before = counts()
    refused = as_(console, "li", "/kpi volume hotline 2026-11-23 10").text
    assert refused.startswith("⚠️ Volumes of the services of Customer Service are recorded by its leads")
    assert counts() == before


def test_a_chinese_reader(console: Transcript, counts: Callable[[], dict[str, int]]) -> None:
    say(console, "/sq lang zh_CN")
    done = say(console, "/kpi 业务量 store 昨天 600 3").reply
    assert done == "✅ 已记录 门店柜台 2026-11-23 的数据：服务量 600，差错 3（0.50%）。"
    before = counts()
    refused = say(console, "/kpi volume store 2026-11-23 六百").text
    assert refused.startswith("⚠️ 服务量必须是 0 到 1,000,000,000 之间的整数，而不是“六百”。")
    assert refused.endswith("用法：/kpi volume SERVICE YYYY-MM-DD VOLUME [ERRORS]")
    several = say(console, "/kpi volume 客户服务部 昨天 5").text
    assert several.startswith("⚠️ 客户服务部负责多项服务（hotline, store）：请指明是哪一项。")
    assert counts() == before
    reply = say(console, "/kpi yesterday").reply
    assert "差错率：0.50%" in reply.splitlines()
    assert english_leaks(reply, allowed=["Asia/Shanghai", "SLA", "P90", "kpi chart trend|pareto"]) == []
    assert has_cjk(say(console, "/kpi volume help").reply)
