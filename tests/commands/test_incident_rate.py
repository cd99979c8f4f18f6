"""/incident rate in the console: the reporter rates a resolved incident (asked to in the message
telling them it is resolved), rates again, and CSAT shows in /kpi; who may not, when not, and bad
input refused with the usage and nothing written — in English and Chinese, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sqmsbot.runtime import Runtime
from tests.commands import as_, has_cjk, say
from tests.conftest import Transcript

USAGE = 'Usage: /incident rate SQ-N 1-5 ["COMMENT"]'
NOT_A_SCORE = "is not a score: give a whole number from 1 (very dissatisfied) to 5 (very satisfied)."
PROMPT = 'How did we do? Rate it from 1 to 5: /incident rate SQ-1 5 "a few words"'


@pytest.fixture
def console(runtime: Runtime) -> Transcript:
    """`ana` (Customer Service) reports SQ-1 against billing; `fei` (Finance) resolves it; SQ-2 is
    still open; `lin` is quality."""
    transcript = Transcript(runtime)
    transcript(
        ":as fei member finance",
        ":as lin quality quality",
        ":as ana member ops",
        '/incident report P3 billing "Charged twice"',
        '/incident report P3 billing "Card declined"',
        ":as fei",
        "/incident ack SQ-1",
    )
    return transcript


def test_the_reporter_is_asked_to_rate_rates_and_rates_again(console: Transcript) -> None:
    resolved = say(console, '/incident resolve SQ-1 "Refunded"')
    [told] = [entry for entry in resolved.to("@ana") if "is resolved" in entry]
    assert told.splitlines()[0] == (
        "[@ana] The incident you reported, SQ-1, is resolved. If it is not, reopen it with the reason."
    )
    assert told.splitlines()[-1].strip() == PROMPT
    assert as_(console, "ana", '/incident rate SQ-1 4 "Quick, polite"').reply == (
        "✅ Thank you: SQ-1 is rated 4 of 5."
    )
    assert say(console, "/incident rate SQ-1 ★★ slow to call back").reply == (
        "✅ Thank you: SQ-1 is now rated 2 of 5 (it was 4)."
    )
    # one response (the last), in Finance's KPIs of today: 0 of 1 satisfied, mean 2
    lines = as_(console, "lin", "/kpi finance").reply.splitlines()
    assert "Satisfied customers (scores 4–5): 0.0% · target 90.0% ⚠️" in lines
    assert "Satisfaction, mean score: 2.00 / 5" in lines
    assert "Error rate" not in "\n".join(lines)  # no volumes recorded: no line
    # closed incidents may be rated too
    say(console, "/incident close SQ-1")
    assert as_(console, "ana", "/incident rate SQ-1 5/5").reply == (
        "✅ Thank you: SQ-1 is now rated 5 of 5 (it was 2)."
    )


def test_a_resolution_by_the_reporter_themselves_sends_no_prompt(console: Transcript) -> None:
    """The reporter is told (and asked) only when someone else resolved it; quality resolving their own
    report gets the reply, not a message to themselves."""
    screen = as_(console, "lin", '/incident report P3 app "Login fails"')
    assert screen.reply.startswith("✅ Reported SQ-3.")
    done = say(console, '/incident resolve SQ-3 "Cache cleared"')
    assert done.to("@lin") == []


@pytest.mark.parametrize(
    ("who", "line", "problem"),
    [
        ("ana", "/incident rate", "Missing SQ-N."),
        ("ana", "/incident rate SQ-1", "Missing a score from 1 to 5."),
        ("ana", "/incident rate SQ-1 0", f"“0” {NOT_A_SCORE}"),
        ("ana", "/incident rate SQ-1 6", f"“6” {NOT_A_SCORE}"),
        ("ana", "/incident rate SQ-1 4.5", f"“4.5” {NOT_A_SCORE}"),
        ("ana", "/incident rate SQ-1 five", f"“five” {NOT_A_SCORE}"),
        ("ana", "/incident rate SQ-1 😀", f"“😀” {NOT_A_SCORE}"),
        ("ana", "/incident rate SQ-1 ★★★★★★", f"“★★★★★★” {NOT_A_SCORE}"),
        ("ana", "/incident rate SQ-1 " + "9" * 300, "The score is too long (at most 40 characters)."),
        ("ana", "/incident rate SQ-1 5 " + "x" * 501, "The comment is too long (at most 500 characters)."),
        ("ana", "/incident rate SQ-99 5", "There is no incident number 99."),
        (
            "ana",
            "/incident rate 'DROP TABLE feedback' 5",
            "“DROP TABLE feedback” is not an incident reference",
        ),
        ("ana", "/incident rate SQ-2 5", "SQ-2 is New: it can be rated once it is resolved."),
        (
            "fei",
            "/incident rate SQ-2 5",
            "Only the person who reported SQ-2 rates it: they speak for the customer.",
        ),
        ("lin", "/incident rate SQ-2 5", "Only the person who reported SQ-2 rates it"),
    ],
)
def test_bad_input_and_refusals_write_nothing(
    console: Transcript, counts: Callable[[], dict[str, int]], who: str, line: str, problem: str
) -> None:
    before = counts()
    reply = as_(console, who, line).text
    assert reply.startswith("⚠️ " + problem), reply
    assert reply.endswith(USAGE), reply
    assert counts() == before


def test_a_duplicate_is_rated_on_its_original(
    console: Transcript, counts: Callable[[], dict[str, int]]
) -> None:
    say(console, '/incident resolve SQ-1 "Refunded"')
    say(console, "/incident duplicate SQ-2 of=SQ-1")
    before = counts()
    refused = as_(console, "ana", "/incident rate SQ-2 5").text
    assert refused.startswith(
        "⚠️ This incident was closed as a duplicate: rate the original, SQ-1, where the work was done."
    )
    assert counts() == before


def test_a_chinese_reporter(console: Transcript) -> None:
    resolved = say(console, '/incident resolve SQ-1 "Refunded"')
    assert resolved.to("@ana")
    say(console, ":as ana")
    say(console, "/sq lang zh_CN")
    assert say(console, "/incident 评分 SQ-1 ５ 很满意").reply == "✅ 谢谢：SQ-1 的评分为 5 分（满分 5 分）。"
    assert say(console, "/incident 评价 SQ-1 ⭐⭐⭐ 还行").reply == (
        "✅ 谢谢：SQ-1 的评分已改为 3 分（满分 5 分，原为 5 分）。"
    )
    refused = say(console, "/incident rate SQ-1 十").text
    assert refused.startswith("⚠️ “十”不是评分：请给出 1（非常不满意）到 5（非常满意）之间的整数。")
    assert refused.endswith('用法：/incident rate SQ-N 1-5 ["COMMENT"]')
    missing = say(console, "/incident rate SQ-1").text
    assert missing.startswith("⚠️ 缺少评分（1 到 5 分）。") and has_cjk(missing)
    # resolved again, the Chinese reporter is asked in Chinese
    say(console, '/incident reopen SQ-1 "还是重复扣款"')
    again = as_(console, "fei", '/incident resolve SQ-1 "Refunded again"')
    [told] = [entry for entry in again.to("@ana") if "/incident rate SQ-1" in entry]
    assert "我们的处理您满意吗？请打 1 到 5 分：/incident rate SQ-1 5" in told
